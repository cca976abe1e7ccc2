/**
 * What the fake GitHub holds, in plain objects the tests read and change directly: who may do what, the
 * comments on each thread, the reactions, and every request it received. The routes (routes.ts) read and
 * write it; nothing else does.
 */

export interface FakeComment {
  id: number
  body: string
  user: { login: string; type: string }
  html_url: string
  created_at: string
  updated_at: string
}

/** A check run as GitHub stores it (the fields the action writes and reads). */
export interface FakeCheckRun {
  id: number
  name: string
  head_sha: string
  status: string
  conclusion: string | null
  external_id: string | null
  details_url: string | null
  output: { title: string | null; summary: string | null }
  started_at: string
  completed_at: string | null
}

/** A step of a workflow job. */
export interface FakeJobStep {
  name: string
  status: string
  conclusion: string | null
  number: number
}

/** A job of a workflow run attempt, in GitHub's shape (`GET …/actions/runs/{id}/attempts/{n}/jobs`). */
export interface FakeWorkflowJob {
  id: number
  run_id: number
  run_attempt: number
  name: string
  status: string
  conclusion: string | null
  steps: FakeJobStep[]
}

/**
 * A job's log: its text; chunks produced on demand (a log of any size streamed without being held); or gone,
 * which GitHub answers with 410 once the retention period is over.
 */
export type FakeJobLog = { text: string } | { chunks: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array> } | { gone: true }

export interface FakeReaction {
  commentId: number
  content: string
}

/** One request as it arrived, and what the fake answered. */
export interface GitHubRequest {
  method: string
  /** The path without the query string. */
  path: string
  /** The Authorization header as sent (`token …`): tests check which token the action used. Never print it. */
  authorization?: string
  /** The parsed JSON body; undefined when empty. */
  body?: unknown
  /** The status answered. */
  status?: number
}

export interface GitHubState {
  /** Only this `owner/repo` exists when set; requests for another repository are 404, as for a job's GITHUB_TOKEN. */
  repository: string | undefined
  /** Repository permissions by login; a login not listed is not a collaborator (404). */
  permissions: Record<string, string>
  /** Comments by issue or pull request number, oldest first. */
  comments: Map<number, FakeComment[]>
  reactions: FakeReaction[]
  /** Pull requests by number: their head commit (a pull request not listed is 404). */
  pulls: Map<number, { headSha: string; headRef?: string }>
  /** Check runs, oldest first. */
  checkRuns: FakeCheckRun[]
  /** Answer check-run writes with 403, as GitHub does for a token without `checks: write` (a fork's pull request). */
  refuseChecks: boolean
  /** Jobs of workflow runs, all attempts, in the order GitHub lists them. */
  workflowJobs: FakeWorkflowJob[]
  /** Logs by job id; a job without one answers 404. */
  jobLogs: Map<number, FakeJobLog>
  /** Answer the jobs and logs endpoints with 403, as GitHub does for a token without `actions: read`. */
  refuseActions: boolean
  /** The signature of each job log's download link handed out, by job id: the blob route checks it. */
  blobSignatures: Map<number, string>
  /** Every request, oldest first. */
  requests: GitHubRequest[]
  /** The login comments are posted as: github-actions[bot], as with the job's GITHUB_TOKEN. */
  actor: { login: string; type: string }
  /** The clock of created_at / updated_at. */
  now: () => Date
  nextId: number
}

export function newState(options: { repository?: string; permissions?: Record<string, string>; now?: () => Date } = {}): GitHubState {
  return {
    repository: options.repository,
    permissions: options.permissions ?? {},
    comments: new Map(),
    reactions: [],
    pulls: new Map(),
    checkRuns: [],
    refuseChecks: false,
    workflowJobs: [],
    jobLogs: new Map(),
    refuseActions: false,
    blobSignatures: new Map(),
    requests: [],
    actor: { login: 'github-actions[bot]', type: 'Bot' },
    now: options.now ?? (() => new Date()),
    nextId: 1000
  }
}
