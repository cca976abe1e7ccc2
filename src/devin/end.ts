import type { DevinApi } from './api.js'
import { DevinApiError } from './errors.js'
import type { Session } from './session.js'

/** Statuses a session does not leave: no message brings it back, so it costs nothing more. */
const ENDED: ReadonlySet<string> = new Set(['exit', 'error'])

export interface EndResult {
  /** The session as it is after the end, when Devin said. */
  session?: Session
  /** When the end request failed but the session has ended all the same: that failure, to be told, not reported as one. */
  failedButEnded?: string
  /**
   * The session had stopped before this request: Devin refused the first attempt itself (400 "already exited").
   * After a retry the refusal may answer this very request's first attempt, whose answer was lost: that one ended it.
   */
  alreadyStopped?: boolean
}

/**
 * Ends a session (on-timeout: terminate, and the post step on cancellation). An end request that
 * failed may still have ended the session: a 5xx or a dropped answer after Devin acted, whose retry
 * then hears "already exited". So a failure is followed by one more read, and a session that has
 * ended counts as ended; only a session still going keeps the failure. v1 answers an end without
 * the session, so it is read once more too.
 */
export async function endSession(api: DevinApi, sessionId: string, deadline: number): Promise<EndResult> {
  let failure: unknown
  try {
    const ended = await api.terminate(sessionId, deadline)
    if (ended !== undefined) return { session: ended }
  } catch (error) {
    failure = error
  }
  let after: Session
  try {
    after = await api.get(sessionId, deadline)
  } catch {
    if (failure !== undefined) throw failure
    // The end succeeded; only the read that would show its state did not.
    return {}
  }
  if (failure === undefined) return { session: after }
  if (ENDED.has(after.status)) {
    const refusedAtOnce =
      failure instanceof DevinApiError && failure.attempts === 1 && failure.status !== undefined && failure.status >= 400 && failure.status < 500
    return { session: after, failedButEnded: failure instanceof Error ? failure.message : String(failure), alreadyStopped: refusedAtOnce }
  }
  throw failure
}
