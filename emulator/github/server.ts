/**
 * A fake GitHub REST API on 127.0.0.1, for end-to-end runs of the bundle and for `npm run demo`: the
 * endpoints of routes.ts over the state of state.ts, every request logged. Comments the action posts are
 * authored by github-actions[bot], as with the job's GITHUB_TOKEN. Like the Devin emulator, it never
 * imports the action's code (src/): it stands for GitHub, not for what the action expects of it.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Reply, type Route, notFound, routes } from './routes.ts'
import { type GitHubRequest, type GitHubState, newState } from './state.ts'

export type { FakeCheckRun, FakeComment, FakeJobLog, FakeJobStep, FakeReaction, FakeWorkflowJob, GitHubRequest } from './state.ts'

export interface FakeGitHubOptions {
  /** Serve only this `owner/repo` (others are 404). Default: any repository, one shared state. */
  repository?: string
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Called once per request after it was answered (e.g. to print a log line). */
  onRequest?: (request: GitHubRequest) => void
}

export interface FakeGitHub extends Pick<
  GitHubState,
  'permissions' | 'comments' | 'reactions' | 'pulls' | 'checkRuns' | 'requests' | 'workflowJobs' | 'jobLogs'
> {
  /** Set to answer check-run writes with 403 (no `checks: write`). */
  refuseChecks: boolean
  /** Set to answer the workflow jobs and job logs endpoints with 403 (no `actions: read`). */
  refuseActions: boolean
  /** `http://127.0.0.1:<port>`, the value for the runner's GITHUB_API_URL. */
  url: string
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** Largest request body read; a bigger one is answered 413 without being parsed. */
const MAX_BODY_BYTES = 1024 * 1024

class BadRequest extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BadRequest(413, 'Request body too large')
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return {}
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // Answered below, as GitHub does.
  }
  throw new BadRequest(400, 'Problems parsing JSON')
}

function find(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const match = route.method === method ? route.path.exec(path) : null
    if (match === null) continue
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([name, value]) => [name, decodeURIComponent(value)]))
    return { route, params }
  }
  return undefined
}

/** Resolves when the response can take more, or is closed; the listeners go either way. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  if (reply.stream !== undefined) {
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers })
    for await (const chunk of reply.stream()) {
      if (res.destroyed) return
      // Backpressure: a client that reads slowly holds the generator, not a growing buffer.
      if (!res.write(chunk)) await drained(res)
    }
    res.end()
    return
  }
  if (reply.body === undefined || reply.body === '') {
    res.writeHead(reply.status, reply.headers ?? {})
    res.end()
    return
  }
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers })
  res.end(JSON.stringify(reply.body))
}

/**
 * Starts the fake GitHub. `permissions` are the repository permissions by login (`write`, `admin`, …); a
 * login not listed is not a collaborator (404). The returned object's fields are the live state.
 */
export async function startFakeGitHub(permissions: Record<string, string> = {}, options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const { repository, port = 0, onRequest } = options
  const state = newState({ permissions, repository })

  let baseUrl = ''
  const answer = async (req: IncomingMessage, entry: GitHubRequest, query: URLSearchParams): Promise<Reply> => {
    const { method, path } = entry
    const found = find(method, path)
    const body = await readBody(req)
    if (Object.keys(body).length > 0) entry.body = body
    if (found === undefined) return notFound(`fake GitHub has no ${method} ${path}`)
    const { owner, repo } = found.params
    if (state.repository !== undefined && owner !== undefined && `${owner}/${repo}`.toLowerCase() !== state.repository.toLowerCase()) return notFound()
    return found.route.handle(state, { params: found.params, body, query, baseUrl })
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const entry: GitHubRequest = { method, path: url.pathname, authorization: req.headers.authorization }
    state.requests.push(entry)
    answer(req, entry, url.searchParams)
      .catch((error: unknown) =>
        error instanceof BadRequest
          ? { status: error.status, body: { message: error.message } }
          : { status: 500, body: { message: `fake GitHub failed: ${error instanceof Error ? error.message : String(error)}` } }
      )
      .then(async (reply) => {
        entry.status = reply.status
        await send(res, reply).catch(() => res.destroy())
        onRequest?.(entry)
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const { port: bound } = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${bound}`
  let closed: Promise<void> | undefined
  return {
    url: baseUrl,
    permissions: state.permissions,
    comments: state.comments,
    reactions: state.reactions,
    pulls: state.pulls,
    checkRuns: state.checkRuns,
    get refuseChecks() {
      return state.refuseChecks
    },
    set refuseChecks(refuse: boolean) {
      state.refuseChecks = refuse
    },
    workflowJobs: state.workflowJobs,
    jobLogs: state.jobLogs,
    get refuseActions() {
      return state.refuseActions
    },
    set refuseActions(refuse: boolean) {
      state.refuseActions = refuse
    },
    requests: state.requests,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }))
  }
}
