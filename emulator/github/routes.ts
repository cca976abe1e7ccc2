/**
 * The GitHub REST endpoints the fake serves, in one table: method, path pattern, and what GitHub answers,
 * read from and written to the state. A new endpoint is a new row. Answers follow GitHub's shapes closely
 * enough for Octokit and the action; fields nobody reads are left out.
 */
import type { FakeComment, GitHubState } from './state.ts'

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

function validationFailed(field: string): Reply {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'missing_field', field }], status: '422' } }
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

  route('POST', '/issues/comments/(?<id>\\d+)/reactions', addReaction),
  route('POST', '/pulls/comments/(?<id>\\d+)/reactions', addReaction)
]
