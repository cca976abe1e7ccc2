import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DevinApiError } from '../../src/devin/errors.js'
import { createV1Api } from '../../src/devin/v1.js'
import { createV3Api } from '../../src/devin/v3.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'
import { v3SessionBody } from '../helpers/devin-fixtures.js'
import { testHttp } from '../helpers/http.js'

// Reading a session: a success answer that is not a session (a proxy's page, JSON cut off, a body
// without a status) is a passing fault, retried like a 5xx, and never taken for the session.

const BASE = 'https://api.devin.test'
const SESSION = '/v3/organizations/org-1/sessions/devin-1'

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

function v3() {
  const clock = fakeClock()
  return { api: createV3Api(testHttp(BASE, TEST_API_KEY, clock), 'org-1'), deadline: clock.now() + 600_000 }
}

const UNREADABLE: [string, string | Record<string, unknown>, string, string][] = [
  ['an HTML page', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html', 'an HTML page'],
  ['JSON cut off', '{"session_id": "devin-1", "status": "runn', 'application/json', 'text that is not JSON (or JSON cut off)'],
  ['a body without status', { session_id: 'devin-1', url: 'https://app.devin.ai/sessions/devin-1' }, 'application/json', 'JSON without the expected fields']
]

describe('reading a session', () => {
  for (const [name, body, type, kind] of UNREADABLE) {
    it(`retries a 200 answer with ${name}, and reads the session from the next one`, async () => {
      const scope = nock(BASE)
        .get(SESSION)
        .reply(200, body, { 'content-type': type })
        .get(SESSION)
        .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'running', status_detail: 'working' }))
      const { api, deadline } = v3()
      expect(await api.get('devin-1', deadline)).toMatchObject({ id: 'devin-1', status: 'running', statusDetail: 'working' })
      expect(scope.isDone()).toBe(true)
    })

    it(`with one attempt, reports a 200 answer with ${name} as a transient failure that says what came back`, async () => {
      const scope = nock(BASE).get(SESSION).reply(200, body, { 'content-type': type })
      const { api, deadline } = v3()
      const failure = await api.get('devin-1', deadline, { attempts: 1 }).catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(DevinApiError)
      expect(failure).toMatchObject({
        status: 200,
        message: `Devin's API answered HTTP 200 with ${kind} when trying to read session devin-1, not the JSON the action expects. A proxy or a passing fault can cause this; if it goes on, check api-url.`
      })
      expect(scope.isDone()).toBe(true)
    })
  }

  it('v1: retries an answer without status or status_enum', async () => {
    const scope = nock(BASE)
      .get('/v1/sessions/devin-1')
      .reply(200, { session_id: 'devin-1' })
      .get('/v1/sessions/devin-1')
      .reply(200, { session_id: 'devin-1', status: 'running', status_enum: 'finished' })
    const clock = fakeClock()
    const api = createV1Api(testHttp(BASE, 'apk_user_key', clock))
    expect(await api.get('devin-1', clock.now() + 600_000)).toMatchObject({ id: 'devin-1', status: 'running', statusDetail: 'finished' })
    expect(scope.isDone()).toBe(true)
  })
})
