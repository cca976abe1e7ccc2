import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DevinHttp, type RequestSpec, backoffDelay, parseRetryAfter } from '../../src/devin/http.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { apiFailure } from '../helpers/api-failure.js'
import { type FakeClock, fakeClock } from '../helpers/clock.js'

const BASE = 'https://api.devin.test'

function client(clock: FakeClock, options: { timeoutMs?: number; random?: () => number; baseUrl?: string } = {}) {
  const debug: string[] = []
  const http = new DevinHttp(
    { baseUrl: options.baseUrl ?? BASE, apiKey: TEST_API_KEY, requestTimeoutMs: options.timeoutMs ?? 60_000 },
    { fetch: globalThis.fetch, clock, random: options.random ?? (() => 0.5), debug: (m) => debug.push(m) }
  )
  return { http, debug }
}

function spec(clock: FakeClock, overrides: Partial<RequestSpec> = {}): RequestSpec {
  return {
    method: 'GET',
    path: '/v3/organizations/org-1/sessions/devin-1',
    operation: { description: 'read session devin-1', permission: 'ViewOrgSessions', notFound: 'Check session-id ("devin-1").' },
    retry: 'safe',
    deadline: clock.now() + 180_000,
    ...overrides
  }
}

beforeAll(() => {
  nock.disableNetConnect()
})
afterEach(() => {
  nock.cleanAll()
})

describe('DevinHttp', () => {
  it('sends the bearer key, JSON body and list queries as repeated keys', async () => {
    const clock = fakeClock()
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' } })
      .post('/v3/organizations/org-1/sessions', { prompt: 'hi' })
      .query({ tags: ['a', 'b'], first: '100' })
      .reply(200, { ok: true })
    const { http } = client(clock)
    const body = await http.request(
      spec(clock, {
        method: 'POST',
        path: '/v3/organizations/org-1/sessions',
        body: { prompt: 'hi' },
        query: { tags: ['a', 'b'], first: 100, after: undefined }
      })
    )
    expect(body).toEqual({ ok: true })
    expect(scope.isDone()).toBe(true)
  })

  it('retries 5xx and 429 on safe requests with backoff, then succeeds', async () => {
    const clock = fakeClock()
    const scope = nock(BASE)
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(503, { detail: 'busy' })
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(429)
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(200, { id: 1 })
    const { http } = client(clock)
    expect(await http.request(spec(clock))).toEqual({ id: 1 })
    expect(scope.isDone()).toBe(true)
    // Full jitter with random() = 0.5: half of 1 s, then half of 2 s.
    expect(clock.sleeps).toEqual([500, 1_000])
  })

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    const clock = fakeClock()
    const later = new Date(clock.now() + 7_000).toUTCString()
    nock(BASE)
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(503, '', { 'Retry-After': later })
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(429, { title: 'Too Many Requests' }, { 'Retry-After': '12' })
      .get('/v3/organizations/org-1/sessions/devin-1')
      .reply(200, {})
    const { http } = client(clock)
    await http.request(spec(clock))
    // An HTTP date has one-second resolution, so the pause is within a second of 7 s.
    expect(clock.sleeps[0]).toBeGreaterThan(6_000)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(7_000)
    expect(clock.sleeps[1]).toBe(12_000)
    expect(clock.sleeps).toHaveLength(2)
  })

  it('gives up at the deadline and says what kept failing', async () => {
    const clock = fakeClock()
    nock(BASE).get('/v3/organizations/org-1/sessions/devin-1').times(20).reply(503, { detail: 'upstream unavailable' })
    const { http } = client(clock, { random: () => 0.99 })
    const error = await apiFailure(http.request(spec(clock, { deadline: clock.now() + 20_000 })))
    expect(error.message).toBe(
      "Devin's API failed when trying to read session devin-1 (HTTP 503): upstream unavailable. It is likely a problem on Devin's side: re-run later. (gave up after 5 attempts)"
    )
    expect(error.status).toBe(503)
    expect(error.reached).toBe('maybe')
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(20_000)
  })

  it('stops when Retry-After would pass the deadline', async () => {
    const clock = fakeClock()
    nock(BASE).get('/v3/organizations/org-1/sessions/devin-1').reply(429, {}, { 'Retry-After': '600' })
    const { http } = client(clock)
    const error = await apiFailure(http.request(spec(clock)))
    expect(error.message).toMatch(/^Devin kept rate-limiting the request to read session devin-1 \(429 Too Many Requests\)\. Wait and re-run/)
    expect(error.retryAfterMs).toBe(600_000)
    expect(clock.sleeps).toEqual([])
  })

  it('bounds attempts even with a far deadline', async () => {
    const clock = fakeClock()
    const scope = nock(BASE).get('/v3/organizations/org-1/sessions/devin-1').times(8).reply(500)
    const { http } = client(clock, { random: () => 0 })
    const error = await apiFailure(http.request(spec(clock, { deadline: clock.now() + 10 * 3_600_000 })))
    expect(error.attempts).toBe(8)
    expect(scope.isDone()).toBe(true)
  })

  it('does not retry an unsafe request that may have reached Devin', async () => {
    const clock = fakeClock()
    const scope = nock(BASE).post('/v3/organizations/org-1/sessions').reply(502, 'Bad Gateway')
    const { http } = client(clock)
    const error = await apiFailure(
      http.request(
        spec(clock, { method: 'POST', path: '/v3/organizations/org-1/sessions', body: {}, retry: 'unsafe', operation: { description: 'create a session' } })
      )
    )
    expect(error.status).toBe(502)
    expect(error.reached).toBe('maybe')
    expect(error.message).toBe(
      "Devin's API failed when trying to create a session (HTTP 502): Bad Gateway. It is likely a problem on Devin's side: re-run later."
    )
    expect(scope.isDone()).toBe(true)
  })

  describe('final answers say what to fix', () => {
    const cases: [number, unknown, string][] = [
      [
        401,
        { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'Invalid API key' },
        'Devin did not accept the API key when trying to read session devin-1 (401 Unauthorized): Invalid API key. Check the api-key input: it must be a current Devin key stored as a secret — a "cog_…" service-user or personal key for v3, or an "apk_…" key for v1.'
      ],
      [
        403,
        { detail: 'Missing permission' },
        'The Devin API key is not allowed to read session devin-1 (403 Forbidden): Missing permission. Give its service user the ViewOrgSessions permission in the Devin organization, or use a key that has it.'
      ],
      [
        404,
        { title: 'Not Found', status: 404 },
        'Devin found nothing when trying to read session devin-1 (404 Not Found): Not Found. Check session-id ("devin-1").'
      ],
      [
        409,
        { detail: 'Session is busy' },
        'Devin reported a conflict when trying to read session devin-1 (409 Conflict): Session is busy. The session is likely busy with another change: wait a moment and re-run.'
      ],
      [
        400,
        { detail: "Unknown platform 'macos'. Available: linux, windows" },
        "Devin refused the request to read session devin-1 (HTTP 400): Unknown platform 'macos'. Available: linux, windows."
      ]
    ]
    for (const [status, body, message] of cases) {
      it(`${status}, without retrying`, async () => {
        const clock = fakeClock()
        const scope = nock(BASE)
          .get('/v3/organizations/org-1/sessions/devin-1')
          .reply(status, body as nock.Body)
        const { http } = client(clock)
        const error = await apiFailure(http.request(spec(clock)))
        expect(error.message).toBe(message)
        expect(error.reached).toBe('no')
        expect(scope.isDone()).toBe(true)
        expect(clock.sleeps).toEqual([])
      })
    }

    const validation: [string, unknown, string[]][] = [
      [
        'RFC 9457 errors',
        {
          type: 'about:blank',
          title: 'Validation Error',
          status: 422,
          errors: [
            { loc: ['body', 'max_acu_limit'], msg: 'Input should be a valid integer', type: 'int_parsing' },
            { loc: ['body', 'devin_mode'], msg: "Input should be 'normal' or 'fast'", type: 'enum' }
          ]
        },
        ['- max_acu_limit (input max-acu-limit): Input should be a valid integer', "- devin_mode (input devin-mode): Input should be 'normal' or 'fast'"]
      ],
      [
        "FastAPI's detail list",
        { detail: [{ loc: ['body', 'session_secrets', 0, 'key'], msg: 'String should have at least 1 character', type: 'string_too_short' }] },
        ['- session_secrets.0.key (input session-secrets): String should have at least 1 character']
      ],
      ['a detail string', { detail: 'prompt must not be empty' }, ['- prompt must not be empty']],
      ['plain text', 'unprocessable', ['- unprocessable']]
    ]
    for (const [shape, body, lines] of validation) {
      it(`422 as ${shape}: each invalid field`, async () => {
        const clock = fakeClock()
        nock(BASE)
          .post('/v3/organizations/org-1/sessions')
          .reply(422, body as nock.Body)
        const { http } = client(clock)
        const error = await apiFailure(
          http.request(
            spec(clock, { method: 'POST', path: '/v3/organizations/org-1/sessions', body: {}, retry: 'unsafe', operation: { description: 'create a session' } })
          )
        )
        expect(error.message).toBe(
          `Devin rejected the request to create a session as invalid (422 Unprocessable Entity):\n${lines.join('\n')}\nFix the inputs named above.`
        )
      })
    }
  })
})

describe('backoff', () => {
  it('grows exponentially with full jitter up to a cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0.999))).toEqual([999, 1_998, 3_996, 7_992])
    expect(backoffDelay(20, () => 0.999)).toBe(29_970)
    expect(backoffDelay(3, () => 0)).toBe(0)
  })

  it('reads Retry-After', () => {
    expect(parseRetryAfter('3', 0)).toBe(3_000)
    expect(parseRetryAfter('1.5', 0)).toBe(1_500)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
    expect(parseRetryAfter(null, 0)).toBeUndefined()
  })
})
