import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type SessionMessage, latestDevinMessage } from '../../src/devin/messages.js'
import { createV1Api } from '../../src/devin/v1.js'
import { createV3Api } from '../../src/devin/v3.js'
import { createV3beta1Api } from '../../src/devin/v3beta1.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'

const BASE = 'https://api.devin.test'
const V1_KEY = 'apk_user_TestKey0123456789'

function http(key = TEST_API_KEY) {
  const clock = fakeClock()
  return { http: testHttp(BASE, key, clock), deadline: clock.now() + 60_000 }
}

function v3Item(source: string, message: string, n: number): Record<string, unknown> {
  return { event_id: `event-${n}`, source, message, created_at: 1_700_000_000 + n }
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('session messages', () => {
  it('v3: reads every page of GET …/messages in order, with first=200 and the cursor, and maps them to one model', async () => {
    const { http: client, deadline } = http()
    const path = '/v3/organizations/org-1/sessions/devin-abc/messages'
    const scope = nock(BASE)
      .get(path)
      .query({ first: '200' })
      .reply(200, { items: [v3Item('user', 'Fix the test', 1), v3Item('devin', 'On it.', 2)], end_cursor: 'c-1', has_next_page: true, total: 3 })
      .get(path)
      .query({ first: '200', after: 'c-1' })
      .reply(200, { items: [v3Item('devin', 'Which branch?', 3)], end_cursor: null, has_next_page: false, total: 3 })
    const messages = await createV3Api(client, 'org-1').listMessages('devin-abc', deadline)
    expect(messages).toEqual([
      { id: 'event-1', from: 'user', text: 'Fix the test', createdAt: 1_700_000_001 },
      { id: 'event-2', from: 'devin', text: 'On it.', createdAt: 1_700_000_002 },
      { id: 'event-3', from: 'devin', text: 'Which branch?', createdAt: 1_700_000_003 }
    ])
    expect(latestDevinMessage(messages)?.text).toBe('Which branch?')
    expect(scope.isDone()).toBe(true)
  })

  it('v3: retries a 2xx answer that is not a message list, instead of reading it as "Devin said nothing"', async () => {
    const { http: client, deadline } = http()
    const scope = nock(BASE)
      .get('/v3/organizations/org-1/sessions/devin-abc/messages')
      .query(true)
      .reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' })
      .get('/v3/organizations/org-1/sessions/devin-abc/messages')
      .query(true)
      .reply(200, { items: [v3Item('devin', 'Done.', 1)], has_next_page: false })
    expect((await createV3Api(client, 'org-1').listMessages('devin-abc', deadline)).map((m) => m.text)).toEqual(['Done.'])
    expect(scope.isDone()).toBe(true)
  })

  it('v3: leaves out items without text or from an unknown source, and refuses a list longer than it reads (its newest messages are unread)', async () => {
    const { http: client, deadline } = http()
    const path = '/v3/organizations/org-1/sessions/devin-abc/messages'
    nock(BASE)
      .get(path)
      .query(true)
      .reply(200, { items: [v3Item('system', 'Session resumed', 1), { source: 'devin', created_at: 2 }, v3Item('devin', 'Hi', 3)], has_next_page: false })
    expect(await createV3Api(client, 'org-1').listMessages('devin-abc', deadline)).toEqual([
      { id: 'event-3', from: 'devin', text: 'Hi', createdAt: 1_700_000_003 }
    ])

    const scope = nock(BASE)
      .get(path)
      .query(true)
      .times(10)
      .reply(200, { items: [v3Item('devin', 'Old', 1)], end_cursor: 'more', has_next_page: true })
    await expect(createV3Api(client, 'org-1').listMessages('devin-abc', deadline)).rejects.toThrow(
      'session devin-abc has more messages than the action reads in one run (it stopped after 2000)'
    )
    expect(scope.isDone()).toBe(true)
  })

  it('v3beta1: the same list under /v3beta1', async () => {
    const { http: client, deadline } = http()
    const scope = nock(BASE)
      .get('/v3beta1/organizations/org-1/sessions/devin-b/messages')
      .query({ first: '200' })
      .reply(200, { items: [v3Item('devin', 'Which branch?', 1)], end_cursor: null, has_next_page: false })
    expect(await createV3beta1Api(client, 'org-1').listMessages('devin-b', deadline)).toEqual([
      { id: 'event-1', from: 'devin', text: 'Which branch?', createdAt: 1_700_000_001 }
    ])
    expect(scope.isDone()).toBe(true)
  })

  it("v1: reads the messages of the session's own answer, by type, and retries an answer without them", async () => {
    const { http: client, deadline } = http(V1_KEY)
    const session = { session_id: 'devin-abc', status: 'running', status_enum: 'blocked', created_at: '2026-11-23T10:00:00Z' }
    const scope = nock(BASE)
      .get('/v1/sessions/devin-abc')
      .reply(200, session)
      .get('/v1/sessions/devin-abc')
      .reply(200, {
        ...session,
        messages: [
          { type: 'initial_user_message', event_id: 'e-1', message: 'Fix the test', timestamp: '2026-11-23T10:00:00Z', username: 'octo' },
          { type: 'devin_message', event_id: 'e-2', message: 'Which branch?', timestamp: '2026-11-23T10:01:00Z' },
          { type: 'user_message', event_id: 'e-3', message: 'main', timestamp: '2026-11-23T10:02:00.500Z' },
          { type: 'status_update', event_id: 'e-4', message: 'resumed', timestamp: '2026-11-23T10:03:00Z' }
        ]
      })
    const messages = await createV1Api(client).listMessages('devin-abc', deadline)
    const at = (iso: string) => Math.floor(Date.parse(iso) / 1_000)
    expect(messages).toEqual([
      { id: 'e-1', from: 'user', text: 'Fix the test', createdAt: at('2026-11-23T10:00:00Z') },
      { id: 'e-2', from: 'devin', text: 'Which branch?', createdAt: at('2026-11-23T10:01:00Z') },
      { id: 'e-3', from: 'user', text: 'main', createdAt: at('2026-11-23T10:02:00Z') }
    ])
    // A person's answer after Devin's question does not hide what Devin last said.
    expect(latestDevinMessage(messages)?.text).toBe('Which branch?')
    expect(scope.isDone()).toBe(true)
  })

  it('latestDevinMessage: the newest message from Devin, or none when Devin has written none', () => {
    const message = (from: SessionMessage['from'], text: string): SessionMessage => ({ from, text })
    expect(latestDevinMessage([])).toBeUndefined()
    expect(latestDevinMessage([message('user', 'Fix it')])).toBeUndefined()
    expect(latestDevinMessage([message('devin', 'First'), message('user', 'ok'), message('devin', 'Second'), message('user', 'thanks')])?.text).toBe('Second')
  })
})
