import { describe, expect, it } from 'vitest'
import { APK, call, COG, createV3, emulator, ORG, poll, SESSIONS } from './helpers.ts'

const REQUIRED = ['session_id', 'url', 'status', 'tags', 'org_id', 'created_at', 'updated_at', 'acus_consumed', 'pull_requests']

describe('v3 sessions', () => {
  it('creates a session: a SessionResponse with status_detail, structured_output and pull_requests empty', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'Fix the flaky test', tags: ['a'], title: 'Flaky' } })
    expect(res.status).toBe(200)
    for (const key of REQUIRED) expect(res.body).toHaveProperty(key)
    expect(res.body).toMatchObject({
      status: 'new',
      status_detail: null,
      structured_output: null,
      pull_requests: [],
      tags: ['a'],
      org_id: ORG,
      title: 'Flaky',
      url: `https://app.devin.ai/sessions/${res.body.session_id}`
    })
    expect(res.body.session_id).toMatch(/^devin-[0-9a-f]+$/)
    expect(Number.isInteger(res.body.created_at)).toBe(true)
    expect(e.store.get(res.body.session_id).body).toEqual({ prompt: 'Fix the flaky test', tags: ['a'], title: 'Flaky' })
  })

  it('advances the lifecycle one state per GET (finished scenario)', async () => {
    const e = await emulator()
    const { session_id: id } = await createV3(e)
    expect(await poll(e, id, 4)).toEqual(['running/working', 'running/working', 'running/finished', 'running/finished'])
    const last = await call(e, 'GET', `${SESSIONS}/${id}`)
    expect(last.body.pull_requests).toEqual([{ pr_url: expect.stringContaining('/pull/'), pr_state: 'open' }])
    expect(last.body.structured_output).toEqual({ summary: expect.any(String), tests_passed: true })
    expect(last.body.acus_consumed).toBeGreaterThan(0)
  })

  it("opens its pull request in the first of the session's repos, and says so in its message", async () => {
    const e = await emulator()
    const { session_id: id } = await createV3(e, { prompt: 'Review #2', repos: ['Codertocat/Hello-World', 'Codertocat/other'] })
    await poll(e, id, 3)
    const last = await call(e, 'GET', `${SESSIONS}/${id}`)
    expect(last.body.pull_requests).toEqual([{ pr_url: 'https://github.com/Codertocat/Hello-World/pull/1', pr_state: 'open' }])
    const messages = await call(e, 'GET', `${SESSIONS}/${id}/messages?first=10`)
    expect(JSON.stringify(messages.body)).toContain('I opened https://github.com/Codertocat/Hello-World/pull/1')
    expect(JSON.stringify(messages.body)).not.toContain('emulator-org')
  })

  it.each([
    ['waiting_for_user', ['running/working', 'running/waiting_for_user', 'running/waiting_for_user']],
    ['waiting_for_approval', ['running/working', 'running/waiting_for_approval', 'running/waiting_for_approval']],
    ['error', ['running/working', 'error/null', 'error/null']],
    ['suspended-error', ['running/working', 'suspended/error', 'suspended/error']],
    ['suspended:out_of_credits', ['running/working', 'suspended/out_of_credits', 'suspended/out_of_credits']],
    ['exit', ['running/working', 'exit/null', 'exit/null']],
    ['unknown-status', ['running/working', 'hibernating/defragmenting_vm', 'running/finished']],
    ['forever-working', ['running/working', 'running/working', 'running/working']]
  ])('scenario %s (chosen by tag) goes %j', async (scenario, expected) => {
    const e = await emulator()
    const { session_id: id } = await createV3(e, { prompt: 'p', tags: [`emulator-scenario:${scenario}`] })
    expect(await poll(e, id, 3)).toEqual(expected)
  })

  it('pull-request-midway: the PR shows up while the session keeps working', async () => {
    const e = await emulator({ scenario: 'pull-request-midway' })
    const { session_id: id } = await createV3(e)
    const states = []
    for (let i = 0; i < 4; i++) states.push((await call(e, 'GET', `${SESSIONS}/${id}`)).body)
    expect(states.map((s) => `${s.status_detail}:${s.pull_requests.length}`)).toEqual(['working:0', 'working:1', 'working:1', 'working:1'])
  })

  it('lists with repeated tags (AND), newest first, paging with first/after', async () => {
    const e = await emulator()
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await createV3(e, { prompt: `p${i}`, tags: ['x', 'y'] })).session_id)
    await createV3(e, { prompt: 'other', tags: ['x'] })
    const page1 = await call(e, 'GET', `${SESSIONS}?tags=x&tags=y&first=2`)
    expect(page1.status).toBe(200)
    expect(page1.body).toMatchObject({ has_next_page: true, total: 3 })
    expect(page1.body.items.map((s: { session_id: string }) => s.session_id)).toEqual([ids[2], ids[1]])
    const page2 = await call(e, 'GET', `${SESSIONS}?tags=x&tags=y&first=2&after=${encodeURIComponent(page1.body.end_cursor)}`)
    expect(page2.body).toMatchObject({ has_next_page: false, end_cursor: null })
    expect(page2.body.items.map((s: { session_id: string }) => s.session_id)).toEqual([ids[0]])
    // LIST fills in status_detail, unlike create.
    expect(page2.body.items[0].status_detail).toBeNull()
    expect((await call(e, 'GET', `${SESSIONS}?tags=x`)).body.total).toBe(4)
  })

  it('rejects a bad page size with 422 naming the query parameter, and a bad cursor with 400', async () => {
    const e = await emulator()
    const res = await call(e, 'GET', `${SESSIONS}?first=0`)
    expect(res.status).toBe(422)
    expect(res.body.errors).toEqual([expect.objectContaining({ loc: ['query', 'first'] })])
    expect((await call(e, 'GET', `${SESSIONS}?first=201`)).status).toBe(422)
    expect((await call(e, 'GET', `${SESSIONS}?after=nonsense`)).status).toBe(400)
  })

  it('hides new sessions from list results during the list lag', async () => {
    let t = 1_000_000
    const e = await emulator({ listLagMs: 500, now: () => t })
    await createV3(e, { prompt: 'p', tags: ['lag'] })
    expect((await call(e, 'GET', `${SESSIONS}?tags=lag`)).body).toMatchObject({ items: [], total: 0 })
    t += 500
    expect((await call(e, 'GET', `${SESSIONS}?tags=lag`)).body.total).toBe(1)
  })

  it('sends a message (SessionResponse back) and lists messages in order', async () => {
    const e = await emulator({ scenario: 'waiting_for_user' })
    const { session_id: id } = await createV3(e, { prompt: 'Do the thing' })
    await poll(e, id, 2)
    const sent = await call(e, 'POST', `${SESSIONS}/${id}/messages`, { body: { message: 'Use main' } })
    expect(sent.status).toBe(200)
    expect(sent.body).toMatchObject({ session_id: id, status: 'running', status_detail: null })
    expect(await poll(e, id, 1)).toEqual(['running/finished'])
    const list = await call(e, 'GET', `${SESSIONS}/${id}/messages?first=10`)
    expect(list.status).toBe(200)
    expect(list.body.items.map((m: { source: string }) => m.source)).toEqual(['user', 'devin', 'user', 'devin'])
    expect(list.body.items[2]).toEqual({ event_id: expect.any(String), source: 'user', message: 'Use main', created_at: expect.any(Number) })
    expect((await call(e, 'POST', `${SESSIONS}/${id}/messages`, { body: { text: 'x' } })).status).toBe(422)
  })

  it('terminates with DELETE, and a second DELETE is 400 "Devin session already exited"', async () => {
    const e = await emulator()
    const { session_id: id } = await createV3(e)
    const first = await call(e, 'DELETE', `${SESSIONS}/${id}`)
    expect(first.status).toBe(200)
    expect(first.body.status).toBe('exit')
    const second = await call(e, 'DELETE', `${SESSIONS}/${id}`)
    expect(second.status).toBe(400)
    expect(second.body).toMatchObject({ status: 400, detail: 'Devin session already exited' })
    expect(await poll(e, id, 1)).toEqual(['exit/null'])
  })

  it('answers 404 ProblemDetails for an unknown org or session, 405 for a wrong method', async () => {
    const e = await emulator()
    const org = await call(e, 'GET', '/v3/organizations/org-other/sessions')
    expect(org.status).toBe(404)
    expect(org.headers.get('content-type')).toBe('application/problem+json')
    expect(org.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, instance: '/v3/organizations/org-other/sessions' })
    expect((await call(e, 'GET', `${SESSIONS}/devin-missing`)).status).toBe(404)
    expect((await call(e, 'PUT', `${SESSIONS}`)).status).toBe(405)
  })

  it('GET /v3/self describes the service user; org_id may be null (enterprise)', async () => {
    const e = await emulator({ orgId: 'org-abc' })
    expect((await call(e, 'GET', '/v3/self')).body).toEqual({
      principal_type: 'service_user',
      service_user_id: 'service-user-emulator',
      service_user_name: 'Devin API emulator',
      org_id: 'org-abc'
    })
    e.configure({ selfOrgId: null })
    expect((await call(e, 'GET', '/v3/self')).body.org_id).toBeNull()
  })

  it('rejects bodies with unknown or mistyped fields with a 422 ProblemDetail', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p', idempotent: true, max_acu_limit: 'x' } })
    expect(res.status).toBe(422)
    expect(res.body).toMatchObject({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: expect.stringContaining('idempotent') })
    expect(res.body.errors).toEqual([
      { loc: ['body', 'idempotent'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
      { loc: ['body', 'max_acu_limit'], msg: 'Input should be a valid integer', type: 'int_type' }
    ])
    expect((await call(e, 'POST', SESSIONS, { raw: '{not json' })).body.errors[0].type).toBe('json_invalid')
    expect((await call(e, 'POST', SESSIONS)).body.errors[0]).toMatchObject({ loc: ['body'], type: 'missing' })
    expect(e.store.size).toBe(0)
  })

  it('rejects an unknown platform with a 400 listing the platforms', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p', platform: 'amiga' } })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/linux, windows/)
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p', platform: 'Windows' } })).status).toBe(200)
  })

  it('refuses a create with a tag outside the allow-list, naming the tags, on v3 and v1', async () => {
    const e = await emulator({ allowedTags: ['idem:*', 'team'] })
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['idem:1', 'team', 'gh-repo:42', 'gh-user:42/mona'] } })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      status: 400,
      detail: "Tag validation failed: tags 'gh-repo:42', 'gh-user:42/mona' are not in your enterprise's list of allowed tags"
    })
    const v1 = await call(e, 'POST', '/v1/sessions', { auth: APK, body: { prompt: 'p', tags: ['teams'] } })
    expect(v1).toMatchObject({ status: 400, body: { detail: "Tag validation failed: tag 'teams' is not in your enterprise's list of allowed tags" } })
    expect(e.store.size).toBe(0)
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['idem:2', 'team'] } })).status).toBe(200)
    // Over the control endpoint too; null lifts the list.
    await call(e, 'POST', '/_emulator/config', { body: { allowedTags: null } })
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['gh-repo:42'] } })).status).toBe(200)
  })

  it('rejects an unknown emulator-scenario tag', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['emulator-scenario:nope'] } })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/Unknown emulator scenario 'nope'/)
  })
})

describe('v3 auth and permissions', () => {
  it.each([
    ['no header', null],
    ['an apk_ key', APK],
    ['a bare cog_ prefix', 'Bearer cog_'],
    ['a key without Bearer', 'cog_abc']
  ])('401 for %s', async (_label, auth) => {
    const e = await emulator()
    const res = await call(e, 'GET', '/v3/self', { auth })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' })
  })

  it('accepts only the configured keys when apiKeys is set', async () => {
    const e = await emulator({ apiKeys: ['cog_good'] })
    expect((await call(e, 'GET', '/v3/self', { auth: 'Bearer cog_good' })).status).toBe(200)
    expect((await call(e, 'GET', '/v3/self', { auth: COG })).status).toBe(401)
  })

  it('403 names the missing permission for a forbidden operation', async () => {
    const e = await emulator({ forbidden: ['create'] })
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })
    expect(res.status).toBe(403)
    expect(res.body.detail).toMatch(/ManageOrgSessions/)
    expect((await call(e, 'GET', SESSIONS)).status).toBe(200)
    e.configure({ forbidden: ['list'] })
    expect((await call(e, 'GET', SESSIONS)).body.detail).toMatch(/ViewOrgSessions/)
  })
})

describe('v3beta1', () => {
  const BETA = `/v3beta1/organizations/${ORG}/sessions`

  it('creates with advanced_mode, omits status_detail, and rejects v3-only fields', async () => {
    const e = await emulator({ scenario: 'waiting_for_user' })
    const created = await call(e, 'POST', BETA, { body: { prompt: 'p', advanced_mode: 'analyze', session_links: ['https://app.devin.ai/sessions/x'] } })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({ is_advanced: true, status: 'new' })
    expect(created.body).not.toHaveProperty('status_detail')
    const id = created.body.session_id
    const got = await call(e, 'GET', `${BETA}/${id}`)
    expect(got.body).toMatchObject({ session_id: id, status: 'running' })
    expect(got.body).not.toHaveProperty('status_detail')
    const bad = await call(e, 'POST', BETA, { body: { prompt: 'p', devin_mode: 'fast' } })
    expect(bad.status).toBe(422)
    expect(bad.body.errors[0].loc).toEqual(['body', 'devin_mode'])
  })

  it('returns status_detail when configured to, and serves list, messages and terminate', async () => {
    const e = await emulator({ v3beta1StatusDetail: true })
    const { session_id: id } = (await call(e, 'POST', BETA, { body: { prompt: 'p', tags: ['b'] } })).body
    expect((await call(e, 'GET', `${BETA}/${id}`)).body.status_detail).toBe('working')
    expect((await call(e, 'GET', `${BETA}?tags=b`)).body.items).toHaveLength(1)
    expect((await call(e, 'POST', `${BETA}/${id}/messages`, { body: { message: 'hi' } })).status).toBe(200)
    expect((await call(e, 'GET', `${BETA}/${id}/messages`)).body.total).toBe(2)
    expect((await call(e, 'DELETE', `${BETA}/${id}`)).body.status).toBe('exit')
    expect((await call(e, 'GET', '/v3beta1/self')).status).toBe(404)
    expect((await call(e, 'GET', BETA, { auth: APK })).status).toBe(401)
  })
})
