import { State, type OutputName } from './action/constants.js'
import { type MainDeps, defaultDeps } from './action/edges.js'
import { devinReviewWanted, endOnCloseWanted, reconcileWanted, secretValues } from './action/inputs.js'
import { UnconfirmedSessionError } from './devin/open.js'
import { readTrigger, visibleTrigger } from './event/trigger.js'
import { closeJob, closesThread } from './jobs/close.js'
import type { JobContext } from './jobs/job.js'
import { openJob } from './jobs/open.js'
import { reconcileJob } from './jobs/reconcile.js'
import { reviewJob } from './jobs/review.js'
import { reportOutputs } from './report/outputs.js'
import { createRedactor, redactReport } from './report/redact.js'
import type { Report } from './report/report.js'
import { summaryMarkdown } from './report/summary.js'

export type { MainDeps } from './action/edges.js'

/**
 * The main step: masks the secrets, runs the job, and is the one place that fails the step. Jobs throw
 * errors whose text says what to fix; this turns them into the failure message, the outputs, the comment
 * and the job summary, a session that was opened included.
 */
export async function run(deps: MainDeps = defaultDeps()): Promise<void> {
  const { runner } = deps
  // The post step runs from the same bundle; this state tells it apart.
  runner.saveState(State.IsPost, 'true')

  // Mask first, before anything could print a secret, even when the inputs turn out to be invalid.
  const secrets = secretValues((name) => runner.getInput(name))
  for (const secret of secrets) runner.setSecret(secret)
  const redactor = createRedactor(secrets)
  const redact = redactor.text

  const report: Report = {}
  const written = new Map<string, string>()
  const ctx: JobContext = {
    deps,
    secrets,
    redactor,
    report,
    publish: () => {
      for (const [name, value] of Object.entries(reportOutputs(redactReport(report, redactor)))) {
        if (written.get(name) === value) continue
        written.set(name, value)
        runner.setOutput(name as OutputName, value)
      }
      ctx.comment?.refresh()
      ctx.checkRun?.refresh()
    }
  }

  try {
    const eventPath = deps.env.GITHUB_EVENT_PATH
    const trigger = await visibleTrigger(readTrigger(deps.env, eventPath ? deps.readFile(eventPath) : undefined))
    // The job is picked here from the trigger and the inputs. reconcile, devin-review and end-on-close are read
    // alone, before the other inputs: the job each picks checks them its own way. reconcile comes first: a
    // reconcile step opens nothing, whatever the event. A review step has no sessions to end when its pull request
    // is closed: the review job says so.
    const getInput = (name: Parameters<typeof runner.getInput>[0]) => runner.getInput(name)
    if (reconcileWanted(getInput)) await reconcileJob(ctx, trigger)
    else if (devinReviewWanted(getInput)) await reviewJob(ctx, trigger)
    else if (closesThread(trigger) && endOnCloseWanted(getInput)) await closeJob(ctx, trigger)
    else await openJob(ctx, trigger)
  } catch (error) {
    if (error instanceof UnconfirmedSessionError) report.unconfirmedTag = error.tag
    report.failure = redact(error instanceof Error ? error.message : String(error))
    // Outputs of a session that was opened are already set; the failure does not take them back.
    runner.setFailed(report.failure)
    ctx.comment?.refresh()
  } finally {
    // The check run's last word is the report as the job summary below shows it, the failure included.
    await Promise.all([ctx.comment?.settled(), ctx.checkRun?.finish()])
    try {
      await runner.appendSummary(summaryMarkdown(redactReport(report, redactor)))
    } catch (error) {
      runner.warning(`Could not write the job summary: ${redact(error instanceof Error ? error.message : String(error))}`)
    }
  }
}
