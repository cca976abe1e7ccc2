import { describe, expect, it } from 'vitest'
import { DevinHttp, type RequestSpec } from '../../src/devin/http.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { apiFailure } from '../helpers/api-failure.js'
import { type FakeClock, fakeClock } from '../helpers/clock.js'
import { startLoopback } from '../helpers/loopback.js'

// Network failures come from a real server on 127.0.0.1, without nock, whose fetch interception
// does not reproduce undici's errors (the cause codes that tell a refused connection from a dropped one).

function client(clock: FakeClock, baseUrl: string, timeoutMs = 60_000) {
  return new DevinHttp(
    { baseUrl, apiKey: TEST_API_KEY, requestTimeoutMs: timeoutMs },
    { fetch: globalThis.fetch, clock, random: () => 0.5, debug: () => undefined }
  )
}

function create(clock: FakeClock, deadlineMs = 180_000): RequestSpec {
  return {
    method: 'POST',
    path: '/v3/organizations/org-1/sessions',
    body: {},
    operation: { description: 'create a session' },
    retry: 'unsafe',
    deadline: clock.now() + deadlineMs
  }
}

describe('DevinHttp on a real connection', () => {
  it('reports a dropped connection as one that may have reached Devin', async () => {
    const clock = fakeClock()
    const server = await startLoopback((req) => req.socket.destroy())
    try {
      const http = client(clock, server.url)
      const error = await apiFailure(http.request(create(clock)))
      expect(error.reached).toBe('maybe')
      expect(error.status).toBeUndefined()
      expect(error.message).toBe(`The connection to the Devin API at ${server.url} broke while trying to create a session (UND_ERR_SOCKET).`)
      expect(server.requests).toHaveLength(1)
    } finally {
      await server.close()
    }
  })

  it('retries an unsafe request that certainly never got through, until the deadline', async () => {
    const clock = fakeClock()
    const server = await startLoopback(() => undefined)
    const url = server.url
    await server.close()
    const http = client(clock, url)
    const error = await apiFailure(http.request(create(clock, 5_000)))
    expect(error.reached).toBe('no')
    expect(error.attempts).toBeGreaterThan(1)
    expect(error.message).toMatch(
      new RegExp(
        `^Could not connect to the Devin API at ${url.replace(/\./g, '\\.')} to create a session \\(ECONNREFUSED\\)\\. Check api-url and that the runner can reach it\\. \\(gave up after \\d attempts\\)$`
      )
    )
  })

  it('times out a request that does not answer, as one that may have reached Devin', async () => {
    const clock = fakeClock()
    const server = await startLoopback(() => undefined)
    try {
      const http = client(clock, server.url, 200)
      const error = await apiFailure(http.request(create(clock)))
      expect(error.reached).toBe('maybe')
      expect(error.message).toBe('Devin did not answer within 0.2s when trying to create a session.')
      expect(server.requests).toHaveLength(1)
    } finally {
      await server.close()
    }
  })

  it('fails at once, as never sent, when fetch cannot even build the request', async () => {
    const clock = fakeClock()
    const server = await startLoopback((_req, res) => res.end('{}'))
    try {
      const http = new DevinHttp(
        { baseUrl: server.url, apiKey: 'cog_ключ', requestTimeoutMs: 1_000 },
        { fetch: globalThis.fetch, clock, random: () => 0.5, debug: () => undefined }
      )
      const error = await apiFailure(http.request(create(clock)))
      expect(error.reached).toBe('no')
      expect(error.attempts).toBe(1)
      expect(error.message).toMatch(/^Could not send the request to create a session: /)
      expect(server.requests).toHaveLength(0)
      expect(clock.sleeps).toEqual([])
    } finally {
      await server.close()
    }
  })
})
