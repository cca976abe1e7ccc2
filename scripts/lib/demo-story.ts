/**
 * The story `npm run demo` tells, as a function a test can run: a pull request is opened on one repository,
 * the action's gate asks GitHub for its author's permission, Devin reviews it (the emulator plays a scripted
 * session), the comment on the pull request is created once, then edited as the session moves, and a check run
 * on the pull request's head commit stands for the session: in progress while Devin works, then its conclusion.
 * Everything is on 127.0.0.1: the Devin API emulator, the fake GitHub API, and the committed bundle run as
 * GitHub's runner runs it, with the event's repository as its GITHUB_* context and as the session's repos.
 */
import { startFakeGitHub } from '../../emulator/github/server.ts'
import type { FakeCheckRun, FakeComment, GitHubRequest } from '../../emulator/github/server.ts'
import { getScenario } from '../../emulator/lifecycle.ts'
import type { RecordedRequest } from '../../emulator/request-log.ts'
import { startEmulator } from '../../emulator/server.ts'
import type { Store } from '../../emulator/store.ts'
import { type StepResult, examplePayload, payloadContext, runBundledAction } from './action-runner.ts'

/** Works, opens a pull request, finishes: three polls, about 15 s at the 5 s poll interval. */
export const DEMO_SCENARIO = 'finished'
const ORG = 'org-demo'
const API_KEY = 'cog_demo_key_not_a_real_secret'
const JOB_TOKEN = 'ghs_demoJobTokenNotARealSecret00000000'
/** Long enough for every scripted lifecycle that stops (three polls); one that never stops shows the timeout. */
const WAIT_TIMEOUT = '20s'

export interface DemoEvent {
  /** Milliseconds since the story began. */
  atMs: number
  service: 'GitHub' | 'Devin'
  method: string
  path: string
  status: number | undefined
  /** What the request means in the story ("the gate checks Codertocat's permission: write"). */
  note: string
}

export interface DemoStory {
  /** `owner/repo` of the event, the run's context and the session. */
  repository: string
  pullRequest: { number: number; author: string; url: string }
  scenario: string
  main: StepResult
  /** The prompt Devin received. */
  prompt: string | undefined
  /** The `repos` the session was created with. */
  sessionRepos: string[]
  /** The pull request's comments as GitHub holds them at the end, oldest first. */
  comments: FakeComment[]
  /** How often the action created and edited a comment on the pull request. */
  commentWrites: { created: number; edited: number }
  /** The check runs GitHub holds at the end, oldest first: the one that stands for the session (check-run: true). */
  checkRuns: FakeCheckRun[]
  /** Requests GitHub received, without their Authorization header. */
  githubRequests: Omit<GitHubRequest, 'authorization'>[]
  devinRequests: RecordedRequest[]
  events: DemoEvent[]
}

export interface DemoOptions {
  /** The emulated session's lifecycle (emulator/lifecycle.ts); default `finished`. Unknown names throw, listing the valid ones. */
  scenario?: string
  /** Called as each request reaches GitHub or Devin, to tell the story while it happens. */
  onEvent?: (event: DemoEvent) => void
  /**
   * Earlier sessions on this pull request already used more ACUs than `budget-per-pr` (set to
   * OVER_BUDGET.budget): the run is skipped with the figures, nothing is created, and the comment says why.
   */
  overBudget?: boolean
}

/** The `--over-budget` story: two earlier reviews of the pull request used 12.5 of its 10 ACUs. */
export const OVER_BUDGET = { budget: '10', used: [7.25, 5.25] } as const

const PERMISSION_PATH = /\/collaborators\/([^/]+)\/permission$/
const THREAD_COMMENTS = /\/issues\/(\d+)\/comments$/
const COMMENT = /\/issues\/comments\/\d+$/
const PULL = /\/pulls\/(\d+)$/
const CHECK_RUNS_OF_COMMIT = /\/commits\/([0-9a-f]{40})\/check-runs$/
const CHECK_RUNS = /\/check-runs(?:\/\d+)?$/

export async function runDemoStory(options: DemoOptions = {}): Promise<DemoStory> {
  const scenario = getScenario(options.scenario ?? DEMO_SCENARIO).name
  const payload = examplePayload('pull_request', 'opened')
  const context = payloadContext(payload)
  const repository = context.GITHUB_REPOSITORY as string
  const pr = payload.pull_request as { number: number; html_url: string; user: { login: string }; head: { sha: string; ref: string } }
  const author = pr.user.login

  const began = Date.now()
  const events: DemoEvent[] = []
  const tell = (event: Omit<DemoEvent, 'atMs'>) => {
    const entry = { atMs: Date.now() - began, ...event }
    events.push(entry)
    options.onEvent?.(entry)
  }

  const devin = await startEmulator({
    orgId: ORG,
    scenario,
    onRequest: (request) => tell({ ...line(request), service: 'Devin', note: devinNote(request, devin.store) })
  })
  // The author may write to the repository: the gate lets the pull request through.
  const permissions = { [author]: 'write' }
  const github = await startFakeGitHub(permissions, {
    repository,
    onRequest: (request) => tell({ ...line(request), service: 'GitHub', note: githubNote(request, permissions) })
  })

  // Nobody pushes during the story: at the end of the wait the pull request's head is still the one Devin reviewed.
  github.pulls.set(pr.number, { headSha: pr.head.sha, headRef: pr.head.ref })

  if (options.overBudget === true) {
    const id = String((payload.repository as { id: number }).id)
    devin.store.seed(
      OVER_BUDGET.used.map((acus) => ({
        tags: [`gh-repo:${id}`, `gh-thread:${id}#${pr.number}`, `gh-user:${id}/${author.toLowerCase()}`],
        acus_consumed: acus,
        status: 'exit',
        status_detail: null
      }))
    )
  }

  try {
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload,
      githubToken: JOB_TOKEN,
      env: { ...context, GITHUB_API_URL: github.url, GITHUB_WORKFLOW: 'Devin review' },
      inputs: {
        'api-key': API_KEY,
        'api-url': devin.url,
        'org-id': ORG,
        // Empty: the action's own prompt for pull requests.
        prompt: '',
        repos: repository,
        comment: 'auto',
        tags: 'demo',
        wait: 'stopped',
        'poll-interval': '5s',
        'wait-timeout': WAIT_TIMEOUT,
        'check-run': 'true',
        ...(options.overBudget === true ? { 'budget-per-pr': OVER_BUDGET.budget } : {})
      },
      timeoutMs: 90_000
    })
    const create = devin.requests.last('POST', /\/sessions$/)?.body as { prompt?: string; repos?: string[] } | undefined
    return {
      repository,
      pullRequest: { number: pr.number, author, url: pr.html_url },
      scenario,
      main,
      prompt: create?.prompt,
      sessionRepos: create?.repos ?? [],
      comments: structuredClone(github.comments.get(pr.number) ?? []),
      commentWrites: {
        created: github.requests.filter((r) => r.method === 'POST' && THREAD_COMMENTS.test(r.path)).length,
        edited: github.requests.filter((r) => r.method === 'PATCH' && COMMENT.test(r.path)).length
      },
      checkRuns: structuredClone(github.checkRuns),
      githubRequests: github.requests.map(({ authorization: _, ...request }) => structuredClone(request)),
      devinRequests: devin.requests.all(),
      events
    }
  } finally {
    await Promise.all([devin.close(), github.close()])
  }
}

function line(request: { method: string; path: string; status?: number }) {
  return { method: request.method, path: request.path, status: request.status }
}

function devinNote(request: RecordedRequest, store: Store): string {
  if (request.method === 'POST' && /\/sessions$/.test(request.path)) return 'Devin opens a session'
  const id = /\/sessions\/(devin-[0-9a-f]+)$/.exec(request.path)?.[1]
  if (request.method === 'GET' && id !== undefined && request.status === 200) {
    // Read after the answer: the state this poll saw.
    const session = store.get(id)
    const prs = session.pull_requests.length > 0 ? `, ${session.pull_requests.length} pull request` : ''
    return `the action polls the session: ${session.status}${session.status_detail ? ` / ${session.status_detail}` : ''}${prs}`
  }
  if (request.method === 'GET' && /\/sessions$/.test(request.path)) {
    const tag = request.query.tags?.[0] ?? ''
    return tag.startsWith('gh-') ? `the action lists the sessions tagged ${tag} to count their ACUs` : 'the action looks for a session it already opened'
  }
  return ''
}

function githubNote(request: GitHubRequest, permissions: Record<string, string>): string {
  const user = PERMISSION_PATH.exec(request.path)?.[1]
  if (user !== undefined) return `the gate checks ${decodeURIComponent(user)}'s permission: ${permissions[decodeURIComponent(user)] ?? 'none'}`
  const thread = THREAD_COMMENTS.exec(request.path)?.[1]
  if (thread !== undefined && request.method === 'GET') return `the action looks for its comment on #${thread}`
  if (thread !== undefined && request.method === 'POST') return `the action creates its comment on #${thread}`
  if (COMMENT.test(request.path) && request.method === 'PATCH') return 'the action edits its comment'
  const pull = PULL.exec(request.path)?.[1]
  if (pull !== undefined && request.method === 'GET') return `the action reads the head of #${pull}: has the pull request moved on since Devin was asked?`
  const commit = CHECK_RUNS_OF_COMMIT.exec(request.path)?.[1]
  if (commit !== undefined) return `the action looks for the session's check run on ${commit.slice(0, 7)}`
  if (CHECK_RUNS.test(request.path)) {
    const body = (request.body ?? {}) as { status?: string; conclusion?: string; head_sha?: string }
    const state = body.conclusion !== undefined ? `completed: ${body.conclusion}` : (body.status ?? '')
    if (request.method === 'POST') return `the action creates the check run on ${String(body.head_sha).slice(0, 7)} (${state})`
    if (request.method === 'PATCH') return `the action updates the check run (${state})`
  }
  return ''
}
