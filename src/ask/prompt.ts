import { COMMENT_EVENTS, FIXABLE_CONCLUSIONS, PULL_REQUEST_EVENTS } from '../event/gate.js'
import { quoteUserText } from './sanitize.js'
import type { Trigger } from '../event/trigger.js'

/** Issue actions that have a default prompt. */
const ISSUE_ACTIONS: ReadonlySet<string> = new Set(['opened', 'edited', 'labeled', 'assigned'])

/** A failed job of the run being fixed, and its failed steps (names from the workflow file). */
export interface FailedJob {
  name: string
  failedSteps: string[]
}

/**
 * The event's default prompt, used when `prompt` and `prompt-file` are empty; undefined for events
 * without one (schedule, workflow_dispatch, push, …). Everything users wrote is quoted as data.
 */
export function defaultPrompt(trigger: Trigger, instruction: string | undefined, failedJobs?: readonly FailedJob[]): string | undefined {
  const { pullRequest: pr, issue, repo } = trigger
  const run = trigger.workflowRun
  if (trigger.event === 'workflow_run' && run !== undefined && FIXABLE_CONCLUSIONS.has(run.conclusion ?? '')) {
    return fixCiPrompt(trigger, failedJobs)
  }
  if (COMMENT_EVENTS.has(trigger.event) && trigger.comment !== undefined) {
    const thread = pr ?? issue
    if (thread === undefined) return undefined
    const kind = pr !== undefined ? 'pull request' : 'issue'
    return [
      `${trigger.comment.author || trigger.actor} asked for your help on ${kind} #${thread.number} of ${repo}: ${thread.url}`,
      '',
      quoteUserText(`The ${kind}'s title`, thread.title),
      '',
      quoteUserText(`What ${trigger.comment.author || trigger.actor} asked`, instruction ?? trigger.comment.body),
      '',
      `Do what they ask where it is reasonable for this repository, and reply on the ${kind} with what you did.`
    ].join('\n')
  }
  if (PULL_REQUEST_EVENTS.has(trigger.event) && pr !== undefined) {
    const head = pr.headSha !== undefined ? `Head commit: ${pr.headSha}.` : ''
    const base = pr.baseRef !== undefined ? ` Base branch: ${pr.baseRef}.` : ''
    // Whoever opens the pull request names its branch: the name is their text, quoted like the title.
    const branch = pr.headRef !== undefined ? ['', quoteUserText("The pull request's head branch name", pr.headRef)] : []
    return [
      `Review pull request #${pr.number} of ${repo}: ${pr.url}`,
      `${head}${base}`.trim(),
      '',
      quoteUserText("The pull request's title", pr.title),
      ...branch,
      '',
      'Review the changes for correctness, security and maintainability, and post your review on the pull request.'
    ]
      .filter((line, index) => index !== 1 || line !== '')
      .join('\n')
  }
  if (trigger.event === 'issues' && issue !== undefined && ISSUE_ACTIONS.has(trigger.action ?? '')) {
    return [
      `Work on issue #${issue.number} of ${repo}: ${issue.url}`,
      '',
      quoteUserText("The issue's title", issue.title),
      '',
      quoteUserText("The issue's body", issue.body),
      '',
      'Resolve the issue and open a pull request that references it; if it cannot be done, explain why on the issue.'
    ].join('\n')
  }
  return undefined
}

/**
 * Fix a failed workflow run: where it ran and what failed. The workflow's, jobs' and steps' names come from a
 * workflow file and the branch name from whoever pushed it: quoted as data. The logs, when attached, are named.
 */
function fixCiPrompt(trigger: Trigger, failedJobs: readonly FailedJob[] | undefined): string {
  const run = trigger.workflowRun as NonNullable<Trigger['workflowRun']>
  const pr = run.pullRequests[0]
  const where = [
    `Run: ${run.url}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}, ${run.conclusion === 'timed_out' ? 'timed out' : 'failed'}.`,
    ...(run.headSha !== undefined ? [`Head commit: ${run.headSha}.`] : []),
    ...(pr !== undefined ? [`Pull request: #${pr} (${trigger.serverUrl}/${trigger.repo}/pull/${pr}); push the fix to its branch.`] : [])
  ]
  const jobs =
    failedJobs === undefined || failedJobs.length === 0
      ? []
      : [
          '',
          quoteUserText(
            'The failed jobs and their failed steps',
            failedJobs.map((job) => `- ${job.name}${job.failedSteps.length > 0 ? `: ${job.failedSteps.join('; ')}` : ''}`).join('\n')
          )
        ]
  return [
    `Fix the failed GitHub Actions workflow run of ${trigger.repo}.`,
    ...where,
    '',
    quoteUserText("The workflow's name", run.name),
    ...(run.headBranch !== undefined ? ['', quoteUserText('The branch it ran on', run.headBranch)] : []),
    ...jobs,
    '',
    `Find the cause of the failure (the failed jobs' logs are attached when the workflow allows it), fix it${pr === undefined ? ' on a new branch, and open a pull request' : ''}, and make sure the workflow passes. If the failure is not in this repository's code (an outage, a flaky external service), say so instead of changing code.`
  ].join('\n')
}
