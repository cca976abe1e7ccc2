import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DevinHttp, type RequestSpec } from '../../src/devin/http.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { apiFailure } from '../helpers/api-failure.js'
import { type FakeClock, fakeClock } from '../helpers/clock.js'

// An error answer is clipped to a few hundred characters for the message; a secret it echoes must be
// gone before that, or the clipped half of it is no longer recognisable and reaches the log.

const BASE = 'https://api.devin.test'
const PATH = '/v3/organizations/org-1/sessions'
const SESSION_SECRET = 'Zq9-sess-secret-value-0042'

function client(clock: FakeClock): DevinHttp {
  return new DevinHttp(
    { baseUrl: BASE, apiKey: TEST_API_KEY, requestTimeoutMs: 60_000, secrets: [TEST_GITHUB_TOKEN, SESSION_SECRET] },
    { fetch: globalThis.fetch, clock, random: () => 0.5, debug: () => undefined }
  )
}

function spec(clock: FakeClock): RequestSpec {
  return { method: 'POST', path: PATH, body: {}, operation: { description: 'create a session' }, retry: 'unsafe', deadline: clock.now() + 180_000 }
}

/** The first `length` characters of each secret: what a clip in the middle of one would leave. */
function prefixes(length: number): string[] {
  return [TEST_API_KEY, TEST_GITHUB_TOKEN, SESSION_SECRET].map((secret) => secret.slice(0, length))
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('DevinHttp error answers that echo a secret', () => {
  // The message keeps the detail's first 497 characters: start each secret a little before that.
  for (const [name, secret] of [
    ['the API key', TEST_API_KEY],
    ['the GitHub token', TEST_GITHUB_TOKEN],
    ['a session secret', SESSION_SECRET]
  ] as const) {
    it(`redacts ${name} where the message is clipped`, async () => {
      const clock = fakeClock()
      for (const offset of [485, 490, 495]) {
        nock(BASE)
          .post(PATH)
          .reply(400, { detail: `${'x'.repeat(offset)}${secret} and more text after it` })
        const error = await apiFailure(client(clock).request(spec(clock)))
        for (const prefix of prefixes(8)) expect(error.message).not.toContain(prefix)
        expect(error.message).toMatch(/^Devin refused the request to create a session \(HTTP 400\): x+\*\*/)
      }
    })
  }

  it('redacts a secret whose line breaks the message turns into spaces', async () => {
    const clock = fakeClock()
    const split = `${TEST_API_KEY.slice(0, 12)}\n${TEST_API_KEY.slice(12)}`
    nock(BASE).post(PATH).reply(401, `Invalid key:\n${split}\n`)
    const error = await apiFailure(client(clock).request(spec(clock)))
    expect(error.message).toContain('(401 Unauthorized): Invalid key: ***.')
    for (const prefix of prefixes(8)) expect(error.message).not.toContain(prefix)
  })

  it('redacts each field error of a 422 before it is clipped', async () => {
    const clock = fakeClock()
    // The field name and input take 49 characters, so the secret starts at 489.
    const msg = `${'y'.repeat(440)}${SESSION_SECRET}`
    nock(BASE)
      .post(PATH)
      .reply(422, { errors: [{ loc: ['body', 'session_secrets', 0, 'value'], msg }] })
    const error = await apiFailure(client(clock).request(spec(clock)))
    expect(error.message).toContain('session_secrets.0.value (input session-secrets): yyy')
    expect(error.message).not.toContain(SESSION_SECRET.slice(0, 8))
  })
})
