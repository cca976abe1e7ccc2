import { type IncomingMessage, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeComment {
  id: number
  body: string
  user: { login: string; type: string }
  html_url: string
}

export interface FakeGitHub {
  url: string
  /** Repository permissions by login; a login not listed is not a collaborator (404). */
  permissions: Record<string, string>
  comments: Map<number, FakeComment[]>
  reactions: { commentId: number; content: string }[]
  /** Every request, with its Authorization header (the token the action used). */
  requests: { method: string; path: string; authorization?: string }[]
  close(): Promise<void>
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
}

/**
 * The few GitHub REST endpoints the action calls, on 127.0.0.1, for end-to-end runs of the bundle:
 * collaborator permission, issue comments (list, create, edit) and reactions. Comments the action
 * posts are authored by github-actions[bot], as with the job's GITHUB_TOKEN.
 */
export async function startFakeGitHub(permissions: Record<string, string> = {}): Promise<FakeGitHub> {
  const comments = new Map<number, FakeComment[]>()
  const reactions: FakeGitHub['reactions'] = []
  const requests: FakeGitHub['requests'] = []
  let nextId = 1000
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
      const method = req.method ?? 'GET'
      requests.push({ method, path, authorization: req.headers.authorization })
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(value))
      }
      let match: RegExpExecArray | null
      if ((match = /^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/.exec(path)) && method === 'GET') {
        const role = permissions[decodeURIComponent(match[1] as string)]
        if (role === undefined) return json(404, { message: 'Not Found' })
        return json(200, { permission: role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role, role_name: role })
      }
      if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
        const thread = Number(match[1])
        const list = comments.get(thread) ?? []
        if (method === 'GET') return json(200, list)
        const created: FakeComment = {
          id: nextId++,
          body: String((await body(req)).body ?? ''),
          user: { login: 'github-actions[bot]', type: 'Bot' },
          html_url: `https://github.com/x/y/issues/${thread}#issuecomment-${nextId}`
        }
        comments.set(thread, [...list, created])
        return json(201, created)
      }
      if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path)) && method === 'PATCH') {
        const id = Number(match[1])
        const found = [...comments.values()].flat().find((comment) => comment.id === id)
        if (found === undefined) return json(404, { message: 'Not Found' })
        found.body = String((await body(req)).body ?? '')
        return json(200, found)
      }
      if ((match = /^\/repos\/[^/]+\/[^/]+\/(?:issues|pulls)\/comments\/(\d+)\/reactions$/.exec(path)) && method === 'POST') {
        reactions.push({ commentId: Number(match[1]), content: String((await body(req)).content) })
        return json(201, { id: 1, content: 'eyes' })
      }
      return json(404, { message: `fake GitHub has no ${method} ${path}` })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    permissions,
    comments,
    reactions,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
