import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Loopback {
  url: string
  requests: { method: string; url: string }[]
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 for the failures nock cannot fake faithfully with fetch: a socket
 * closed without an answer, an answer that never comes, a refused connection.
 */
export async function startLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  const requests: Loopback['requests'] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' })
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
