import { describe, expect, it } from 'vitest'
import { getScenario } from '../../emulator/lifecycle.ts'
import { Store, StoreError } from '../../emulator/store.ts'

function clock(start = 1_700_000_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

function newStore(options: { listLagMs?: number } = {}) {
  const c = clock()
  return { store: new Store({ orgId: 'org-test', now: c.now, ...options }), clock: c }
}

const finished = getScenario('finished')

describe('Store', () => {
  it('creates a session with a devin- id, its url, epoch-second times and the prompt as first message', () => {
    const { store } = newStore()
    const body = { prompt: 'Fix it', tags: ['a', 'b'], title: 'T', repos: ['o/r'] }
    const s = store.create({ apiVersion: 'v3', body, scenario: finished })
    expect(s.session_id).toMatch(/^devin-[0-9a-f]{32}$/)
    expect(s.url).toBe(`https://app.devin.ai/sessions/${s.session_id}`)
    expect(s).toMatchObject({
      status: 'new',
      status_detail: null,
      tags: ['a', 'b'],
      title: 'T',
      org_id: 'org-test',
      created_at: 1_700_000_000,
      updated_at: 1_700_000_000,
      acus_consumed: 0,
      pull_requests: [],
      structured_output: null,
      api_version: 'v3',
      scenario: 'finished',
      body
    })
    expect(s.messages).toEqual([expect.objectContaining({ source: 'user', message: 'Fix it', created_at: 1_700_000_000 })])
  })

  it('returns copies: changing a returned session changes nothing inside', () => {
    const { store } = newStore()
    const s = store.create({ apiVersion: 'v3', body: { prompt: 'p', tags: ['x'] }, scenario: finished })
    s.tags.push('injected')
    s.status = 'exit'
    expect(store.get(s.session_id)).toMatchObject({ tags: ['x'], status: 'new' })
  })

  it('advances one scripted state per call and stays at the last one', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    const seen = Array.from({ length: 5 }, () => {
      const s = store.advance(id)
      return `${s.status}/${s.status_detail}/${s.pull_requests.length}`
    })
    expect(seen).toEqual(['running/working/0', 'running/working/1', 'running/finished/1', 'running/finished/1', 'running/finished/1'])
    expect(store.get(id).structured_output).toEqual({ summary: expect.any(String), tests_passed: true })
  })

  it('terminates to exit, stops the script, and refuses a second terminate', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    expect(store.terminate(id, { archive: true })).toMatchObject({ status: 'exit', is_archived: true })
    expect(store.advance(id).status).toBe('exit')
    expect(() => store.terminate(id)).toThrow(new StoreError('already_exited', 'Devin session already exited'))
  })

  it('reports an unknown id as not_found', () => {
    const { store } = newStore()
    expect(() => store.get('devin-nope')).toThrow(expect.objectContaining({ code: 'not_found' }))
  })

  it('lists newest first, filtering on ALL given tags by exact match', () => {
    const { store, clock: c } = newStore()
    const make = (tags: string[]) => {
      c.advance(10)
      return store.create({ apiVersion: 'v3', body: { prompt: 'p', tags }, scenario: finished }).session_id
    }
    const ab = make(['a', 'b'])
    const a = make(['a'])
    make(['ab'])
    const abc = make(['a', 'b', 'c'])
    expect(store.list({ tags: ['a'] }).items.map((s) => s.session_id)).toEqual([abc, a, ab])
    expect(store.list({ tags: ['a', 'b'] }).items.map((s) => s.session_id)).toEqual([abc, ab])
    expect(store.list({ tags: ['b', 'zzz'] }).items).toEqual([])
    expect(store.list().total).toBe(4)
  })

  it('pages with first/after until has_next_page is false, end_cursor null on the last page', () => {
    const { store } = newStore()
    const ids = Array.from({ length: 5 }, () => store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id)
    const seen: string[] = []
    let after: string | null = null
    const pages: number[] = []
    for (let i = 0; i < 10; i++) {
      const page = store.list({ first: 2, after })
      pages.push(page.items.length)
      seen.push(...page.items.map((s) => s.session_id))
      expect(page.total).toBe(5)
      if (!page.has_next_page) {
        expect(page.end_cursor).toBeNull()
        break
      }
      after = page.end_cursor
    }
    expect(pages).toEqual([2, 2, 1])
    expect(seen).toEqual([...ids].reverse())
  })

  it('rejects a page size outside 1..200 and a cursor it did not issue', () => {
    const { store } = newStore()
    expect(() => store.list({ first: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => store.list({ first: 201 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    expect(() => store.list({ after: 'garbage' })).toThrow(expect.objectContaining({ code: 'invalid_cursor' }))
    expect(store.list({ first: 200 }).items).toEqual([])
  })

  it('hides a new session from list results for listLagMs, but not from get', () => {
    const { store, clock: c } = newStore({ listLagMs: 1000 })
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p', tags: ['t'] }, scenario: finished }).session_id
    expect(store.list({ tags: ['t'] })).toMatchObject({ items: [], total: 0 })
    expect(store.get(id).session_id).toBe(id)
    c.advance(999)
    expect(store.list({ tags: ['t'] }).items).toHaveLength(0)
    c.advance(1)
    expect(store.list({ tags: ['t'] }).items.map((s) => s.session_id)).toEqual([id])
    store.listLagMs = 0
    expect(() => (store.listLagMs = -1)).toThrow(StoreError)
  })

  it('filters on archive state, ids and creation time (inclusive seconds)', () => {
    const { store, clock: c } = newStore()
    const first = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    c.advance(5000)
    const second = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    store.terminate(first, { archive: true })
    const ids = (q: Parameters<Store['query']>[0]) => store.query(q).map((s) => s.session_id)
    expect(ids({ isArchived: false })).toEqual([second])
    expect(ids({ isArchived: true })).toEqual([first])
    expect(ids({ sessionIds: [first] })).toEqual([first])
    expect(ids({ createdAfter: 1_700_000_005 })).toEqual([second])
    expect(ids({ createdBefore: 1_700_000_000 })).toEqual([first])
  })

  it('resumes a suspended session on a message and follows the scenario afterMessage script', () => {
    const { store } = newStore()
    const scenario = getScenario('suspended:inactivity')
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario }).session_id
    store.advance(id)
    expect(store.advance(id)).toMatchObject({ status: 'suspended', status_detail: 'inactivity' })
    expect(store.sendMessage(id, 'wake up')).toMatchObject({ status: 'running', status_detail: 'working' })
    expect(store.advance(id)).toMatchObject({ status: 'running', status_detail: 'finished' })
    const texts = store.get(id).messages.map((m) => `${m.source}:${m.message}`)
    expect(texts).toEqual(['user:p', 'user:wake up', 'devin:Done with your follow-up.'])
  })

  it('refuses a message to an exited session', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    store.terminate(id)
    expect(() => store.sendMessage(id, 'hello')).toThrow('Devin session already exited')
  })

  it('pages messages chronologically', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p0' }, scenario: getScenario('forever-working') }).session_id
    for (let i = 1; i <= 4; i++) store.sendMessage(id, `p${i}`)
    const first = store.messages(id, { first: 3 })
    expect(first.items.map((m) => m.message)).toEqual(['p0', 'p1', 'p2'])
    expect(first.has_next_page).toBe(true)
    const rest = store.messages(id, { first: 3, after: first.end_cursor })
    expect(rest).toMatchObject({ has_next_page: false, end_cursor: null, total: 5 })
    expect(rest.items.map((m) => m.message)).toEqual(['p3', 'p4'])
    expect(() => store.messages(id, { after: 'bad' })).toThrow(StoreError)
  })

  it('finds a live session with the same prompt, whatever its tags, for v1 idempotency', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v1', body: { prompt: 'p', tags: ['a', 'b'] }, scenario: finished }).session_id
    expect(store.findReusable('p')?.session_id).toBe(id)
    expect(store.findReusable('other')).toBeUndefined()
    store.terminate(id)
    expect(store.findReusable('p')).toBeUndefined()
  })

  it('applies a forced state outside the script', () => {
    const { store } = newStore()
    const id = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    store.apply(id, { status: 'suspended', status_detail: 'payment_declined', acus_consumed: 9 })
    expect(store.get(id)).toMatchObject({ status: 'suspended', status_detail: 'payment_declined', acus_consumed: 9 })
  })

  it("grows ACUs along the lifecycle, never past the session's max_acu_limit", () => {
    const { store } = newStore()
    const free = store.create({ apiVersion: 'v3', body: { prompt: 'p' }, scenario: finished }).session_id
    const capped = store.create({ apiVersion: 'v3', body: { prompt: 'p', max_acu_limit: 1 }, scenario: finished }).session_id
    const grown = (id: string) => [1, 2, 3].map(() => store.advance(id).acus_consumed)
    expect(grown(free)).toEqual([0.5, 1.5, 2.25])
    expect(grown(capped)).toEqual([0.5, 1, 1])
  })

  it('seeds sessions as they stand, listed at once whatever the lag, filtered by tags and created_after, and paged', () => {
    const { store } = newStore({ listLagMs: 60_000 })
    const seeded = store.seed([
      { tags: ['gh-repo:1', 'gh-user:1/mona'], acus_consumed: 2.5, created_at: 1_699_000_000 },
      { tags: ['gh-repo:1'], status: 'exit', status_detail: null },
      { tags: ['gh-repo:1'], acus_consumed: 1 }
    ])
    expect(seeded[0]).toMatchObject({ status: 'running', status_detail: 'working', acus_consumed: 2.5, created_at: 1_699_000_000, scenario: 'seeded' })
    expect(store.query({ tags: ['gh-repo:1'] })).toHaveLength(3)
    expect(store.query({ tags: ['gh-repo:1', 'gh-user:1/mona'] }).map((s) => s.session_id)).toEqual([seeded[0]?.session_id])
    expect(store.query({ tags: ['gh-repo:1'], createdAfter: 1_700_000_000 })).toHaveLength(2)
    const page = store.list({ tags: ['gh-repo:1'], first: 2 })
    expect(page).toMatchObject({ has_next_page: true, total: 3 })
    expect(store.list({ tags: ['gh-repo:1'], first: 2, after: page.end_cursor }).items.map((s) => s.session_id)).toEqual([seeded[0]?.session_id])
    // A seeded session does not move on a GET.
    expect(store.advance(seeded[2]?.session_id as string)).toMatchObject({ status: 'running', acus_consumed: 1 })
    expect(() => store.seed([{ acus_consumed: -1 }])).toThrow(StoreError)
  })
})
