import type { DevinApi } from './api.js'
import { formatDuration } from '../action/duration.js'
import { describeChanges } from './describe.js'
import { DevinApiError } from './errors.js'
import type { Clock } from './http.js'
import { pollUntil } from './poll.js'
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
 * Polls the session (pollUntil: one request a poll, the interval growing while nothing changes, transient failures
 * retried by the next poll) until the goal is reached or the timeout passes. A 404 ends the wait: the session is
 * gone, and no later poll brings it back.
 */
export async function waitForSession(api: DevinApi, start: Session, options: WaitOptions, deps: WaitDeps): Promise<WaitResult> {
  const began = deps.clock.now()
  let seen = start
  const result = await pollUntil(
    start,
    {
      noun: 'session',
      async read(deadline) {
        try {
          return await api.get(start.id, deadline, { attempts: 1 })
        } catch (error) {
          if (error instanceof DevinApiError && error.status === 404) {
            throw new Error(
              `Devin's session ${start.id} is gone: Devin answered 404 Not Found when the action read it ${formatDuration(deps.clock.now() - began)} into the wait, so it was deleted or this API key can no longer see it. It was last seen as "${seen.status}"${seen.statusDetail !== undefined ? ` ("${seen.statusDetail}")` : ''}: ${seen.url}`,
              { cause: error }
            )
          }
          throw error
        }
      },
      fingerprint,
      describeChange: describeChanges,
      isOver: (session) => waitIsOver(session, options.until)
    },
    options,
    {
      ...deps,
      onPoll(session) {
        seen = session
        deps.onPoll(session)
      }
    }
  )
  if (!result.over) return { session: result.item, outcome: 'timeout', waitedMs: result.waitedMs, pollFailure: result.pollFailure }
  const outcome = classifySession(result.item)
  return { session: result.item, outcome: STOPPED.has(outcome) ? outcome : 'running', waitedMs: result.waitedMs }
}
