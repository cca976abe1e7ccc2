import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { download } from '../src/github/download.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** A loopback server that answers a log, sending a chunk every `everyMs` for ever (a download that trickles). */
async function trickling(everyMs: number): Promise<URL> {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.flushHeaders()
    const timer = setInterval(() => res.write('line\n'), everyMs)
    res.on('close', () => clearInterval(timer))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/log`)
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0
  for await (const chunk of body) bytes += chunk.length
  return bytes
}

describe('a log download', () => {
  it('stops a download that trickles past its total limit, with an error its reader gets', async () => {
    const { status, body } = await download(await trickling(20), { totalMs: 300, idleMs: 5_000 })
    expect(status).toBe(200)
    await expect(readAll(body)).rejects.toThrow(/took longer than 0.3 s|aborted/)
  })

  it('stops a download that goes silent past its idle limit', async () => {
    const { body } = await download(await trickling(60_000), { totalMs: 30_000, idleMs: 200 })
    await expect(readAll(body)).rejects.toThrow()
  })

  it('refuses anything but http and https', async () => {
    await expect(download(new URL('file:///etc/passwd'))).rejects.toThrow('unsupported protocol file:')
  })
})
