import { CLEANUP_DEADLINE_MS, State } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import type { Settings } from '../action/inputs.js'
import type { InFlightState } from '../action/state.js'
import { structuredOutputProblems } from '../action/structured-schema.js'
import type { DevinApi } from '../devin/api.js'
import { endSession } from '../devin/end.js'
import type { Session } from '../devin/session.js'
import { type WaitResult, type WaitUntil, waitForSession } from '../devin/wait.js'
import type { Trigger } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { WAIT_GOALS, failureFor } from '../policy/verdict.js'
import { afterWait } from './after-wait.js'
import type { JobContext } from './job.js'

/**
 * Waits on the session as the wait inputs say, keeps the outputs current while it does, reads what the run
 * learns at the end (Devin's latest message and question, the pull request's head: afterWait), ends the
 * session on a timeout when asked to, and returns the failure message when the outcome fails the step.
 * `trigger` is the one the run asked about (its pull request's head known where it could be read).
 */
export async function waitAndJudge(
  ctx: JobContext,
  api: DevinApi,
  session: Session,
  settings: Settings,
  trigger: Trigger,
  github: GitHub
): Promise<string | undefined> {
  const { deps, report, publish } = ctx
  const { runner } = deps
  const redact = ctx.redactor.text
  const { wait } = settings
  // Saved before the wait, so a cancelled job's post step knows which session to end.
  const waiting: InFlightState = {
    sessionId: session.id,
    orgId: api.orgId,
    apiVersion: api.version,
    apiUrl: settings.apiUrl,
    terminateOnCancel: wait.terminateOnCancel
  }
  runner.saveState(State.Waiting, JSON.stringify(waiting))
  runner.info(`Waiting up to ${formatDuration(wait.timeoutMs)} for the session to ${WAIT_GOALS[wait.mode]}.`)
  let result: WaitResult
  try {
    result = await waitForSession(
      api,
      session,
      { until: wait.mode as WaitUntil, timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs },
      {
        clock: deps.clock,
        info: (message) => runner.info(redact(message)),
        warning: (message) => runner.warning(redact(message)),
        onPoll: (polled) => {
          report.session = polled
          publish()
        }
      }
    )
  } finally {
    runner.saveState(State.WaitDone, 'true')
  }
  report.session = result.session
  report.outcome = result.outcome
  report.waitedMs = result.waitedMs
  publish()
  await afterWait(ctx, api, result.session, result.outcome, settings, trigger, github)

  const schema = settings.request.structuredOutputSchema
  const output = result.session.structuredOutput
  if (schema !== undefined && output !== undefined && output !== null) {
    const problems = await structuredOutputProblems(schema, output)
    if (problems.length > 0) {
      runner.warning(`The structured output does not match structured-output-schema (it is still set as the output): ${problems.join('; ')}`)
    }
  }

  let endFailure: string | undefined
  if (result.outcome === 'timeout' && wait.onTimeout === 'terminate') {
    try {
      // The ended session's status is the last one, and the outputs say so.
      const ended = await endSession(api, result.session.id, deps.clock.now() + CLEANUP_DEADLINE_MS)
      if (ended.session !== undefined) report.session = ended.session
      report.terminated = true
      if (ended.failedButEnded !== undefined) {
        runner.info(redact(`Devin answered the request to end the session with a failure (${ended.failedButEnded}), but reading it again shows it has ended.`))
      }
      runner.info(`Ended session ${result.session.id} because the wait timed out (on-timeout: terminate).`)
    } catch (error) {
      endFailure = `ending the session failed too: ${error instanceof Error ? error.message : String(error)}`
    }
    publish()
  }

  const failure = failureFor(result.outcome, report.session ?? result.session, wait, { pollFailure: result.pollFailure, terminated: report.terminated })
  if (result.outcome === 'timeout' && failure === undefined) {
    const why = wait.onTimeout === 'leave' ? 'on-timeout: leave' : '"timeout" is not in fail-on'
    runner.warning(
      `The wait timed out after ${formatDuration(wait.timeoutMs)}; the step succeeds because ${why}. The session ${report.terminated ? 'was ended' : 'keeps running'}: ${result.session.url}${result.pollFailure !== undefined ? ` ${result.pollFailure}` : ''}`
    )
  }
  if (endFailure !== undefined) return `${(failure ?? `Devin's session ${result.session.id} timed out`).replace(/\.$/, '')}; ${endFailure}`
  return failure
}
