import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGitHub } from '../src/github/client.js'
import type { MainDeps } from '../src/main.js'
import { cleanup } from '../src/post.js'
import type { InFlightState } from '../src/action/state.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'

const BASE = 'https://api.devin.test'
const SESSION = '/v3/organizations/org-test/sessions/devin-abc'
const WAITING: InFlightState = { sessionId: 'devin-abc', orgId: 'org-test', apiVersion: 'v3', apiUrl: BASE, terminateOnCancel: true }

async function post(state: Record<string, string>): Promise<RecordingRunner> {
  const runner = recordingRunner()
  runner.state = { 'is-post': 'true', ...state }
  const deps: MainDeps = {
    runner,
    env: {},
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'x',
    readFile: () => undefined,
    github: createGitHub
  }
  await cleanup(deps)
  return runner
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('the post step', () => {
  it('ends the session a cancelled wait left running', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
      .get(SESSION)
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'working' }))
      .delete(SESSION)
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'exit' }))
    const runner = await post({ 'waiting-on': JSON.stringify(WAITING) })
    expect(scope.isDone()).toBe(true)
    expect(runner.log).toContain('info: The job was cancelled while waiting: ended Devin session devin-abc (terminate-on-cancel).')
    expect(runner.failed).toBeUndefined()
  })

  it('does nothing when the wait ended by itself, the create settled, or neither started', async () => {
    for (const state of [{ 'waiting-on': JSON.stringify(WAITING), 'wait-done': 'true' }, { 'waiting-on': '' }, {}] as Record<string, string>[]) {
      expect((await post(state)).log).toEqual(['debug: Post step: no create or wait was interrupted; nothing to clean up.'])
    }
  })

  it('warns that a session may exist when the cancelled create carried no tag (tracking-tags: false), and asks Devin nothing', async () => {
    const state: InFlightState = { creatingTag: '', orgId: 'org-test', apiVersion: 'v3', apiUrl: BASE, terminateOnCancel: true }
    // nock is closed to the network: any request to Devin would fail the step's work and show as another warning.
    const runner = await post({ 'waiting-on': JSON.stringify(state) })
    expect(runner.log).toEqual([
      'warning: The job was cancelled while a Devin session was being created. With tracking-tags: false it carries no tag the action could find it by, so it was not ended: look in Devin for a session this run may have created.'
    ])
  })

  describe('when the job was cancelled while the create was in flight', () => {
    const TAG = 'idem:0123456789abcdef01234567'
    const SESSIONS = '/v3/organizations/org-test/sessions'
    const CREATING: InFlightState = { creatingTag: TAG, orgId: 'org-test', apiVersion: 'v3', apiUrl: BASE, terminateOnCancel: true }
    const list = (...items: Record<string, unknown>[]) => ({ items, has_next_page: false, end_cursor: null })

    it('finds the session the create made by its tag, once the list shows it, and ends it', async () => {
      const scope = nock(BASE)
        .get(SESSIONS)
        .query({ tags: TAG, first: '100' })
        .reply(200, list(v3SessionBody({ session_id: 'devin-old', tags: [TAG], status: 'exit' })))
        .get(SESSIONS)
        .query({ tags: TAG, first: '100' })
        .reply(
          200,
          list(
            v3SessionBody({ session_id: 'devin-made', tags: [TAG], status: 'running' }),
            v3SessionBody({ session_id: 'devin-old', tags: [TAG], status: 'exit' })
          )
        )
        .delete(`${SESSIONS}/devin-made`)
        .reply(200, v3SessionBody({ session_id: 'devin-made', status: 'exit' }))
      const runner = await post({ 'waiting-on': JSON.stringify(CREATING) })
      expect(scope.isDone()).toBe(true)
      expect(runner.log).toContain(
        'info: The job was cancelled while a Devin session was being created: ended session devin-made, which the create made (terminate-on-cancel): https://app.devin.ai/sessions/devin-made'
      )
      expect(runner.failed).toBeUndefined()
    })

    it('reports the session and leaves it running with terminate-on-cancel: false', async () => {
      const scope = nock(BASE)
        .get(SESSIONS)
        .query(true)
        .reply(200, list(v3SessionBody({ session_id: 'devin-made', tags: [TAG], status: 'new' })))
      const runner = await post({ 'waiting-on': JSON.stringify({ ...CREATING, terminateOnCancel: false }) })
      expect(scope.isDone()).toBe(true)
      expect(runner.log).toContain(
        'info: The job was cancelled while a Devin session was being created: session devin-made was created and keeps running (terminate-on-cancel: false): https://app.devin.ai/sessions/devin-made'
      )
    })

    it('warns, naming the tag, when no session appears before its deadline', async () => {
      nock(BASE).get(SESSIONS).query(true).reply(200, list()).persist()
      const runner = await post({ 'waiting-on': JSON.stringify(CREATING) })
      expect(runner.log).toContain(
        `warning: The job was cancelled while a Devin session was being created, and no live session tagged ${TAG} appeared within 30s: the create most likely never reached Devin. If one appears later, find it in Devin by that tag.`
      )
      expect(runner.failed).toBeUndefined()
    })
  })

  it('leaves a session that had already stopped', async () => {
    const scope = nock(BASE)
      .get(SESSION)
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'finished' }))
    const runner = await post({ 'waiting-on': JSON.stringify(WAITING) })
    expect(scope.isDone()).toBe(true)
    expect(runner.log).toContain('info: The job was cancelled, but Devin session devin-abc had already stopped (running/finished).')
  })

  it('leaves the session running with terminate-on-cancel: false', async () => {
    const runner = await post({ 'waiting-on': JSON.stringify({ ...WAITING, terminateOnCancel: false }) })
    expect(runner.log).toContain('info: The job was cancelled while waiting on Devin session devin-abc; it keeps running (terminate-on-cancel: false).')
  })

  it('warns and never fails when ending the session fails, without printing the key', async () => {
    nock(BASE)
      .get(SESSION)
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running' }))
      .delete(SESSION)
      .reply(403, { detail: `key ${TEST_API_KEY} lacks ManageOrgSessions` })
    const runner = await post({ 'waiting-on': JSON.stringify(WAITING) })
    expect(runner.failed).toBeUndefined()
    expect(runner.log).toContain(
      'warning: Could not end the Devin session after the job was cancelled: The Devin API key is not allowed to end session devin-abc (403 Forbidden): key *** lacks ManageOrgSessions. Give its service user the ManageOrgSessions permission in the Devin organization, or use a key that has it.'
    )
    expect(runner.secrets).toContain(TEST_API_KEY)
  })
})
