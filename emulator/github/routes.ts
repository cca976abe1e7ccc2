/**
 * The GitHub REST endpoints the fake serves, in one table: method, path pattern, and what GitHub answers,
 * read from and written to the state. A new endpoint is a new row. Answers follow GitHub's shapes closely
 * enough for Octokit and the action; fields nobody reads are left out.
 */
import type { FakeCheckRun, FakeComment, GitHubState } from './state.ts'

export interface Reply {
  status: number
  body: unknown
}

export interface RouteRequest {
  /** The path's named groups, URI-decoded. */
  params: Record<string, string>
  /** The parsed JSON body ({} when empty). */
  body: Record<string, unknown>
  query: URLSearchParams
}

export interface Route {
  method: string
  /** Matched against the whole path; named groups become `params` (`owner` and `repo` are checked against the state's repository). */
  path: RegExp
  handle(state: GitHubState, request: RouteRequest): Reply
}

const REPO = '/repos/(?<owner>[^/]+)/(?<repo>[^/]+)'
const route = (method: string, path: string, handle: Route['handle']): Route => ({ method, path: new RegExp(`^${REPO}${path}$`), handle })

/** GitHub's error body. */
export function notFound(message = 'Not Found'): Reply {
  return { status: 404, body: { message, documentation_url: 'https://docs.github.com/rest', status: '404' } }
}

function validationFailed(field: string, resource = 'IssueComment'): Reply {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource, code: 'missing_field', field }], status: '422' } }
}

/** GitHub's answer to a token without `checks: write`. */
const CHECKS_REFUSED: Reply = {
  status: 403,
  body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/checks/runs', status: '403' }
}

const CHECK_STATUSES = new Set(['queued', 'in_progress', 'completed'])
const CONCLUSIONS = new Set(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required'])

/** Applies a create or update body to a check run, as GitHub does: fields not given keep their value; a conclusion completes the run. */
function writeCheckRun(state: GitHubState, run: FakeCheckRun, body: Record<string, unknown>): Reply | undefined {
  if (body.status !== undefined && !CHECK_STATUSES.has(String(body.status))) return validationFailed('status', 'CheckRun')
  if (body.conclusion !== undefined && !CONCLUSIONS.has(String(body.conclusion))) return validationFailed('conclusion', 'CheckRun')
  if (body.status === 'completed' && body.conclusion === undefined && run.conclusion === null) return validationFailed('conclusion', 'CheckRun')
  const output = body.output as { title?: unknown; summary?: unknown } | undefined
  if (output !== undefined && typeof output.summary === 'string' && output.summary.length > 65_535) return validationFailed('output.summary', 'CheckRun')
  if (typeof body.status === 'string') run.status = body.status
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion
    run.status = 'completed'
  }
  if (run.status === 'completed' && run.completed_at === null) run.completed_at = state.now().toISOString()
  if (typeof body.external_id === 'string') run.external_id = body.external_id
  if (typeof body.details_url === 'string') run.details_url = body.details_url
  if (output !== undefined)
    run.output = { title: typeof output.title === 'string' ? output.title : null, summary: typeof output.summary === 'string' ? output.summary : null }
  return undefined
}

/** GitHub folds the fine-grained roles into the classic permission: maintain is write, triage is read. */
const PERMISSION_OF_ROLE: Record<string, string> = { maintain: 'write', triage: 'read' }

function findComment(state: GitHubState, id: number): FakeComment | undefined {
  return [...state.comments.values()].flat().find((comment) => comment.id === id)
}

function addReaction(state: GitHubState, { params, body }: RouteRequest): Reply {
  const commentId = Number(params.id)
  const content = String(body.content ?? '')
  state.reactions.push({ commentId, content })
  return { status: 201, body: { id: state.nextId++, content, user: state.actor } }
}

export const routes: readonly Route[] = [
  route('GET', '/collaborators/(?<user>[^/]+)/permission', (state, { params }) => {
    const role = state.permissions[params.user ?? '']
    if (role === undefined) return notFound(`${params.user} is not a user`)
    return { status: 200, body: { permission: PERMISSION_OF_ROLE[role] ?? role, role_name: role, user: { login: params.user } } }
  }),

  route('GET', '/issues/(?<number>\\d+)/comments', (state, { params }) => ({
    status: 200,
    body: state.comments.get(Number(params.number)) ?? []
  })),

  route('POST', '/issues/(?<number>\\d+)/comments', (state, { params, body }) => {
    if (typeof body.body !== 'string') return validationFailed('body')
    const thread = Number(params.number)
    const id = state.nextId++
    const at = state.now().toISOString()
    const created: FakeComment = {
      id,
      body: body.body,
      user: { ...state.actor },
      html_url: `https://github.com/${params.owner}/${params.repo}/issues/${thread}#issuecomment-${id}`,
      created_at: at,
      updated_at: at
    }
    state.comments.set(thread, [...(state.comments.get(thread) ?? []), created])
    return { status: 201, body: created }
  }),

  route('PATCH', '/issues/comments/(?<id>\\d+)', (state, { params, body }) => {
    const found = findComment(state, Number(params.id))
    if (found === undefined) return notFound()
    if (typeof body.body !== 'string') return validationFailed('body')
    found.body = body.body
    found.updated_at = state.now().toISOString()
    return { status: 200, body: found }
  }),

  route('GET', '/pulls/(?<number>\\d+)', (state, { params }) => {
    const pull = state.pulls.get(Number(params.number))
    if (pull === undefined) return notFound()
    return { status: 200, body: { number: Number(params.number), state: 'open', head: { sha: pull.headSha, ref: pull.headRef ?? 'feature' } } }
  }),

  route('POST', '/check-runs', (state, { body }) => {
    if (state.refuseChecks) return CHECKS_REFUSED
    if (typeof body.name !== 'string' || body.name === '') return validationFailed('name', 'CheckRun')
    if (typeof body.head_sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.head_sha)) return validationFailed('head_sha', 'CheckRun')
    const at = state.now().toISOString()
    const run: FakeCheckRun = {
      id: state.nextId++,
      name: body.name,
      head_sha: body.head_sha,
      status: 'queued',
      conclusion: null,
      external_id: null,
      details_url: null,
      output: { title: null, summary: null },
      started_at: at,
      completed_at: null
    }
    const invalid = writeCheckRun(state, run, body)
    if (invalid !== undefined) return invalid
    state.checkRuns.push(run)
    return { status: 201, body: run }
  }),

  route('PATCH', '/check-runs/(?<id>\\d+)', (state, { params, body }) => {
    if (state.refuseChecks) return CHECKS_REFUSED
    const run = state.checkRuns.find((one) => one.id === Number(params.id))
    if (run === undefined) return notFound()
    const invalid = writeCheckRun(state, run, body)
    return invalid ?? { status: 200, body: run }
  }),

  route('GET', '/commits/(?<ref>[^/]+)/check-runs', (state, { params, query }) => {
    const name = query.get('check_name')
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30)
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
    // Newest first, as GitHub lists them.
    const runs = state.checkRuns.filter((run) => run.head_sha === params.ref && (name === null || run.name === name)).reverse()
    return { status: 200, body: { total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) } }
  }),

  route('POST', '/issues/comments/(?<id>\\d+)/reactions', addReaction),
  route('POST', '/pulls/comments/(?<id>\\d+)/reactions', addReaction)
]
