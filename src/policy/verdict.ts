import { formatDuration } from '../action/duration.js'
import type { Settings } from '../action/inputs.js'
import { describeSuspension } from '../devin/describe.js'
import type { Outcome, Session } from '../devin/session.js'

/** What a wait mode waits for, as the end of "for the session to …". */
export const WAIT_GOALS: Record<Settings['wait']['mode'], string> = {
  none: 'open',
  stopped: 'stop',
  'pull-request': 'open a pull request',
  'structured-output': 'provide structured output'
}

/**
 * Whether the outcome of a wait fails the step, and if so the message: what happened, why, and a
 * link to the session. `fail-on` lists the outcomes that fail; `on-timeout: leave` never fails.
 */
export function failureFor(
  outcome: Outcome,
  session: Session,
  wait: Settings['wait'],
  details: { pollFailure?: string; terminated?: boolean } = {}
): string | undefined {
  if (outcome === 'timeout') {
    if (wait.onTimeout === 'leave' || !wait.failOn.includes('timeout')) return undefined
    const fate = details.terminated
      ? 'the action ended it (on-timeout: terminate)'
      : wait.onTimeout === 'terminate'
        ? 'it may still be running'
        : 'it keeps running (on-timeout: fail)'
    const polling = details.pollFailure !== undefined ? ` ${details.pollFailure}` : ''
    return `Devin's session ${session.id} did not ${WAIT_GOALS[wait.mode]} within ${formatDuration(wait.timeoutMs)}; ${fate}: ${session.url}.${polling}`
  }
  if (!(wait.failOn as readonly string[]).includes(outcome)) return undefined
  switch (outcome) {
    case 'blocked':
      return `Devin is waiting for ${session.statusDetail === 'waiting_for_approval' ? 'approval of an action' : 'your input'} in session ${session.id}: ${session.url}. Answer it there, or leave "blocked" out of fail-on.`
    case 'error':
      return `Devin's session ${session.id} stopped with an error: ${session.url}`
    case 'suspended':
      return `Devin's session ${session.id} was suspended (${describeSuspension(session.statusDetail)}): ${session.url}`
    case 'exited':
      return `Devin's session ${session.id} ended (status "${session.status}") before the wait was over: ${session.url}`
    default:
      return undefined
  }
}

// ---- devin review ----
/**
 * Whether the outcome of a wait on a Devin Review fails the step, and if so the message: fail-on applies to the
 * mapped outcome (errored → error, cancelled and skipped → exited, timeout). A review cannot be ended, so
 * on-timeout terminate reads as fail (jobs/review.ts warns about it); leave never fails.
 */
export function reviewFailureFor(
  outcome: Outcome,
  review: { prUrl: string; status: string; commitSha?: string },
  wait: Settings['wait'],
  details: { pollFailure?: string } = {}
): string | undefined {
  const what = `Devin Review of ${review.commitSha ?? 'the head commit'} (${review.prUrl})`
  if (outcome === 'timeout') {
    if (wait.onTimeout === 'leave' || !wait.failOn.includes('timeout')) return undefined
    const polling = details.pollFailure !== undefined ? ` ${details.pollFailure}` : ''
    return `${what} was not done within ${formatDuration(wait.timeoutMs)}; it was last "${review.status}" and goes on without the step.${polling}`
  }
  if (!(wait.failOn as readonly string[]).includes(outcome)) return undefined
  if (outcome === 'error') return `${what} errored (status "${review.status}").`
  if (outcome === 'exited') return `${what} ended without a review (status "${review.status}"). Leave "exited" out of fail-on to let it pass.`
  return undefined
}
// ---- end of devin review ----
