import { describe, expect, it } from 'vitest'
import { v1StatusEnum } from '../../emulator/views.ts'
import { APK, call, COG, emulator } from './helpers.ts'

const v1 = { auth: APK }

describe('v1 sessions', () => {
  it('creates: {session_id, url}, with is_new_session only when idempotent', async () => {
    const e = await emulator()
    const plain = await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p', snapshot_id: 'snap-1', unlisted: true } })
    expect(plain.status).toBe(200)
    expect(plain.body).toEqual({ session_id: expect.stringMatching(/^devin-/), url: expect.stringContaining('https://app.devin.ai/sessions/') })
    const idem = await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'q', idempotent: true } })
    expect(idem.body.is_new_session).toBe(true)
  })

  it('idempotent: the same prompt as a live session reuses it, whatever the tags; otherwise a new one', async () => {
    const e = await emulator()
    const body = { prompt: 'Review PR 7', tags: ['gh:1', 'repo:x'], idempotent: true }
    const first = await call(e, 'POST', '/v1/sessions', { ...v1, body })
    const again = await call(e, 'POST', '/v1/sessions', { ...v1, body: { ...body, tags: ['gh:2'] } })
    expect(again.body).toEqual({ session_id: first.body.session_id, url: first.body.url, is_new_session: false })
    const otherPrompt = await call(e, 'POST', '/v1/sessions', { ...v1, body: { ...body, prompt: 'Review PR 8' } })
    expect(otherPrompt.body.is_new_session).toBe(true)
    const notIdempotent = await call(e, 'POST', '/v1/sessions', { ...v1, body: { ...body, idempotent: false } })
    expect(notIdempotent.body.session_id).not.toBe(first.body.session_id)
    // Once no live session matches, idempotent creates again.
    await call(e, 'DELETE', `/v1/sessions/${first.body.session_id}`, v1)
    await call(e, 'DELETE', `/v1/sessions/${notIdempotent.body.session_id}`, v1)
    const afterExit = await call(e, 'POST', '/v1/sessions', { ...v1, body })
    expect(afterExit.body.is_new_session).toBe(true)
    expect(e.store.size).toBe(4)
  })

  it('GET maps the lifecycle to status_enum, one state per GET, with ISO dates and one pull_request', async () => {
    const e = await emulator()
    const { session_id: id } = (await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p', tags: ['t'] } })).body
    const seen = []
    for (let i = 0; i < 3; i++) seen.push((await call(e, 'GET', `/v1/sessions/${id}`, v1)).body)
    expect(seen.map((s) => `${s.status}/${s.status_enum}/${s.pull_request?.url ?? '-'}`)).toEqual([
      'running/working/-',
      expect.stringMatching(/^running\/working\/https:\/\/github.com\/.+\/pull\/1$/),
      expect.stringMatching(/^running\/finished\/https:/)
    ])
    const done = seen[2]
    expect(done).toMatchObject({
      session_id: id,
      tags: ['t'],
      structured_output: { summary: expect.any(String), tests_passed: true },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    })
    expect(done.messages.map((m: { type: string }) => m.type)).toEqual(['initial_user_message', 'devin_message'])
  })

  it.each([
    ['waiting_for_user', 'blocked'],
    ['waiting_for_approval', 'blocked'],
    ['error', 'blocked'],
    ['suspended-error', 'suspend_requested'],
    ['suspended:inactivity', 'suspend_requested'],
    ['exit', 'expired'],
    ['unknown-status', null]
  ])('scenario %s ends (2nd GET) as status_enum %s', async (scenario, expected) => {
    const e = await emulator({ scenario })
    const { session_id: id } = (await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p' } })).body
    await call(e, 'GET', `/v1/sessions/${id}`, v1)
    expect((await call(e, 'GET', `/v1/session/${id}`, v1)).body.status_enum).toBe(expected)
  })

  it('maps every v3 status to a v1 status_enum', () => {
    expect(v1StatusEnum('new', null)).toBe('working')
    expect(v1StatusEnum('claimed', null)).toBe('working')
    expect(v1StatusEnum('running', 'working')).toBe('working')
    expect(v1StatusEnum('running', 'finished')).toBe('finished')
    expect(v1StatusEnum('resuming', null)).toBe('resume_requested')
    expect(v1StatusEnum('suspended', 'out_of_quota')).toBe('suspend_requested')
    expect(v1StatusEnum('exit', null)).toBe('expired')
    expect(v1StatusEnum('error', null)).toBe('blocked')
  })

  it('lists {sessions} filtered by tags with limit/offset', async () => {
    const e = await emulator()
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: `p${i}`, tags: ['v1'] } })).body.session_id)
    await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'other' } })
    const all = await call(e, 'GET', '/v1/sessions?tags=v1', v1)
    expect(all.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([ids[2], ids[1], ids[0]])
    expect(all.body.sessions[0]).toHaveProperty('requesting_user_email')
    expect(all.body.sessions[0]).not.toHaveProperty('messages')
    const page = await call(e, 'GET', '/v1/sessions?tags=v1&limit=1&offset=1', v1)
    expect(page.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([ids[1]])
    expect((await call(e, 'GET', '/v1/sessions?limit=0', v1)).status).toBe(422)
  })

  it('message answers null; DELETE answers {detail}; a second DELETE is 400', async () => {
    const e = await emulator({ scenario: 'suspended:inactivity' })
    const { session_id: id } = (await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p' } })).body
    const msg = await call(e, 'POST', `/v1/sessions/${id}/message`, { ...v1, body: { message: 'hello' } })
    expect(msg).toMatchObject({ status: 200, body: null })
    expect((await call(e, 'POST', `/v1/session/${id}/message`, { ...v1, body: { msg: 'x' } })).status).toBe(422)
    const del = await call(e, 'DELETE', `/v1/sessions/${id}`, v1)
    expect(del).toMatchObject({ status: 200, body: { detail: expect.any(String) } })
    expect(await call(e, 'DELETE', `/v1/sessions/${id}`, v1)).toMatchObject({ status: 400, body: { detail: 'Devin session already exited' } })
    expect((await call(e, 'GET', '/v1/sessions/devin-nope', v1)).body).toEqual({ detail: 'Session not found' })
  })

  it('422 with FastAPI detail list for v3-only fields', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p', repos: ['o/r'], devin_mode: 'fast' } })
    expect(res.status).toBe(422)
    expect(res.body.detail.map((d: { loc: string[] }) => d.loc)).toEqual([
      ['body', 'repos'],
      ['body', 'devin_mode']
    ])
  })

  it('accepts apk_ and apk_user_ keys; 403 for cog_ keys; 401 otherwise', async () => {
    const e = await emulator({ forbidden: ['terminate'] })
    expect((await call(e, 'GET', '/v1/sessions', { auth: 'Bearer apk_user_abc' })).status).toBe(200)
    expect((await call(e, 'GET', '/v1/sessions', { auth: COG })).status).toBe(403)
    const none = await call(e, 'GET', '/v1/sessions', { auth: null })
    expect(none).toMatchObject({ status: 401, body: { detail: 'Missing or invalid Authorization header' } })
    expect((await call(e, 'GET', '/v1/sessions', { auth: 'Bearer xyz' })).status).toBe(401)
    expect((await call(e, 'DELETE', '/v1/sessions/devin-x', v1)).status).toBe(403)
  })

  it('can return structured_output as a JSON string, as some v1 deployments do', async () => {
    const e = await emulator({ v1StructuredOutputAsString: true })
    const { session_id: id } = (await call(e, 'POST', '/v1/sessions', { ...v1, body: { prompt: 'p' } })).body
    let last
    for (let i = 0; i < 3; i++) last = (await call(e, 'GET', `/v1/sessions/${id}`, v1)).body
    expect(JSON.parse(last.structured_output)).toMatchObject({ tests_passed: true })
  })
})
