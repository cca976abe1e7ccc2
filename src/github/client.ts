import { download } from './download.js'

/** A comment on an issue or pull request, as the living comment needs it. */
export interface ThreadComment {
  id: number
  body: string
  /** The author's account type: "Bot" for github-actions[bot] and other apps. */
  authorType: string
  authorLogin: string
  url: string
}

/** A check run as the action keeps it: the one that stands for a session on a commit. */
export interface CheckRun {
  id: number
  name: string
  headSha: string
  status: 'queued' | 'in_progress' | 'completed' | string
  conclusion: string | null
  /** The session id the action put there. */
  externalId: string | null
  detailsUrl: string | null
  title: string | null
  summary: string | null
}

/** What a check run is created or updated with; fields left undefined are not sent. */
export interface CheckRunWrite {
  status: 'in_progress' | 'completed'
  /** With status completed: success, failure, neutral, cancelled, skipped, timed_out, action_required. */
  conclusion?: string
  detailsUrl?: string
  externalId?: string
  title: string
  /** At most 65,535 characters (GitHub's limit); the caller cuts it. */
  summary: string
}

/** A job of a workflow run attempt that failed, as the action fetches its log. */
export interface FailedJobRef {
  id: number
  /** The job's name from the workflow file (a matrix job's name includes its values). */
  name: string
  /** `failure` or `timed_out`; `cancelled` only when no job of the attempt failed otherwise (see failedJobs). */
  conclusion: string
  /** The names of its steps that failed or timed out, in order. */
  failedSteps: string[]
}

/**
 * The GitHub calls the action makes. The pipeline receives it as a parameter; the real one loads
 * the GitHub client only on first use, so runs that never talk to GitHub do not pay for it.
 */
export interface GitHub {
  /** The user's permission ("read" … "admin"), or undefined when GitHub does not know them as a collaborator. */
  permission(user: string): Promise<string | undefined>
  /** The thread's comments, oldest first (bounded). */
  listComments(issueNumber: number): Promise<ThreadComment[]>
  createComment(issueNumber: number, body: string): Promise<ThreadComment>
  updateComment(commentId: number, body: string): Promise<void>
  /** The login the token acts as, when GitHub tells (a personal token); undefined for an app's token. */
  viewer(): Promise<string | undefined>
  /** Adds a reaction to the comment that triggered the run. */
  react(commentId: number, kind: 'issue_comment' | 'review_comment', content: 'eyes' | 'rocket'): Promise<void>
  /** The pull request's head commit SHA, as GitHub has it now. */
  pullHead(pullNumber: number): Promise<string>
  /** Creates a check run on a commit (needs `checks: write`). */
  createCheckRun(headSha: string, name: string, write: CheckRunWrite): Promise<CheckRun>
  /** Updates a check run. */
  updateCheckRun(checkRunId: number, write: CheckRunWrite): Promise<void>
  /** The check runs of a commit with this name, newest first (bounded). */
  listCheckRuns(ref: string, name: string): Promise<CheckRun[]>
  /** The failed jobs of a workflow run attempt (needs `actions: read`; bounded). */
  failedJobs(runId: number, attempt: number): Promise<FailedJobRef[]>
  /**
   * A job's log as a stream of bytes, never held whole (a log can be hundreds of megabytes). Needs
   * `actions: read`; a refusal or an expired log is an error saying which.
   */
  jobLog(jobId: number): Promise<AsyncIterable<Uint8Array>>
}

/** Pages of check runs read at most when looking for a session's check run on a commit. */
const MAX_CHECK_RUN_PAGES = 5

/** Pages of 100 jobs read at most for a run attempt: a matrix has at most 256 jobs per workflow run. */
const MAX_JOB_PAGES = 5

/** Job and step conclusions that count as the job failing. */
const FAILED = new Set(['failure', 'timed_out'])

/** Pages of comments read at most when looking for the living comment. */
const MAX_COMMENT_PAGES = 10
const ROLES = new Set(['read', 'triage', 'write', 'maintain', 'admin'])

type Octokit = ReturnType<typeof import('@actions/github').getOctokit>

/** Error status of a failed GitHub request, when it has one. */
export function githubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

/** A GitHub client for `owner/repo` through @actions/github, created on the first call. */
export function createGitHub(token: string, apiUrl: string, repository: string): GitHub {
  const [owner = '', repo = ''] = repository.split('/')
  let octokit: Promise<Octokit> | undefined
  const client = (): Promise<Octokit> => {
    if (token === '') return Promise.reject(new Error("github-token is empty; pass a token (the default is the job's GITHUB_TOKEN)"))
    octokit ??= import('@actions/github').then(({ getOctokit }) => getOctokit(token, { baseUrl: apiUrl }))
    return octokit
  }
  const toComment = (comment: { id: number; body?: string | null; user?: { type?: string; login?: string } | null; html_url: string }): ThreadComment => ({
    id: comment.id,
    body: comment.body ?? '',
    authorType: comment.user?.type ?? '',
    authorLogin: comment.user?.login ?? '',
    url: comment.html_url
  })

  return {
    async permission(user) {
      const octokit = await client()
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user })
        // role_name tells triage and maintain apart; custom roles fall back to the base permission.
        const role = (data as { role_name?: string }).role_name
        return role !== undefined && ROLES.has(role) ? role : data.permission
      } catch (error) {
        const status = githubStatus(error)
        if (status === 404 && answered(error)) return undefined
        // Only GitHub's own refusal is about the token. A request that got no answer, or a GitHub
        // failure, says nothing about anyone's permission, and the run stops (fail closed) saying so.
        const unverified = `Nothing was sent to Devin: the action runs only for users whose permission it could verify. Re-run the job`
        if (!answered(error)) {
          throw new Error(
            `Could not reach GitHub at ${apiUrl} to check ${user}'s permission on ${repository} (${networkCause(error)}). ${unverified} once GitHub is reachable.`,
            {
              cause: error
            }
          )
        }
        if (status !== undefined && status >= 500) {
          throw new Error(`GitHub failed when asked for ${user}'s permission on ${repository} (${describe(error)}). ${unverified} later.`, { cause: error })
        }
        throw new Error(
          `Could not check ${user}'s permission on ${repository} (${describe(error)}). The github-token needs read access to the repository's collaborators; the default GITHUB_TOKEN has it.`,
          {
            cause: error
          }
        )
      }
    },

    async listComments(issueNumber) {
      const comments: ThreadComment[] = []
      const pages = (await client()).paginate.iterator((await client()).rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
      let page = 0
      for await (const response of pages) {
        comments.push(...response.data.map(toComment))
        if (++page >= MAX_COMMENT_PAGES) break
      }
      return comments
    },

    async createComment(issueNumber, body) {
      const { data } = await (await client()).rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
      return toComment(data)
    },

    async updateComment(commentId, body) {
      await (await client()).rest.issues.updateComment({ owner, repo, comment_id: commentId, body })
    },

    async viewer() {
      try {
        return (await (await client()).rest.users.getAuthenticated()).data.login
      } catch {
        // An installation token (GITHUB_TOKEN) cannot ask who it is.
        return undefined
      }
    },

    async pullHead(pullNumber) {
      return (await (await client()).rest.pulls.get({ owner, repo, pull_number: pullNumber })).data.head.sha
    },

    async createCheckRun(headSha, name, write) {
      const { data } = await (await client()).rest.checks.create({ owner, repo, head_sha: headSha, name, ...checkRunFields(write) })
      return toCheckRun(data)
    },

    async updateCheckRun(checkRunId, write) {
      await (await client()).rest.checks.update({ owner, repo, check_run_id: checkRunId, ...checkRunFields(write) })
    },

    async listCheckRuns(ref, name) {
      const runs: CheckRun[] = []
      const octokit = await client()
      const pages = octokit.paginate.iterator(octokit.rest.checks.listForRef, { owner, repo, ref, check_name: name, filter: 'all', per_page: 100 })
      let page = 0
      for await (const response of pages) {
        runs.push(...(response.data as unknown as GitHubCheckRun[]).map(toCheckRun))
        if (++page >= MAX_CHECK_RUN_PAGES) break
      }
      return runs
    },

    async failedJobs(runId, attempt) {
      const octokit = await client()
      const jobs: GitHubJob[] = []
      try {
        const pages = octokit.paginate.iterator(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
          owner,
          repo,
          run_id: runId,
          attempt_number: attempt,
          per_page: 100
        })
        let page = 0
        for await (const response of pages) {
          jobs.push(...(response.data as unknown as GitHubJob[]))
          if (++page >= MAX_JOB_PAGES) break
        }
      } catch (error) {
        throw new Error(
          `Could not list the jobs of workflow run ${runId} (attempt ${attempt}) of ${repository} (${describe(error)}).${needsActionsRead(error)}`,
          { cause: error }
        )
      }
      // Failed and timed-out jobs. A cancelled job is left out: in a failed run it is most often a sibling
      // that fail-fast or a concurrency group stopped, whose log shows nothing but the cancellation. Only when
      // no job failed otherwise are the cancelled ones the failure (a job stopped at its timeout-minutes).
      const failed = jobs.filter((job) => FAILED.has(job.conclusion ?? ''))
      const chosen = failed.length > 0 ? failed : jobs.filter((job) => job.conclusion === 'cancelled')
      return chosen.map((job) => ({
        id: job.id,
        name: job.name,
        conclusion: job.conclusion ?? '',
        failedSteps: (job.steps ?? [])
          .filter((step) => FAILED.has(step.conclusion ?? ''))
          .sort((a, b) => a.number - b.number)
          .map((step) => step.name)
      }))
    },

    async jobLog(jobId) {
      const octokit = await client()
      const what = `the log of job ${jobId} of ${repository}`
      let response: { status: number; headers: Record<string, string | number | undefined>; data: unknown }
      try {
        // The endpoint answers 302 to a signed URL on another host. The redirect is followed by hand so the
        // token, which Octokit adds to every request it makes, is never sent there; and the body is taken as
        // a stream (parseSuccessResponseBody: false), never read whole.
        response = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
          owner,
          repo,
          job_id: jobId,
          request: { redirect: 'manual', parseSuccessResponseBody: false }
        })
      } catch (error) {
        const status = githubStatus(error)
        if (status === 410) {
          throw new Error(`Could not read ${what}: it is gone (HTTP 410); logs expire after the repository's retention period or were deleted.`, {
            cause: error
          })
        }
        throw new Error(`Could not read ${what} (${describe(error)}).${needsActionsRead(error)}`, { cause: error })
      }
      const body = response.data as ReadableStream<Uint8Array> | null | undefined
      if (response.status >= 200 && response.status < 300) {
        // Served directly (a proxy or GitHub Enterprise that follows the redirect itself).
        return body ?? emptyStream()
      }
      await body?.cancel().catch(() => undefined)
      const location = response.headers.location
      if (typeof location !== 'string' || location === '') {
        throw new Error(`Could not read ${what}: GitHub answered HTTP ${response.status} without the log's location.`)
      }
      const target = new URL(location, apiUrl)
      let blob: Awaited<ReturnType<typeof download>>
      try {
        // A plain request with no Authorization header: the URL's signature is the credential.
        blob = await download(target)
      } catch (error) {
        throw new Error(`Could not download ${what} from ${target.host} (${networkCause(error)}).`, { cause: error })
      }
      if (blob.status < 200 || blob.status >= 300) {
        blob.body.destroy()
        throw new Error(
          `Could not download ${what} from ${target.host} (HTTP ${blob.status}): the signed link GitHub gave is valid for a short time only; re-run the job to try again.`
        )
      }
      return blob.body
    },

    async react(commentId, kind, content) {
      const rest = (await client()).rest.reactions
      if (kind === 'review_comment') await rest.createForPullRequestReviewComment({ owner, repo, comment_id: commentId, content })
      else await rest.createForIssueComment({ owner, repo, comment_id: commentId, content })
    }
  }
}

interface GitHubJob {
  id: number
  name: string
  conclusion: string | null
  steps?: { name: string; conclusion: string | null; number: number }[]
}

/** What to fix when GitHub refused to show a run's jobs or logs: the token's `actions: read`. */
function needsActionsRead(error: unknown): string {
  const status = githubStatus(error)
  if (status !== 403 && status !== 404) return ''
  return " The github-token needs `actions: read` (add `permissions: actions: read` to the workflow or job); a token for another repository cannot read this one's runs."
}

async function* emptyStream(): AsyncIterable<Uint8Array> {}

interface GitHubCheckRun {
  id: number
  name: string
  head_sha: string
  status: string
  conclusion: string | null
  external_id: string | null
  details_url: string | null
  output?: { title?: string | null; summary?: string | null }
}

function toCheckRun(data: unknown): CheckRun {
  const run = data as GitHubCheckRun
  return {
    id: run.id,
    name: run.name,
    headSha: run.head_sha,
    status: run.status,
    conclusion: run.conclusion ?? null,
    externalId: run.external_id ?? null,
    detailsUrl: run.details_url ?? null,
    title: run.output?.title ?? null,
    summary: run.output?.summary ?? null
  }
}

/** A CheckRunWrite in GitHub's field names; undefined fields are left out, so an update keeps what it does not name. */
function checkRunFields(write: CheckRunWrite) {
  return {
    status: write.status,
    ...(write.conclusion !== undefined ? { conclusion: write.conclusion as 'success' } : {}),
    ...(write.detailsUrl !== undefined ? { details_url: write.detailsUrl } : {}),
    ...(write.externalId !== undefined ? { external_id: write.externalId } : {}),
    output: { title: write.title, summary: write.summary }
  }
}

/** Whether GitHub answered the request: Octokit also reports a request that got no answer with status 500, but without a response. */
function answered(error: unknown): boolean {
  return (error as { response?: unknown }).response !== undefined
}

/** What went wrong on the way to GitHub: the system error code (ECONNRESET, ENOTFOUND, …) and message, or a timeout. */
function networkCause(error: unknown): string {
  let code: string | undefined
  let name: string | undefined
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const value = (current as { code?: unknown }).code
    if (code === undefined && typeof value === 'string') code = value
    const errorName = (current as { name?: unknown }).name
    if (errorName === 'AbortError' || errorName === 'TimeoutError') name = errorName
    current = (current as { cause?: unknown }).cause
  }
  if (name !== undefined) return 'the request timed out'
  const message = error instanceof Error ? error.message : String(error)
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message
}

function describe(error: unknown): string {
  const status = githubStatus(error)
  const message = error instanceof Error ? error.message : String(error)
  return status !== undefined ? `HTTP ${status}: ${message}` : message
}
