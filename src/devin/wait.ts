import type { DevinApi } from './api.js'
import { describeChanges } from './describe.js'
import { DevinApiError } from './errors.js'
import type { Clock } from './http.js'
import { type Outcome, type Session, classifySession } from './session.js'

export type WaitUntil = 'stopped' | 'pull-request' | 'structured-output'

export interface WaitOptions {
  until: WaitUntil
  timeoutMs: number
  /** The first polling interval; it grows while nothing changes. */
  pollIntervalMs: number
}

export interface WaitDeps {
  clock: Clock
  info(message: string): void
  warning(message: string): void
  /** Called after every successful poll, so the latest state is reported even if the step fails later. */
  onPoll(session: Session): void
}

export interface WaitResult {
  session: Session
  /** The outcome the wait ended with; `timeout` when the deadline came first. */
  outcome: Outcome
  waitedMs: number
  /** When polling kept failing until the deadline: the last failure. */
  pollFailure?: string
}

/** The interval grows while nothing changes, up to this factor of the first one. */
const MAX_GROWTH = 4
/** ...and never past two minutes, unless poll-interval itself is longer. */
const MAX_INTERVAL_MS = 120_000

/** Outcomes at which a session has stopped working. */
const STOPPED: ReadonlySet<Outcome> = new Set(['finished', 'blocked', 'error', 'suspended', 'exited'])

/** Whether a wait with this goal is over for the session. */
export function waitIsOver(session: Session, until: WaitUntil): boolean {
  if (STOPPED.has(classifySession(session))) return true
  if (until === 'pull-request') return session.pullRequests.length > 0
  if (until === 'structured-output') return session.structuredOutput !== undefined && session.structuredOutput !== null
  return false
}

/** What a poll compares to decide whether anything changed. */
function fingerprint(session: Session): string {
  return JSON.stringify([session.status, session.statusDetail, session.pullRequests, session.structuredOutput ?? null])
}

/** A poll failure that a later poll may not have: a network failure, a 429 or a 5xx. */
function isTransient(error: unknown): boolean {
  return error instanceof DevinApiError && (error.status === undefined || error.status === 429 || error.status >= 500)
}

/**
 * Polls the session until the goal is reached or the timeout passes. The interval starts at
 * poll-interval, doubles while nothing changes (up to 4×, at most two minutes) and falls back to the
 * start on any change, so a long quiet session costs few requests and a change is seen within one
 * current interval. Transient failures do not end the wait; they are retried until the deadline.
 */
export async function waitForSession(api: DevinApi, start: Session, options: WaitOptions, deps: WaitDeps): Promise<WaitResult> {
  const { clock } = deps
  const began = clock.now()
  const deadline = began + options.timeoutMs
  const base = options.pollIntervalMs
  const longest = Math.max(base, Math.min(base * MAX_GROWTH, MAX_INTERVAL_MS))
  let interval = base
  let session = start
  let last: string | undefined
  let pollFailure: string | undefined

  for (;;) {
    const pause = Math.min(interval, deadline - clock.now())
    if (pause <= 0) break
    await clock.sleep(pause)
    try {
      const next = await api.get(session.id, deadline)
      pollFailure = undefined
      const print = fingerprint(next)
      if (print !== last) {
        for (const line of describeChanges(last === undefined ? undefined : session, next)) deps.info(line)
        interval = base
        last = print
      } else {
        interval = Math.min(interval * 2, longest)
      }
      session = next
      deps.onPoll(session)
      if (waitIsOver(session, options.until)) {
        const outcome = classifySession(session)
        return { session, outcome: STOPPED.has(outcome) ? outcome : 'running', waitedMs: clock.now() - began }
      }
    } catch (error) {
      if (!isTransient(error)) throw error
      pollFailure = (error as Error).message
      deps.warning(`Could not read the session this time; still waiting. (${pollFailure})`)
      interval = base
    }
  }
  return { session, outcome: 'timeout', waitedMs: clock.now() - began, pollFailure }
}
