import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openSession } from '../../src/devin/open.js'
import { classifySession } from '../../src/devin/session.js'
import { createV1Api, v1Session } from '../../src/devin/v1.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'

const BASE = 'https://api.devin.test'
const KEY = 'apk_user_TestKey0123456789'

function api() {
  const clock = fakeClock()
  const http = testHttp(BASE, KEY, clock)
  return { v1: createV1Api(http), clock, deadline: clock.now() + 60_000 }
}

function v1Body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: 'devin-abc',
    status: 'running',
    status_enum: 'working',
    created_at: '2026-11-23T10:00:00Z',
    updated_at: '2026-11-23T10:05:00Z',
    tags: [],
    pull_request: null,
    structured_output: null,
    ...overrides
  }
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('v1 adapter', () => {
  it('creates without idempotent (runs that share a prompt stay apart), with the tags and every v1 field, in a body the official v1 schema accepts', async () => {
    const { v1, deadline } = api()
    let sent: Record<string, unknown> = {}
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` } })
      .post('/v1/sessions', (body: Record<string, unknown>) => {
        sent = body
        return true
      })
      .reply(200, { session_id: 'devin-abc', url: 'https://app.devin.ai/sessions/abc', is_new_session: true })
    const request = {
      prompt: 'Fix it',
      title: 'Fix',
      tags: ['idem:1', 'github:o/r'],
      playbookId: 'pb',
      knowledgeIds: ['k'],
      secretIds: ['s'],
      sessionSecrets: [{ key: 'A', value: 'b' }],
      maxAcuLimit: 3,
      structuredOutputSchema: { type: 'object' },
      snapshotId: 'snap-1',
      unlisted: true
    }
    const created = await v1.create(request, deadline)
    expect(scope.isDone()).toBe(true)
    expect(sent).toEqual({
      prompt: 'Fix it',
      title: 'Fix',
      tags: ['idem:1', 'github:o/r'],
      playbook_id: 'pb',
      knowledge_ids: ['k'],
      secret_ids: ['s'],
      session_secrets: [{ key: 'A', value: 'b', sensitive: true }],
      max_acu_limit: 3,
      structured_output_schema: { type: 'object' },
      snapshot_id: 'snap-1',
      unlisted: true
    })
    const schema = JSON.parse(readFileSync(new URL('../../emulator/schemas/v1-create-session.json', import.meta.url), 'utf8')) as object
    const validate = new Ajv({ strict: false }).compile(schema)
    expect(validate(sent), JSON.stringify(validate.errors)).toBe(true)
    expect(created).toEqual({
      isNew: true,
      session: { id: 'devin-abc', url: 'https://app.devin.ai/sessions/abc', status: 'new', tags: ['idem:1', 'github:o/r'], pullRequests: [], isArchived: false }
    })
  })

  it('reads is_new_session: an existing session is a reuse, and gets the message', async () => {
    const { v1, deadline, clock } = api()
    const scope = nock(BASE)
      .post('/v1/sessions')
      .reply(200, { session_id: 'devin-old', url: 'https://app.devin.ai/sessions/old', is_new_session: false })
      .post('/v1/sessions/devin-old/message', { message: 'More' })
      .reply(200, 'null', { 'content-type': 'application/json' })
    const opened = await openSession(
      v1,
      { kind: 'create', request: { prompt: 'p', tags: ['idem:1'] }, tag: 'idem:1', reuse: false, message: 'More' },
      deadline,
      {
        clock,
        info: () => undefined,
        warning: () => undefined,
        onSession: () => undefined
      }
    )
    expect(opened).toMatchObject({ isNew: false, messageSent: true, session: { id: 'devin-old' } })
    expect(scope.isDone()).toBe(true)
  })

  it('maps status_enum to outcomes and the single pull request to the list', () => {
    const cases: [string | null, string, string, string | undefined][] = [
      ['working', 'running', 'running', 'working'],
      ['blocked', 'blocked', 'running', 'waiting_for_user'],
      ['finished', 'finished', 'running', 'finished'],
      ['expired', 'exited', 'exit', undefined],
      ['suspend_requested', 'running', 'running', 'suspend_requested'],
      ['suspend_requested_frontend', 'running', 'running', 'suspend_requested_frontend'],
      ['resume_requested', 'running', 'running', 'resume_requested'],
      ['resume_requested_frontend', 'running', 'running', 'resume_requested_frontend'],
      ['resumed', 'running', 'running', 'resumed'],
      [null, 'running', 'running', undefined]
    ]
    for (const [statusEnum, outcome, status, detail] of cases) {
      const session = v1Session(v1Body({ status_enum: statusEnum }))
      expect([session.status, session.statusDetail, classifySession(session)], String(statusEnum)).toEqual([status, detail, outcome])
    }
    // v1's free-text status names an end that status_enum has no value for: it wins, as on v3.
    for (const [status, statusEnum, outcome] of [
      ['error', 'blocked', 'error'],
      ['suspended', 'suspend_requested', 'suspended'],
      ['exit', 'expired', 'exited']
    ] as const) {
      const session = v1Session(v1Body({ status, status_enum: statusEnum }))
      expect([session.status, classifySession(session)], status).toEqual([status, outcome])
    }
    const done = v1Session(v1Body({ status_enum: 'finished', pull_request: { url: 'https://github.com/o/r/pull/3' }, structured_output: '{"ok":true}' }))
    expect(done).toMatchObject({
      url: 'https://app.devin.ai/sessions/abc',
      pullRequests: [{ url: 'https://github.com/o/r/pull/3', state: null }],
      structuredOutput: { ok: true },
      createdAt: 1_795_428_000
    })
  })

  it('gets, lists by tag with offsets, messages and ends sessions', async () => {
    const { v1, deadline } = api()
    const page = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => v1Body({ session_id: `devin-${tag}-${i}`, tags: i === 0 ? ['idem:1'] : ['other'] }))
    const scope = nock(BASE)
      .get('/v1/sessions/devin-abc')
      .reply(200, v1Body({ status_enum: 'blocked' }))
      .get('/v1/sessions')
      .query({ tags: 'idem:1', limit: '100', offset: '0' })
      .reply(200, { sessions: page(100, 'a') })
      .get('/v1/sessions')
      .query({ tags: 'idem:1', limit: '100', offset: '100' })
      .reply(200, { sessions: page(3, 'b') })
      .post('/v1/sessions/devin-abc/message', { message: 'hi' })
      .reply(200, 'null', { 'content-type': 'application/json' })
      .delete('/v1/sessions/devin-abc')
      .reply(200, { detail: 'Session terminated' })
    expect(classifySession(await v1.get('devin-abc', deadline))).toBe('blocked')
    expect((await v1.listByTag('idem:1', deadline)).map((s) => s.id)).toEqual(['devin-a-0', 'devin-b-0'])
    expect(await v1.sendMessage('devin-abc', 'hi', deadline)).toBeUndefined()
    expect(await v1.terminate('devin-abc', deadline)).toBeUndefined()
    expect(scope.isDone()).toBe(true)
  })

  it('lists a whole scope with limit and offset, reads acus_consumed, and applies the window on the client (v1 has no created_after)', async () => {
    const { v1, deadline } = api()
    const created = Date.parse('2026-11-23T10:00:00Z') / 1_000
    const full = Array.from({ length: 100 }, (_, i) => v1Body({ session_id: `devin-p1-${i}`, tags: ['gh-repo:42'], acus_consumed: 0.5 }))
    const scope = nock(BASE)
      .get('/v1/sessions')
      .query({ tags: 'gh-repo:42', limit: '100', offset: '0' })
      .reply(200, { sessions: full })
      .get('/v1/sessions')
      .query({ tags: 'gh-repo:42', limit: '100', offset: '100' })
      .reply(200, { sessions: [v1Body({ session_id: 'devin-old', tags: ['gh-repo:42'], created_at: '2026-11-23T09:59:59Z', acus_consumed: 9 })] })
    const found = await v1.listByTag('gh-repo:42', deadline, { createdAfter: created, maxPages: 25, whole: true })
    expect(found).toHaveLength(100)
    expect(found.every((s) => s.acusConsumed === 0.5)).toBe(true)
    expect(scope.isDone()).toBe(true)

    nock(BASE).get('/v1/sessions').query(true).times(2).reply(200, { sessions: full })
    await expect(v1.listByTag('gh-repo:42', deadline, { maxPages: 2, whole: true })).rejects.toThrow('(it stopped after 200)')
  })

  it('never reads a list answer without "sessions" as "no session", and retries it', async () => {
    const { v1, deadline } = api()
    const scope = nock(BASE)
      .get('/v1/sessions')
      .query(true)
      .reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' })
      .get('/v1/sessions')
      .query(true)
      .reply(200, { sessions: [v1Body({ session_id: 'devin-a-0', tags: ['idem:1'] })] })
    expect((await v1.listByTag('idem:1', deadline)).map((s) => s.id)).toEqual(['devin-a-0'])
    expect(scope.isDone()).toBe(true)
  })

  it('says to check the key on a 401, and treats a create answer without a session as one that may have happened', async () => {
    const { v1, deadline } = api()
    nock(BASE).get('/v1/sessions/devin-abc').reply(401, { detail: 'Invalid API key' }).post('/v1/sessions').reply(200, {})
    await expect(v1.get('devin-abc', deadline)).rejects.toThrow(/^Devin did not accept the API key when trying to read session devin-abc \(401 Unauthorized\)/)
    await expect(v1.create({ prompt: 'p', tags: [] }, deadline)).rejects.toMatchObject({ reached: 'maybe' })
  })
})
