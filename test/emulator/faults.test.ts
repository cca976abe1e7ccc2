import { describe, expect, it } from 'vitest'
import { Faults } from '../../emulator/faults.ts'
import { APK, call, createV3, emulator, SESSIONS } from './helpers.ts'

const CREATE = { method: 'POST', path: /\/sessions$/ }

describe('faults', () => {
  it('drop-before: the client sees a socket error and nothing was created; the next request works', async () => {
    const e = await emulator()
    e.faults.add({ ...CREATE, kind: 'drop-before' })
    await expect(call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })).rejects.toThrow(TypeError)
    expect(e.store.size).toBe(0)
    expect(e.requests.last('POST')).toMatchObject({ fault: 'drop-before', body: { prompt: 'p' } })
    expect(e.requests.last('POST')?.status).toBeUndefined()
    await createV3(e)
    expect(e.store.size).toBe(1)
  })

  it('drop-after: the session really exists (findable by tag) although the client saw a socket error', async () => {
    const e = await emulator()
    e.faults.add({ ...CREATE, kind: 'drop-after' })
    await expect(call(e, 'POST', SESSIONS, { body: { prompt: 'p', tags: ['corr:1'] } })).rejects.toThrow(TypeError)
    expect(e.store.size).toBe(1)
    const found = await call(e, 'GET', `${SESSIONS}?tags=corr:1`)
    expect(found.body.items).toHaveLength(1)
    expect(e.requests.count('POST', SESSIONS)).toBe(1)
  })

  it('status: answers the error without acting, `times` times, with Retry-After', async () => {
    const e = await emulator()
    e.faults.add({ ...CREATE, kind: 'status', status: 503, retryAfter: 2, times: 2 })
    for (let i = 0; i < 2; i++) {
      const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('2')
      expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' })
    }
    expect(e.store.size).toBe(0)
    expect((await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })).status).toBe(200)
    expect(e.faults.pending()).toEqual([])
  })

  it('status with acted: the create is committed, then the error is answered', async () => {
    const e = await emulator()
    e.faults.add({ ...CREATE, kind: 'status', status: 500, acted: true })
    const res = await call(e, 'POST', SESSIONS, { body: { prompt: 'p' } })
    expect(res.status).toBe(500)
    expect(e.store.size).toBe(1)
    expect(e.requests.last()?.status).toBe(500)
  })

  it('status: 429 with an HTTP-date Retry-After; v1 paths get a {detail} body; custom bodies pass through', async () => {
    const e = await emulator()
    e.faults.add({ kind: 'status', status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', path: '^/v1/' })
    const v1 = await call(e, 'GET', '/v1/sessions', { auth: APK })
    expect(v1).toMatchObject({ status: 429, body: { detail: expect.stringContaining('429') } })
    expect(v1.headers.get('retry-after')).toBe('Wed, 21 Oct 2015 07:28:00 GMT')
    e.faults.add({ kind: 'status', status: 502, body: '<html>Bad Gateway</html>' })
    const gw = await call(e, 'GET', '/v3/self')
    expect(gw).toMatchObject({ status: 502, body: '<html>Bad Gateway</html>' })
    expect(gw.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('answer: sends a success status with the text as it is, without acting unless asked to', async () => {
    const e = await emulator({ scenario: 'finished' })
    const { session_id: id } = await createV3(e)
    const path = `${SESSIONS}/${id}`
    e.faults.add({ method: 'GET', path: `${path}$`, kind: 'answer', text: '<html><h1>502 Bad Gateway</h1></html>', contentType: 'text/html' })
    e.faults.add({ method: 'GET', path: `${path}$`, kind: 'answer', text: '{"session_id": "x", "stat' })
    const html = await call(e, 'GET', path)
    expect(html).toMatchObject({ status: 200, body: '<html><h1>502 Bad Gateway</h1></html>' })
    expect(html.headers.get('content-type')).toBe('text/html')
    const cut = await call(e, 'GET', path)
    expect(cut).toMatchObject({ status: 200, body: '{"session_id": "x", "stat' })
    expect(cut.headers.get('content-type')).toBe('application/json')
    // Neither moved the session on: the next real read sees its second state.
    expect(e.store.get(id).step).toBe(0)
    e.faults.add({ method: 'GET', path: `${path}$`, kind: 'answer', text: '{}', status: 203, acted: true })
    expect(await call(e, 'GET', path)).toMatchObject({ status: 203, body: {} })
    expect(e.store.get(id).step).toBe(1)
    expect(e.requests.last()?.fault).toBe('answer')
  })

  it('delay: acts, then answers late enough for a client timeout to fire', async () => {
    const e = await emulator()
    // A timeout a busy machine still meets (tests run side by side): the request reaches the server well within it.
    e.faults.add({ ...CREATE, kind: 'delay', ms: 3_000 })
    const signal = AbortSignal.timeout(1_000)
    await expect(call(e, 'POST', SESSIONS, { body: { prompt: 'p' }, signal })).rejects.toThrow(/abort|timeout/i)
    expect(e.store.size).toBe(1)
  })

  it('delay: a patient client gets the answer after the delay', async () => {
    const e = await emulator()
    e.faults.add({ method: 'GET', path: '/v3/self', kind: 'delay', ms: 30 })
    const started = performance.now()
    expect((await call(e, 'GET', '/v3/self')).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })

  it('matches on method and path only', async () => {
    const e = await emulator()
    e.faults.add({ method: 'GET', path: /\/sessions\/devin-/, kind: 'status', status: 504 })
    const { session_id: id } = await createV3(e)
    expect((await call(e, 'GET', SESSIONS)).status).toBe(200)
    expect((await call(e, 'GET', `${SESSIONS}/${id}`)).status).toBe(504)
    expect((await call(e, 'GET', `${SESSIONS}/${id}`)).status).toBe(200)
  })

  it('refuses malformed fault specs with a message naming the problem', () => {
    const faults = new Faults()
    expect(() => faults.add({ kind: 'explode' } as never)).toThrow(/kind must be one of/)
    expect(() => faults.add({ kind: 'status', status: 503, before: true } as never)).toThrow(/unknown field\(s\) before/)
    expect(() => faults.add({ kind: 'status', status: 200 })).toThrow(/400 to 599/)
    expect(() => faults.add({ kind: 'delay', ms: -1 })).toThrow(/ms from 0/)
    expect(() => faults.add({ kind: 'answer', text: 'x', status: 500 })).toThrow(/200 to 299/)
    expect(() => faults.add({ kind: 'answer' } as never)).toThrow(/needs text/)
    expect(() => faults.add({ kind: 'drop-after', times: 0 })).toThrow(/positive integer/)
    expect(() => faults.add({ kind: 'drop-after', path: '(' })).toThrow(/regular expression/)
    expect(faults.add({ kind: 'drop-after', times: Infinity }).remaining).toBe(Infinity)
  })

  it('takes the oldest matching fault first and can remove one', () => {
    const faults = new Faults()
    const a = faults.add({ kind: 'drop-before', method: 'post' })
    faults.add({ kind: 'drop-after' })
    expect(faults.take('GET', '/x')?.kind).toBe('drop-after')
    expect(faults.remove(a.id)).toBe(true)
    expect(faults.take('POST', '/x')).toBeUndefined()
  })

  it('close() does not wait for a pending delayed answer', async () => {
    const e = await emulator()
    e.faults.add({ kind: 'delay', ms: 10_000 })
    const pending = call(e, 'GET', '/v3/self').catch((error: unknown) => error)
    // Let the request reach the server before closing.
    for (let i = 0; i < 50 && e.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 2))
    const started = performance.now()
    await e.close()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(TypeError)
  })
})
