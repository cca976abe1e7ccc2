import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type OpenRequest, openSession } from '../../src/devin/open.js'
import { createV3Api } from '../../src/devin/v3.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'
import { v3SessionBody } from '../helpers/devin-fixtures.js'

const BASE = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-1/sessions'
const TAG = 'idem:0123456789abcdef01234567'

function setup() {
  const clock = fakeClock()
  const http = testHttp(BASE, TEST_API_KEY, clock, 0.5)
  const log: string[] = []
  const reported: { id: string; isNew: boolean }[] = []
  const deps = {
    clock,
    info: (m: string) => log.push(`info: ${m}`),
    warning: (m: string) => log.push(`warning: ${m}`),
    onSession: (session: { id: string }, isNew: boolean) => reported.push({ id: session.id, isNew })
  }
  return { api: createV3Api(http, 'org-1'), clock, deps, log, reported, deadline: clock.now() + 180_000 }
}

function create(overrides: Partial<Extract<OpenRequest, { kind: 'create' }>> = {}): OpenRequest {
  return { kind: 'create', request: { prompt: 'Do it', tags: [TAG, 'github:octo/repo'] }, tag: TAG, reuse: false, ...overrides }
}

function listReply(...sessions: Record<string, unknown>[]) {
  return { items: sessions, has_next_page: false, end_cursor: null }
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('openSession', () => {
  it('creates with one request and no look-up when the key is fresh', async () => {
    const { api, deps, deadline, reported } = setup()
    const scope = nock(BASE)
      .post(SESSIONS, { prompt: 'Do it', tags: [TAG, 'github:octo/repo'] })
      .reply(200, v3SessionBody({ session_id: 'devin-new', tags: [TAG] }))
    const opened = await openSession(api, create(), deadline, deps)
    expect(opened).toMatchObject({ isNew: true, messageSent: false, session: { id: 'devin-new' } })
    expect(reported).toEqual([{ id: 'devin-new', isNew: true }])
    expect(scope.isDone()).toBe(true)
  })

  describe('with a user-given idempotency key', () => {
    it('reuses the live session with the tag that every run settles on (the oldest) and sends it the message', async () => {
      const { api, deps, deadline, log } = setup()
      const scope = nock(BASE)
        .get(SESSIONS)
        .query({ tags: TAG, first: '100' })
        .reply(
          200,
          listReply(
            v3SessionBody({ session_id: 'devin-ended', tags: [TAG], status: 'exit', created_at: 1 }),
            v3SessionBody({ session_id: 'devin-newer', tags: [TAG], status: 'running', status_detail: 'finished', created_at: 3 }),
            v3SessionBody({ session_id: 'devin-live', tags: [TAG], status: 'running', status_detail: 'waiting_for_user', created_at: 2 })
          )
        )
        .post(`${SESSIONS}/devin-live/messages`, { message: 'New commits were pushed.' })
        .reply(200, v3SessionBody({ session_id: 'devin-live', tags: [TAG], status: 'running' }))
      const opened = await openSession(api, create({ reuse: true, message: 'New commits were pushed.' }), deadline, deps)
      expect(opened).toMatchObject({ isNew: false, messageSent: true, session: { id: 'devin-live', status: 'running' } })
      expect(log).toContain(`info: Reusing live Devin session devin-live (idempotency tag ${TAG}): https://app.devin.ai/sessions/devin-live`)
      expect(scope.isDone()).toBe(true)
    })

    // The rule: a live session with the key is reused; one that ended (error, suspended for any reason,
    // exit) or was archived is not live, so a new one is created, and the log says how the last one ended.
    for (const [ended, says] of [
      [{ status: 'error' }, 'error'],
      [{ status: 'suspended', status_detail: 'inactivity' }, 'suspended/inactivity'],
      [{ status: 'suspended', status_detail: 'out_of_credits' }, 'suspended/out_of_credits'],
      [{ status: 'exit' }, 'exit'],
      [{ status: 'running', is_archived: true }, 'archived']
    ] as const) {
      it(`creates a new session when the keyed one ended (${says}), and says so`, async () => {
        const { api, deps, deadline, log, reported } = setup()
        const before = v3SessionBody({ session_id: 'devin-before', tags: [TAG], created_at: 100, ...ended })
        const mine = v3SessionBody({ session_id: 'devin-new', tags: [TAG], created_at: 200 })
        const scope = nock(BASE)
          .get(SESSIONS)
          .query(true)
          .reply(200, listReply(before))
          .post(SESSIONS)
          .reply(200, mine)
          .get(SESSIONS)
          .query(true)
          .times(2)
          .reply(200, listReply(mine, before))
        const opened = await openSession(api, create({ reuse: true, message: 'ignored for a new session' }), deadline, deps)
        expect(opened).toMatchObject({ isNew: true, messageSent: false, session: { id: 'devin-new' } })
        expect(reported).toEqual([{ id: 'devin-new', isNew: true }])
        expect(log).toContain(
          `info: The last Devin session with this idempotency key, devin-before, has ended (${says}); a session that ended is not reused, so a new one is created.`
        )
        expect(scope.isDone()).toBe(true)
      })
    }

    it('creates when only ended or archived sessions carry the tag', async () => {
      const { api, deps, deadline } = setup()
      const scope = nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(
          200,
          listReply(
            v3SessionBody({ session_id: 'devin-done', tags: [TAG], status: 'exit' }),
            v3SessionBody({ session_id: 'devin-arch', tags: [TAG], status: 'running', is_archived: true })
          )
        )
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-new', tags: [TAG] }))
        .get(SESSIONS)
        .query(true)
        .times(2)
        .reply(200, listReply(v3SessionBody({ session_id: 'devin-new', tags: [TAG] })))
      const opened = await openSession(api, create({ reuse: true, message: 'ignored for a new session' }), deadline, deps)
      expect(opened).toMatchObject({ isNew: true, messageSent: false, session: { id: 'devin-new' } })
      expect(scope.isDone()).toBe(true)
    })
  })

  it('continues a session by id and sends the message', async () => {
    const { api, deps, deadline, reported } = setup()
    const scope = nock(BASE)
      .get(`${SESSIONS}/devin-42`)
      .reply(200, v3SessionBody({ session_id: 'devin-42', status: 'running', status_detail: 'waiting_for_user' }))
      .post(`${SESSIONS}/devin-42/messages`, { message: 'Go ahead' })
      .reply(200, v3SessionBody({ session_id: 'devin-42', status: 'running' }))
    const opened = await openSession(api, { kind: 'continue', sessionId: 'devin-42', message: 'Go ahead' }, deadline, deps)
    expect(opened).toMatchObject({ isNew: false, messageSent: true })
    expect(reported[0]).toEqual({ id: 'devin-42', isNew: false })
    expect(scope.isDone()).toBe(true)
  })

  it('reports a reused session before a failing message fails the run', async () => {
    const { api, deps, deadline, reported } = setup()
    nock(BASE)
      .get(`${SESSIONS}/devin-42`)
      .reply(200, v3SessionBody({ session_id: 'devin-42', status: 'running' }))
      .post(`${SESSIONS}/devin-42/messages`)
      .reply(403, { detail: 'no' })
    await expect(openSession(api, { kind: 'continue', sessionId: 'devin-42', message: 'hi' }, deadline, deps)).rejects.toThrow(
      /not allowed to send a message to session devin-42/
    )
    expect(reported).toEqual([{ id: 'devin-42', isNew: false }])
  })

  describe('after a create that may have reached Devin', () => {
    for (const [fault, reply] of [
      ['a 500', (scope: nock.Interceptor) => scope.reply(500, { detail: 'internal' })],
      ['a 429', (scope: nock.Interceptor) => scope.reply(429, {}, { 'Retry-After': '2' })]
    ] as const) {
      it(`adopts the session it finds by tag after ${fault}, without creating again`, async () => {
        const { api, deps, deadline, log, reported } = setup()
        const scope = nock(BASE)
        reply(scope.post(SESSIONS))
        scope
          .get(SESSIONS)
          .query(true)
          .reply(200, listReply(v3SessionBody({ session_id: 'devin-made', tags: [TAG] })))
        const opened = await openSession(api, create(), deadline, deps)
        expect(opened).toMatchObject({ isNew: true, session: { id: 'devin-made' } })
        expect(reported).toEqual([{ id: 'devin-made', isNew: true }])
        expect(log.some((line) => line.startsWith('warning: The request to create the session may have reached Devin'))).toBe(true)
        expect(scope.isDone()).toBe(true)
      })
    }

    it('waits for a list that lags behind the create', async () => {
      const { api, deps, deadline, clock } = setup()
      const scope = nock(BASE)
        .post(SESSIONS)
        .reply(504)
        .get(SESSIONS)
        .query(true)
        .times(3)
        .reply(200, listReply())
        .get(SESSIONS)
        .query(true)
        .reply(200, listReply(v3SessionBody({ session_id: 'devin-late', tags: [TAG] })))
      const opened = await openSession(api, create(), deadline, deps)
      expect(opened.session.id).toBe('devin-late')
      expect(clock.sleeps).toEqual([1_000, 2_000, 4_000])
      expect(scope.isDone()).toBe(true)
    })

    it('keeps looking past 15 s for a list that lags longer, and never creates again', async () => {
      const { api, deps, deadline, clock, log } = setup()
      let creates = 0
      const createdAt = clock.now()
      nock(BASE)
        .post(SESSIONS)
        .reply(() => {
          creates++
          return [503, { detail: 'unavailable' }]
        })
        .persist()
      // The create took effect, but the list shows it only 20 s later.
      nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(() => [200, clock.now() - createdAt >= 20_000 ? listReply(v3SessionBody({ session_id: 'devin-lagged', tags: [TAG] })) : listReply()])
        .persist()
      const opened = await openSession(api, create(), deadline, deps)
      expect(opened).toMatchObject({ isNew: true, session: { id: 'devin-lagged' } })
      expect(creates).toBe(1)
      expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 15_000])
      expect(log).toContain(
        'info: Found the session the interrupted request created, after looking for 30s (6 look-ups): devin-lagged: https://app.devin.ai/sessions/devin-lagged'
      )
    })

    it('looks until the deadline with growing, bounded pauses, then fails naming the tag and how long it looked', async () => {
      const { api, deps, deadline, clock, reported } = setup()
      let creates = 0
      nock(BASE)
        .post(SESSIONS)
        .reply(() => {
          creates++
          return [500]
        })
        .persist()
      nock(BASE).get(SESSIONS).query(true).reply(200, listReply()).persist()
      const error = await openSession(api, create(), deadline, deps).then(
        () => new Error('the open succeeded'),
        (e: unknown) => e as Error
      )
      expect(error.name).toBe('UnconfirmedSessionError')
      expect(error.message).toContain(', and it did not appear when looked up by its tag for 3m (16 look-ups), until the deadline to open a session.')
      expect(error.message).toContain(`Before re-running, look in Devin for a session tagged "${TAG}"`)
      expect(creates).toBe(1)
      expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, ...Array(11).fill(15_000)])
      expect(clock.now()).toBe(deadline)
      expect(reported).toEqual([])
    })

    it('ignores ended sessions that had the key before', async () => {
      const { api, deps, deadline } = setup()
      const ended = v3SessionBody({ session_id: 'devin-ended', tags: [TAG], status: 'exit' })
      const scope = nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(200, listReply(ended))
        .post(SESSIONS)
        .reply(500)
        .get(SESSIONS)
        .query(true)
        .times(2)
        .reply(200, listReply(ended, v3SessionBody({ session_id: 'devin-mine', tags: [TAG] })))
      const opened = await openSession(api, create({ reuse: true }), deadline, deps)
      expect(opened.session.id).toBe('devin-mine')
      expect(scope.isDone()).toBe(true)
    })

    it('fails naming the tag when the look-up itself is refused', async () => {
      const { api, deps, deadline, reported } = setup()
      nock(BASE).post(SESSIONS).reply(502).get(SESSIONS).query(true).reply(403, { detail: 'Missing ViewOrgSessions' })
      await expect(openSession(api, create(), deadline, deps)).rejects.toThrow(
        `Could not confirm whether Devin created the session: the create request failed (Devin's API failed when trying to create a session (HTTP 502). It is likely a problem on Devin's side: re-run later), and looking it up by its tag failed too: The Devin API key is not allowed to list the sessions tagged "${TAG}" (403 Forbidden): Missing ViewOrgSessions. Give its service user the ViewOrgSessions permission in the Devin organization, or use a key that has it. Before re-running, look in Devin for a session tagged "${TAG}"; a re-run opens a new session, so end this one first if it exists.`
      )
      expect(reported).toEqual([])
    })
  })

  it('does not retry or look up after a definite refusal', async () => {
    const { api, deps, deadline } = setup()
    const scope = nock(BASE)
      .post(SESSIONS)
      .reply(422, { detail: [{ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' }] })
    await expect(openSession(api, create(), deadline, deps)).rejects.toThrow('- prompt: Field required')
    expect(scope.isDone()).toBe(true)
  })

  it('treats a success answer without a session as a create that may have happened', async () => {
    const { api, deps, deadline } = setup()
    const scope = nock(BASE)
      .post(SESSIONS)
      .reply(200, '<html>proxy login</html>')
      .get(SESSIONS)
      .query(true)
      .reply(200, listReply(v3SessionBody({ session_id: 'devin-behind-proxy', tags: [TAG] })))
    const opened = await openSession(api, create(), deadline, deps)
    expect(opened.session.id).toBe('devin-behind-proxy')
    expect(scope.isDone()).toBe(true)
  })

  describe('two runs racing with the same key', () => {
    it('settles on the older session and ends its own duplicate', async () => {
      const { api, deps, deadline, reported, log } = setup()
      const scope = nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(200, listReply())
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-mine', tags: [TAG], created_at: 200 }))
        .get(SESSIONS)
        .query(true)
        .times(2)
        .reply(
          200,
          listReply(
            v3SessionBody({ session_id: 'devin-mine', tags: [TAG], status: 'new', created_at: 200 }),
            v3SessionBody({ session_id: 'devin-theirs', tags: [TAG], status: 'new', created_at: 199 })
          )
        )
        .delete(`${SESSIONS}/devin-mine`)
        .reply(200, v3SessionBody({ session_id: 'devin-mine', status: 'exit' }))
        .post(`${SESSIONS}/devin-theirs/messages`, { message: 'again' })
        .reply(200, v3SessionBody({ session_id: 'devin-theirs', tags: [TAG], status: 'running' }))
      const opened = await openSession(api, create({ reuse: true, message: 'again' }), deadline, deps)
      expect(opened).toMatchObject({ isNew: false, messageSent: true, session: { id: 'devin-theirs' } })
      expect(reported.at(-1)).toEqual({ id: 'devin-theirs', isNew: false })
      expect(log).toContain(
        'warning: Devin session devin-theirs also has this idempotency-key and is older (another run opened it at the same time; the oldest live session with the key wins): this run uses it and ends its own duplicate devin-mine.'
      )
      expect(scope.isDone()).toBe(true)
    })

    it('keeps its own session when it is the older one', async () => {
      const { api, deps, deadline } = setup()
      const scope = nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(200, listReply())
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-mine', tags: [TAG], created_at: 100 }))
        .get(SESSIONS)
        .query(true)
        .times(2)
        .reply(
          200,
          listReply(
            v3SessionBody({ session_id: 'devin-mine', tags: [TAG], created_at: 100 }),
            v3SessionBody({ session_id: 'devin-later', tags: [TAG], created_at: 101 })
          )
        )
      const opened = await openSession(api, create({ reuse: true }), deadline, deps)
      expect(opened).toMatchObject({ isNew: true, session: { id: 'devin-mine' } })
      expect(scope.isDone()).toBe(true)
    })
  })
})

describe('openSession without the action’s tags (tracking-tags: false)', () => {
  const untagged = (): OpenRequest => ({ kind: 'create', request: { prompt: 'Do it', tags: ['team'] }, reuse: false })

  it('sends the create again after a failure that may have reached Devin, never looks up by tag, and warns of a possible duplicate', async () => {
    const { api, deps, deadline, log, reported, clock } = setup()
    const scope = nock(BASE)
      .post(SESSIONS, { prompt: 'Do it', tags: ['team'] })
      .reply(502, { detail: 'bad gateway' })
      .post(SESSIONS, { prompt: 'Do it', tags: ['team'] })
      .reply(200, v3SessionBody({ session_id: 'devin-second', tags: ['team'] }))
    const saved: (string | undefined)[] = []
    const opened = await openSession(api, untagged(), deadline, { ...deps, random: () => 0.25, beforeCreate: (tag) => saved.push(tag) })
    expect(opened).toMatchObject({ isNew: true, session: { id: 'devin-second' } })
    expect(reported).toEqual([{ id: 'devin-second', isNew: true }])
    expect(saved).toEqual([undefined])
    expect(scope.isDone()).toBe(true)
    expect(log).toContain(
      "info: The request to create the session may have reached Devin (Devin's API failed when trying to create a session (HTTP 502): bad gateway. It is likely a problem on Devin's side: re-run later); with tracking-tags: false it cannot be looked up by tag, so the create is sent again in 0.3s (attempt 2 of 3)."
    )
    // Full jitter: a quarter of the first pause's 1 s bound.
    expect(clock.sleeps).toEqual([250])
    expect(log.filter((line) => line.startsWith('warning:'))).toEqual([
      "warning: Devin session devin-second was opened by create attempt 2, after an attempt that may have reached Devin (Devin's API failed when trying to create a session (HTTP 502): bad gateway. It is likely a problem on Devin's side: re-run later). If it did, Devin has another session for this request that the action cannot find (tracking-tags: false): look for it in Devin and end it."
    ])
  })

  it('fails after three creates that may each have reached Devin, saying a session may exist and cannot be looked up', async () => {
    const { api, deps, deadline, reported } = setup()
    let creates = 0
    const scope = nock(BASE)
      .post(SESSIONS)
      .times(3)
      .reply(() => {
        creates++
        return [500, { detail: 'internal' }]
      })
    const failure = openSession(api, untagged(), deadline, deps)
    await expect(failure).rejects.toThrow(
      /^Could not confirm whether Devin created the session: each of 3 create requests failed in a way that may have reached Devin \(/
    )
    await expect(failure).rejects.toThrow(
      /With tracking-tags: false the session carries no tag the action could find it by: before re-running, look in Devin for a session this run may have created; a re-run opens another\.$/
    )
    expect(creates).toBe(3)
    expect(reported).toEqual([])
    expect(scope.isDone()).toBe(true)
  })

  it('does not send again a create that Devin refused outright', async () => {
    const { api, deps, deadline } = setup()
    const scope = nock(BASE).post(SESSIONS).reply(400, { detail: 'Unknown platform' })
    await expect(openSession(api, untagged(), deadline, deps)).rejects.toThrow(/Devin refused the request to create a session \(HTTP 400\): Unknown platform\./)
    expect(scope.isDone()).toBe(true)
  })
})

describe('a create refused for its tags (an enterprise allow-list)', () => {
  const ACTION_TAGS = [TAG, 'github:octo/repo', 'gh-repo:42', 'gh-thread:42#7', 'gh-user:42/mona']
  const tagged = (): OpenRequest => ({
    kind: 'create',
    request: { prompt: 'Do it', tags: [...ACTION_TAGS, 'team'] },
    tag: TAG,
    actionTags: ACTION_TAGS,
    reuse: false
  })

  it('names the tags Devin named and both fixes, and neither looks up nor creates again', async () => {
    const { api, deps, deadline } = setup()
    const scope = nock(BASE).post(SESSIONS).reply(400, {
      title: 'Bad Request',
      status: 400,
      detail: "Tag validation failed: tags 'gh-repo:42', 'gh-thread:42#7' are not in your enterprise's list of allowed tags"
    })
    await expect(openSession(api, tagged(), deadline, deps)).rejects.toThrow(
      [
        "Devin refused to create the session because of its tags (HTTP 400): Tag validation failed: tags 'gh-repo:42', 'gh-thread:42#7' are not in your enterprise's list of allowed tags.",
        'Tags refused: "gh-repo:42", "gh-thread:42#7". An enterprise with tag validation on accepts only the tags on its allow-list.',
        'Fix it one of two ways:',
        `- ask the Devin enterprise admin to allow the action's tags: they change with every run, so allow the prefixes "gh-repo:", "gh-thread:" (or each tag as it comes);`,
        '- or set `tracking-tags: false`: the action then sends none of its own tags (idempotency-key and the budgets need them, and a create retried after a failure can then make a duplicate session).'
      ].join('\n')
    )
    expect(scope.isDone()).toBe(true)
  })

  it('names every tag the action sent when a 403 says tags but names none, instead of blaming the key’s permissions', async () => {
    const { api, deps, deadline } = setup()
    nock(BASE).post(SESSIONS).reply(403, { detail: 'Tags not permitted by enterprise policy' })
    const error = (await openSession(api, tagged(), deadline, deps).catch((e: unknown) => e)) as Error
    expect(error.message).toContain(`Tags the action sent: ${ACTION_TAGS.map((t) => `"${t}"`).join(', ')}.`)
    expect(error.message).toContain('allow the prefixes "idem:", "github:", "gh-repo:", "gh-thread:", "gh-user:"')
    expect(error.message).toContain('- or set `tracking-tags: false`')
    expect(error.message).not.toContain('permission')
  })

  it('tells to remove a tag of the tags input, the action’s own being off', async () => {
    const { api, deps, deadline } = setup()
    nock(BASE)
      .post(SESSIONS)
      .reply(422, { detail: [{ loc: ['body', 'tags', 0], msg: "tag 'team' is not allowed", type: 'value_error' }] })
    const error = (await openSession(api, { kind: 'create', request: { prompt: 'Do it', tags: ['team'] }, reuse: false }, deadline, deps).catch(
      (e: unknown) => e
    )) as Error
    expect(error.message.split('\n').slice(1)).toEqual([
      'Tags refused: "team". An enterprise with tag validation on accepts only the tags on its allow-list.',
      'Fix it one of two ways:',
      '- ask the Devin enterprise admin to allow "team";',
      '- or remove it from the tags input.'
    ])
  })

  it('keeps the usual message for a refusal that is not about tags', async () => {
    const { api, deps, deadline } = setup()
    nock(BASE).post(SESSIONS).reply(403, { detail: 'Missing permission' })
    await expect(openSession(api, tagged(), deadline, deps)).rejects.toThrow(/^The Devin API key is not allowed to create a session \(403 Forbidden\)/)
  })
})
