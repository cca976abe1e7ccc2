import { describe, expect, it } from 'vitest'
import { APK, call, COG, createV3, emulator, poll, SESSIONS } from './helpers.ts'

describe('control endpoints and programmatic control', () => {
  it('setScenario changes the lifecycle of sessions created afterwards; unknown names throw', async () => {
    const e = await emulator()
    const before = (await createV3(e)).session_id
    e.setScenario('exit')
    const after = (await createV3(e)).session_id
    expect(await poll(e, before, 2)).toEqual(['running/working', 'running/working'])
    expect(await poll(e, after, 2)).toEqual(['running/working', 'exit/null'])
    expect(() => e.setScenario('nope')).toThrow(/Unknown emulator scenario/)
  })

  it('POST /_emulator/scenario sets the default scenario', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', '/_emulator/scenario', { body: { name: 'error' } })
    expect(res).toMatchObject({ status: 200, body: { scenario: 'error' } })
    const { session_id: id } = await createV3(e)
    expect(await poll(e, id, 2)).toEqual(['running/working', 'error/null'])
    expect((await call(e, 'POST', '/_emulator/scenario', { body: { name: 'nope' } })).status).toBe(400)
    expect((await call(e, 'GET', '/_emulator/scenarios')).body.scenarios).toContainEqual({ name: 'forever-working', description: expect.any(String) })
  })

  it('records requests with masked auth, flat query lists and parsed bodies; control calls are not recorded', async () => {
    const e = await emulator()
    await call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['a'] } })
    await call(e, 'GET', `${SESSIONS}?tags=a&tags=b&first=5`)
    const res = await call(e, 'GET', '/_emulator/requests')
    expect(res.body.requests).toHaveLength(2)
    const [create, list] = res.body.requests
    expect(create).toMatchObject({ method: 'POST', path: SESSIONS, body: { prompt: 'p', tags: ['a'] }, status: 200, at: expect.any(Number) })
    expect(create.headers.authorization).toBe('Bearer ***')
    expect(JSON.stringify(res.body)).not.toContain(COG.slice('Bearer '.length))
    expect(list.query).toEqual({ tags: ['a', 'b'], first: ['5'] })
    expect(e.requests.count('GET', /sessions/)).toBe(1)
    expect(e.requests.count(undefined, '^/v3/')).toBe(2)
    expect(e.requests.filter('post')).toHaveLength(1)
  })

  it('POST /_emulator/faults adds faults from JSON (path as a regex string); GET lists, DELETE clears', async () => {
    const e = await emulator()
    const added = await call(e, 'POST', '/_emulator/faults', { body: { kind: 'status', status: 503, path: 'sessions$', method: 'POST', times: 2 } })
    expect(added.status).toBe(200)
    expect(added.body.faults).toEqual([expect.objectContaining({ kind: 'status', path: 'sessions$', remaining: 2 })])
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })).status).toBe(503)
    expect((await call(e, 'GET', '/_emulator/faults')).body.faults[0].remaining).toBe(1)
    expect((await call(e, 'POST', '/_emulator/faults', { body: [{ kind: 'drop-after' }, { kind: 'nope' }] })).status).toBe(400)
    expect(e.faults.pending()).toHaveLength(1)
    await call(e, 'DELETE', '/_emulator/faults')
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })).status).toBe(200)
  })

  it('POST /_emulator/config sets the list lag, forbidden operations and self org', async () => {
    let t = 5_000_000
    const e = await emulator({ now: () => t })
    const res = await call(e, 'POST', '/_emulator/config', { body: { listLagMs: 1000, forbidden: ['terminate'], selfOrgId: null } })
    expect(res.body).toMatchObject({ listLagMs: 1000, forbidden: ['terminate'], selfOrgId: null })
    const { session_id: id } = await createV3(e, { prompt: 'p', tags: ['t'] })
    expect((await call(e, 'GET', `${SESSIONS}?tags=t`)).body.total).toBe(0)
    t += 1000
    expect((await call(e, 'GET', `${SESSIONS}?tags=t`)).body.total).toBe(1)
    expect((await call(e, 'DELETE', `${SESSIONS}/${id}`)).status).toBe(403)
    expect((await call(e, 'GET', '/v3/self')).body.org_id).toBeNull()
    expect((await call(e, 'POST', '/_emulator/config', { body: { listLagMs: -1 } })).status).toBe(400)
    expect((await call(e, 'POST', '/_emulator/config', { body: { colour: 'red' } })).body.error).toMatch(/unknown config field/)
    expect((await call(e, 'POST', '/_emulator/config', { body: { orgId: 'org-2' } })).status).toBe(400)
  })

  it('POST /_emulator/reset clears sessions, requests and faults and restores the initial configuration', async () => {
    const e = await emulator({ scenario: 'exit', listLagMs: 0 })
    await createV3(e)
    e.setScenario('error')
    e.configure({ listLagMs: 50, forbidden: ['create'] })
    e.faults.add({ kind: 'drop-before' })
    expect((await call(e, 'POST', '/_emulator/reset')).status).toBe(200)
    expect(e.store.size).toBe(0)
    expect(e.requests.length).toBe(0)
    expect(e.faults.pending()).toEqual([])
    expect(e.config.scenario).toBe('exit')
    expect(e.config.forbidden.size).toBe(0)
    expect(e.store.listLagMs).toBe(0)
  })

  it('answers 404 for unknown paths and control endpoints', async () => {
    const e = await emulator()
    expect((await call(e, 'GET', '/v2/sessions')).status).toBe(404)
    expect((await call(e, 'GET', '/_emulator/nothing')).status).toBe(404)
  })

  it('listens on 127.0.0.1 only and refuses unknown options', async () => {
    const e = await emulator()
    expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await expect(emulator({ scenario: 'nope' })).rejects.toThrow(/Unknown emulator scenario/)
    await expect(emulator({ colour: 'red' } as never)).rejects.toThrow(/unknown config field/)
  })

  it('POST /_emulator/sessions seeds sessions that v3 and v1 lists show with their ACUs', async () => {
    const e = await emulator()
    const res = await call(e, 'POST', '/_emulator/sessions', { body: [{ tags: ['gh-repo:7'], acus_consumed: 4.5 }, { tags: ['gh-repo:7'] }] })
    expect(res.status).toBe(200)
    expect(res.body.sessions).toHaveLength(2)
    const v3 = await call(e, 'GET', `${SESSIONS}?tags=gh-repo:7`)
    expect(v3.body.items.map((s: { acus_consumed: number }) => s.acus_consumed)).toEqual([0, 4.5])
    const v1 = await call(e, 'GET', '/v1/sessions?tags=gh-repo:7&limit=1&offset=1', { auth: APK })
    expect(v1.body.sessions.map((s: { acus_consumed: number }) => s.acus_consumed)).toEqual([4.5])
    expect((await call(e, 'POST', '/_emulator/sessions', { body: [{ created_at: 'yesterday' }] })).status).toBe(400)
  })
})
