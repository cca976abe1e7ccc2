import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SessionRequest } from '../../src/devin/session.js'
import { createV3Api, discoverOrgId, v3Session } from '../../src/devin/v3.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { readFileSync } from 'node:fs'
// The emulator's Ajv: the schemas' `format: uri` is checked, not ignored with a warning.
import { createAjv } from '../../emulator/validate.ts'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'
import { v3SessionBody } from '../helpers/devin-fixtures.js'

const BASE = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-1/sessions'

function api() {
  const clock = fakeClock()
  const http = testHttp(BASE, TEST_API_KEY, clock)
  return { api: createV3Api(http, 'org-1'), http, deadline: clock.now() + 60_000 }
}

export const everyField: SessionRequest = {
  prompt: 'Fix the flaky test',
  title: 'Flaky test',
  tags: ['idem:abc', 'github:octo/repo', 'nightly'],
  repos: ['octo/repo'],
  playbookId: 'playbook-1',
  childPlaybookId: 'playbook-2',
  knowledgeIds: ['k-1'],
  secretIds: ['s-1'],
  sessionSecrets: [{ key: 'TOKEN', value: 'v=1' }],
  sessionLinks: ['https://app.devin.ai/sessions/devin-0'],
  attachmentUrls: ['https://example.com/log.txt'],
  maxAcuLimit: 10,
  structuredOutputSchema: { type: 'object' },
  structuredOutputRequired: false,
  devinMode: 'fast',
  platform: 'windows',
  resumable: false,
  bypassApproval: true,
  createAsUserId: 'user-1'
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('v3 adapter', () => {
  it('sends every session field under its API name', async () => {
    const { api: v3, deadline } = api()
    const expected = {
      prompt: 'Fix the flaky test',
      title: 'Flaky test',
      tags: ['idem:abc', 'github:octo/repo', 'nightly'],
      repos: ['octo/repo'],
      playbook_id: 'playbook-1',
      child_playbook_id: 'playbook-2',
      knowledge_ids: ['k-1'],
      secret_ids: ['s-1'],
      session_secrets: [{ key: 'TOKEN', value: 'v=1', sensitive: true }],
      session_links: ['https://app.devin.ai/sessions/devin-0'],
      attachment_urls: ['https://example.com/log.txt'],
      max_acu_limit: 10,
      structured_output_schema: { type: 'object' },
      structured_output_required: false,
      devin_mode: 'fast',
      platform: 'windows',
      resumable: false,
      bypass_approval: true,
      create_as_user_id: 'user-1'
    }
    let sent: unknown
    const scope = nock(BASE)
      .post(SESSIONS, (body: unknown) => {
        sent = body
        return true
      })
      .reply(200, v3SessionBody({ session_id: 'devin-9', status: 'new' }))
    const { session } = await v3.create(everyField, deadline)
    expect(sent).toEqual(expected)
    expect(session).toMatchObject({ id: 'devin-9', url: 'https://app.devin.ai/sessions/devin-9', status: 'new', pullRequests: [] })
    expect(scope.isDone()).toBe(true)
  })

  it('builds a body that the official v3 create-session schema accepts', () => {
    const schema = JSON.parse(readFileSync(new URL('../../emulator/schemas/v3-create-session.json', import.meta.url), 'utf8')) as object
    const validate = createAjv().compile(schema)
    const { api: v3 } = api()
    const body = v3.describeCreate(everyField).body
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
    expect(Object.keys(body)).toHaveLength(19)
  })

  it('sends only the prompt and tags when nothing else is set', async () => {
    const { api: v3 } = api()
    expect(v3.describeCreate({ prompt: 'p', tags: ['t'] })).toEqual({ method: 'POST', url: `${BASE}${SESSIONS}`, body: { prompt: 'p', tags: ['t'] } })
  })

  it('maps a full SessionResponse to the session model', () => {
    expect(
      v3Session(
        v3SessionBody({
          session_id: 'devin-1',
          status: 'running',
          status_detail: 'finished',
          acus_consumed: 2.5,
          pull_requests: [
            { pr_url: 'https://github.com/o/r/pull/1', pr_state: 'open' },
            { pr_url: 'https://github.com/o/r/pull/2', pr_state: null }
          ],
          structured_output: { ok: true },
          tags: ['a']
        })
      )
    ).toEqual({
      id: 'devin-1',
      url: 'https://app.devin.ai/sessions/devin-1',
      status: 'running',
      statusDetail: 'finished',
      tags: ['a'],
      createdAt: 1_700_000_000,
      updatedAt: 1_700_000_000,
      acusConsumed: 2.5,
      pullRequests: [
        { url: 'https://github.com/o/r/pull/1', state: 'open' },
        { url: 'https://github.com/o/r/pull/2', state: null }
      ],
      structuredOutput: { ok: true },
      isArchived: false
    })
    expect(() => v3Session({ detail: 'nope' })).toThrow('Devin answered with an unexpected body (no session_id or status)')
  })

  it('lists by tag across pages and keeps only exact tag matches', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE)
      .get(SESSIONS)
      .query({ tags: 'idem:abc', first: '100' })
      .reply(200, {
        items: [v3SessionBody({ session_id: 'devin-1', tags: ['idem:abc'] }), v3SessionBody({ session_id: 'devin-x', tags: ['idem:abcdef'] })],
        has_next_page: true,
        end_cursor: 'c1'
      })
      .get(SESSIONS)
      .query({ tags: 'idem:abc', first: '100', after: 'c1' })
      .reply(200, { items: [v3SessionBody({ session_id: 'devin-2', tags: ['x', 'idem:abc'] })], has_next_page: false, end_cursor: null })
    const found = await v3.listByTag('idem:abc', deadline)
    expect(found.map((s) => s.id)).toEqual(['devin-1', 'devin-2'])
    expect(scope.isDone()).toBe(true)
  })

  it('never reads an answer without the list as "no session": a proxy page or cut-off JSON is retried', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE)
      .get(SESSIONS)
      .query(true)
      .reply(200, '<html><body>502 Bad Gateway</body></html>', { 'content-type': 'text/html' })
      .get(SESSIONS)
      .query(true)
      .reply(200, '{"items": [', { 'content-type': 'application/json' })
      .get(SESSIONS)
      .query(true)
      .reply(200, { detail: 'upstream error' })
      .get(SESSIONS)
      .query(true)
      .reply(200, { items: [v3SessionBody({ session_id: 'devin-1', tags: ['idem:abc'] })], has_next_page: false })
    expect((await v3.listByTag('idem:abc', deadline)).map((s) => s.id)).toEqual(['devin-1'])
    expect(scope.isDone()).toBe(true)
  })

  it('stops listing after ten pages even if the API says there are more', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE).get(SESSIONS).query(true).times(10).reply(200, { items: [], has_next_page: true, end_cursor: 'again' })
    expect(await v3.listByTag('t', deadline)).toEqual([])
    expect(scope.isDone()).toBe(true)
  })

  it('lists a whole scope for a budget: the largest pages, created_after in seconds, and the window and tag re-checked on the client', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE)
      .get(SESSIONS)
      .query({ tags: 'gh-repo:42', first: '200', created_after: '1699913600' })
      .reply(200, {
        items: [
          v3SessionBody({ session_id: 'devin-in', tags: ['gh-repo:42'], created_at: 1_699_913_600, acus_consumed: 1.5 }),
          // The server's filter is not trusted: older, or another tag, is left out here.
          v3SessionBody({ session_id: 'devin-old', tags: ['gh-repo:42'], created_at: 1_699_913_599 }),
          v3SessionBody({ session_id: 'devin-other', tags: ['gh-repo:420'], created_at: 1_699_999_999 })
        ],
        has_next_page: true,
        end_cursor: 'c1'
      })
      .get(SESSIONS)
      .query({ tags: 'gh-repo:42', first: '200', created_after: '1699913600', after: 'c1' })
      .reply(200, {
        items: [v3SessionBody({ session_id: 'devin-2', tags: ['gh-repo:42'], created_at: 1_699_999_000 })],
        has_next_page: false,
        end_cursor: null
      })
    const found = await v3.listByTag('gh-repo:42', deadline, { createdAfter: 1_699_913_600, maxPages: 25, whole: true })
    expect(found.map((s) => [s.id, s.acusConsumed])).toEqual([
      ['devin-in', 1.5],
      ['devin-2', 0]
    ])
    expect(scope.isDone()).toBe(true)
  })

  it('refuses a whole list longer than its page bound instead of returning a part of it', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE).get(SESSIONS).query(true).times(3).reply(200, { items: [], has_next_page: true, end_cursor: 'again' })
    await expect(v3.listByTag('gh-repo:42', deadline, { maxPages: 3, whole: true })).rejects.toThrow(
      'more sessions are tagged gh-repo:42 than the action reads in one run (it stopped after 600)'
    )
    expect(scope.isDone()).toBe(true)
  })

  it('gets, messages and terminates a session by its id', async () => {
    const { api: v3, deadline } = api()
    const scope = nock(BASE)
      .get(`${SESSIONS}/devin-1`)
      .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'running', status_detail: 'working' }))
      .post(`${SESSIONS}/devin-1/messages`, { message: 'More work' })
      .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'running' }))
      .delete(`${SESSIONS}/devin-1`)
      .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'exit' }))
    expect((await v3.get('devin-1', deadline)).statusDetail).toBe('working')
    expect((await v3.sendMessage('devin-1', 'More work', deadline))?.id).toBe('devin-1')
    await v3.terminate('devin-1', deadline)
    expect(scope.isDone()).toBe(true)
  })

  it('says which session and organization to check on a 404', async () => {
    const { api: v3, deadline } = api()
    nock(BASE).get(`${SESSIONS}/devin-404`).reply(404, { detail: 'Session not found' })
    await expect(v3.get('devin-404', deadline)).rejects.toThrow(
      'Devin found nothing when trying to read session devin-404 (404 Not Found): Session not found. Check session-id ("devin-404"), org-id ("org-1") and that the session belongs to that organization.'
    )
  })

  it('names the impersonation permission on a 403 for create-as-user-id', async () => {
    const { api: v3, deadline } = api()
    nock(BASE).post(SESSIONS).reply(403, { detail: 'Forbidden' })
    await expect(v3.create({ prompt: 'p', tags: [], createAsUserId: 'u' }, deadline)).rejects.toThrow(
      'The Devin API key is not allowed to create a session (403 Forbidden): Forbidden. Give its service user the ManageOrgSessions and ImpersonateOrgSessions permission in the Devin organization, or use a key that has it.'
    )
  })

  describe('organization discovery', () => {
    it('reads org_id from GET /v3/self', async () => {
      const { http, deadline } = api()
      nock(BASE).get('/v3/self').reply(200, { principal_type: 'service_user', service_user_id: 'su-1', service_user_name: 'ci', org_id: 'org-found' })
      expect(await discoverOrgId(http, deadline)).toBe('org-found')
    })

    it('explains an enterprise service user without an organization', async () => {
      const { http, deadline } = api()
      nock(BASE).get('/v3/self').reply(200, { principal_type: 'service_user', org_id: null })
      await expect(discoverOrgId(http, deadline)).rejects.toThrow(
        'The api-key belongs to no single organization (GET /v3/self returned no org_id, as for an enterprise service user). Set the org-id input to the organization (org-…) the sessions belong in.'
      )
    })
  })
})
