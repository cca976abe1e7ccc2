import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGitHub } from '../src/github/client.js'
import type { MainDeps } from '../src/main.js'
import { type WaitingState, cleanup } from '../src/post.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'

const BASE = 'https://api.devin.test'
const SESSION = '/v3/organizations/org-test/sessions/devin-abc'
const WAITING: WaitingState = { sessionId: 'devin-abc', orgId: 'org-test', apiVersion: 'v3', apiUrl: BASE, terminateOnCancel: true }

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

  it('does nothing when the wait ended by itself, or never started', async () => {
    expect((await post({ 'waiting-on': JSON.stringify(WAITING), 'wait-done': 'true' })).log).toEqual([
      'debug: Post step: no wait was interrupted; nothing to clean up.'
    ])
    expect((await post({})).log).toEqual(['debug: Post step: no wait was interrupted; nothing to clean up.'])
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
