import type { IncomingMessage } from 'node:http'

/** How long a log download may stay silent before it is given up: a stalled download must not hold the job. */
const IDLE_TIMEOUT_MS = 60_000

/**
 * Downloads a URL (a job log's signed link) as a stream of bytes, with no credential: the link's signature is
 * one. Through node:http(s) rather than fetch: a fetch body hands over a new ArrayBuffer per chunk that the
 * garbage collector frees late, and reading a 200 MB log that way held well over 100 MB at once; a socket
 * stream read chunk by chunk, with backpressure, keeps the run's memory near its resting size. Non-2xx
 * answers reject with their status.
 */
export async function download(url: URL): Promise<{ status: number; body: AsyncIterable<Uint8Array> & { destroy(): void } }> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`unsupported protocol ${url.protocol}`)
  const { get } = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: '*/*', 'user-agent': 'devin-session-action' } }, (response: IncomingMessage) => {
      resolve({ status: response.statusCode ?? 0, body: response })
    })
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)))
    request.on('error', reject)
  })
}
