import type { DevinApi } from './api.js'
import { MAX_POLL_INTERVAL_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
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
  /** When polling kept failing until the deadline: what failed, for how long, and the last error, in a sentence. */
  pollFailure?: string
}

/** The interval grows up to 4× while nothing changes, and never past poll-interval's own bound (2 minutes). */
const MAX_GROWTH = 4

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

/**
 * A poll failure that a later poll may not have: a network failure, a 429, a 5xx, or a success
 * answer that could not be read (a proxy's HTML page, JSON cut off, a body without a status).
 */
function isTransient(error: unknown): error is DevinApiError {
  if (!(error instanceof DevinApiError)) return false
  const { status } = error
  return status === undefined || status === 429 || status >= 500 || (status >= 200 && status < 300)
}

/** A run of polls that failed one after the other, to say plainly what went on when it lasts until the deadline. */
interface FailedRun {
  /** When the session was last read (or the wait began). */
  since: number
  polls: number
  statuses: Set<number | undefined>
  last: string
  retryAfterMs: number
}

/** "Devin's API answered HTTP 503 to every poll for the last 30m (25 polls)…", from a run of failed polls. */
function describeFailedRun(run: FailedRun, now: number): string {
  const [only] = run.statuses
  const answered =
    run.statuses.size === 1 && only !== undefined && (only < 200 || only >= 300)
      ? `Devin's API answered HTTP ${only}`
      : `Devin's API could not be read (${[...run.statuses].map((status) => (status === undefined ? 'no answer' : status < 300 ? `unreadable HTTP ${status} answers` : `HTTP ${status}`)).join(', ')})`
  const span = run.polls === 1 ? 'to the last poll' : `to every poll for the last ${formatDuration(now - run.since)} (${run.polls} polls)`
  return `${answered} ${span}, so the session's state at the deadline is unknown. The last error: ${run.last}`
}

/**
 * Polls the session until the goal is reached or the timeout passes. The interval starts at
 * poll-interval, doubles while nothing changes (up to 4×, at most two minutes) and falls back to the
 * start on any change, so a long quiet session costs few requests and a change is seen within one
 * current interval. Each poll is one request: a transient failure (network, 429, 5xx, an unreadable
 * answer) is retried by the next poll, the first after poll-interval (or Retry-After) and later ones
 * at a growing interval, as for a quiet session, so an outage costs no more requests than a quiet
 * wait. A 404 ends the wait: the session is gone, and no later poll brings it back.
 */
export async function waitForSession(api: DevinApi, start: Session, options: WaitOptions, deps: WaitDeps): Promise<WaitResult> {
  const { clock } = deps
  const began = clock.now()
  const deadline = began + options.timeoutMs
  const base = options.pollIntervalMs
  const longest = Math.max(base, Math.min(base * MAX_GROWTH, MAX_POLL_INTERVAL_MS))
  let interval = base
  let session = start
  let last: string | undefined
  let failed: FailedRun | undefined
  // When the session was last read: an outage is counted from there, the last moment its state was known.
  let lastRead = began

  for (;;) {
    const pause = Math.min(Math.max(interval, failed?.retryAfterMs ?? 0), deadline - clock.now())
    if (pause <= 0) break
    await clock.sleep(pause)
    let next: Session
    try {
      next = await api.get(session.id, deadline, { attempts: 1 })
    } catch (error) {
      if (error instanceof DevinApiError && error.status === 404) {
        throw new Error(
          `Devin's session ${session.id} is gone: Devin answered 404 Not Found when the action read it ${formatDuration(clock.now() - began)} into the wait, so it was deleted or this API key can no longer see it. It was last seen as "${session.status}"${session.statusDetail !== undefined ? ` ("${session.statusDetail}")` : ''}: ${session.url}`,
          { cause: error }
        )
      }
      if (!isTransient(error)) throw error
      failed ??= { since: lastRead, polls: 0, statuses: new Set(), last: '', retryAfterMs: 0 }
      failed.polls++
      failed.statuses.add(error.status)
      failed.last = error.message
      failed.retryAfterMs = error.retryAfterMs ?? 0
      if (failed.polls === 1) {
        deps.warning(`Could not read the session this time; still waiting. (${error.message})`)
        interval = base
      } else {
        // Only the first failure of a run is an annotation; the rest are log lines, and come less often.
        deps.info(`Still could not read the session (${failed.polls} polls in a row): ${error.message}`)
        interval = Math.min(interval * 2, longest)
      }
      continue
    }
    if (failed !== undefined) deps.info(`Read the session again after ${failed.polls} failed ${failed.polls === 1 ? 'poll' : 'polls'}.`)
    failed = undefined
    lastRead = clock.now()
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
  }
  const pollFailure = failed === undefined ? undefined : describeFailedRun(failed, clock.now())
  return { session, outcome: 'timeout', waitedMs: clock.now() - began, pollFailure }
}
