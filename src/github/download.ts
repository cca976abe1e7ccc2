import type { IncomingMessage } from 'node:http'

/** How long a log download may stay silent before it is given up: a stalled download must not hold the job. */
const IDLE_TIMEOUT_MS = 60_000
/** The longest a log download may take in all: one that trickles a byte at a time must not hold the job either. */
const TOTAL_TIMEOUT_MS = 5 * 60_000

export interface DownloadLimits {
  idleMs?: number
  totalMs?: number
}

/**
 * Downloads a URL (a job log's signed link) as a stream of bytes, with no credential: the link's signature is
 * one. The body is a socket stream read chunk by chunk with backpressure, so the reader holds only what it keeps;
 * the download stops with an error (which the stream's reader gets) after `idleMs` without data or `totalMs` in
 * all. Non-2xx answers resolve with their status for the caller to report.
 */
export async function download(url: URL, limits: DownloadLimits = {}): Promise<{ status: number; body: AsyncIterable<Uint8Array> & { destroy(): void } }> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`unsupported protocol ${url.protocol}`)
  const idleMs = limits.idleMs ?? IDLE_TIMEOUT_MS
  const totalMs = limits.totalMs ?? TOTAL_TIMEOUT_MS
  const { get } = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: '*/*', 'user-agent': 'devin-session-action' } }, (response: IncomingMessage) => {
      resolve({ status: response.statusCode ?? 0, body: response })
    })
    const total = setTimeout(() => request.destroy(new Error(`the download took longer than ${totalMs / 1000} s`)), totalMs)
    total.unref()
    request.on('close', () => clearTimeout(total))
    request.setTimeout(idleMs, () => request.destroy(new Error(`no data for ${idleMs / 1000} s`)))
    request.on('error', reject)
  })
}
