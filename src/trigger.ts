/** What started the workflow run, as far as the action needs it. */
export interface Trigger {
  /** `owner/repo`. */
  repo: string
  event: string
  actor: string
  sha: string
  ref: string
  runUrl: string
  runId: string
  runAttempt: string
  job: string
  /** The step's id within the job (GITHUB_ACTION). */
  step: string
  workspace: string
}

/**
 * Reads the trigger from the runner's environment. This module is the only reader of the run's
 * context; event payload fields (pull request, issue, comment) join it when event triggers arrive.
 */
export function readTrigger(env: NodeJS.ProcessEnv): Trigger {
  const repo = env.GITHUB_REPOSITORY ?? ''
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '')
  const runId = env.GITHUB_RUN_ID ?? ''
  const runAttempt = env.GITHUB_RUN_ATTEMPT ?? '1'
  return {
    repo,
    event: env.GITHUB_EVENT_NAME ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runUrl: repo && runId ? `${serverUrl}/${repo}/actions/runs/${runId}${runAttempt !== '1' ? `/attempts/${runAttempt}` : ''}` : '',
    runId,
    runAttempt,
    job: env.GITHUB_JOB ?? '',
    step: env.GITHUB_ACTION ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd()
  }
}
