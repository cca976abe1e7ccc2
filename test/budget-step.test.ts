import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { createGitHub } from '../src/github/client.js'
import { type MainDeps, run } from '../src/main.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'

// The budget step of the open job, run through main.ts with a fake clock (retries and the open deadline pass
// at once) and nock for Devin: what is sent, and what the user sees, when budgets are set.

const BASE = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
const START = 1_700_000_000_000

const env: NodeJS.ProcessEnv = {
  GITHUB_REPOSITORY: 'octo/repo',
  GITHUB_REPOSITORY_ID: '42',
  GITHUB_EVENT_NAME: 'schedule',
  GITHUB_ACTOR: 'mona',
  GITHUB_SHA: 'abc123',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_RUN_ID: '1001',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'devin',
  GITHUB_ACTION: '__run',
  GITHUB_WORKSPACE: '/workspace'
}

async function runAction(inputs: Partial<Record<InputName, string>>): Promise<RecordingRunner> {
  const runner = recordingRunner({ 'api-url': BASE, prompt: 'Nightly clean-up', ...inputs })
  const deps: MainDeps = {
    runner,
    env,
    fetch: globalThis.fetch,
    clock: fakeClock(START),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: () => undefined,
    github: createGitHub
  }
  await run(deps)
  return runner
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('the budget step', () => {
  it('fails the step before any create when a budget list keeps failing until the open deadline (fails closed)', async () => {
    let creates = 0
    let lists = 0
    nock(BASE)
      .get(SESSIONS)
      .query(true)
      .times(100)
      .reply(() => {
        lists++
        return [500, { detail: 'upstream timeout' }]
      })
      .post(SESSIONS)
      .optionally()
      .reply(() => {
        creates++
        return [200, v3SessionBody()]
      })
    const runner = await runAction({ 'budget-per-day': '50' })
    expect(creates).toBe(0)
    // Retried by the request helper (a list is safe to repeat), then given up.
    expect(lists).toBeGreaterThan(1)
    expect(runner.failed).toMatch(
      /^budget-per-day is set, but the sessions it counts \(tagged gh-repo:42\) could not be listed, so no session was created or messaged \(spending fails closed\): .*500/
    )
    expect(runner.outputs.outcome).toBeUndefined()
    expect(runner.summary).toContain('**The step failed.** budget-per-day is set')
  })

  it('on a schedule, skips the per-PR budget (no pull request) and applies the day budget: max_acu_limit is what is left, rounded down', async () => {
    let body: Record<string, unknown> = {}
    const scope = nock(BASE)
      .get(SESSIONS)
      .query({ tags: 'gh-repo:42', first: '200', created_after: String(START / 1_000 - 86_400) })
      .reply(200, { items: [v3SessionBody({ session_id: 'devin-1', tags: ['gh-repo:42'], acus_consumed: 37.25 })], has_next_page: false })
      .post(SESSIONS, (sent: Record<string, unknown>) => {
        body = sent
        return true
      })
      .reply(200, v3SessionBody({ session_id: 'devin-new' }))
    const runner = await runAction({ 'budget-per-pr': '10', 'budget-per-day': '50', 'max-acu-limit': '20' })
    expect(scope.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(body.max_acu_limit).toBe(12)
    expect(runner.outputs['budget-remaining']).toBe('0.75')
    expect(runner.log).toContain('info: budget-per-pr does not apply: this run is about no pull request or issue.')
    expect(runner.log).toContain("info: Budgets: this repository's sessions: 37.25 of 50 ACUs used in the last 24 hours, 12.75 left (budget-per-day).")
    expect(runner.summary).toContain('- `max_acu_limit` of this session: 12')
    expect(runner.summary).toContain('- `budget-remaining`: 0.75 ACUs')
  })

  it('does not list on a run that only reads a known session (nothing is spent), and lists before a message that would resume it', async () => {
    const read = nock(BASE)
      .get(`${SESSIONS}/devin-1`)
      .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'running' }))
    const runner = await runAction({ 'budget-per-day': '50', 'session-id': 'devin-1', prompt: '' })
    expect(read.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs['budget-remaining']).toBeUndefined()

    nock(BASE)
      .get(SESSIONS)
      .query(true)
      .reply(200, { items: [v3SessionBody({ session_id: 'devin-1', tags: ['gh-repo:42'], acus_consumed: 50 })], has_next_page: false })
    const skipped = await runAction({ 'budget-per-day': '50', 'session-id': 'devin-1', prompt: '', message: 'Once more, please.' })
    expect(nock.pendingMocks()).toEqual([])
    expect(skipped.failed).toBeUndefined()
    expect(skipped.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': "budget: this repository's sessions used 50 of 50 ACUs in the last 24 hours (budget-per-day).",
      'budget-remaining': '0'
    })
    expect(skipped.summary).toContain('Raise `budget-per-day` to allow more.')
  })
})
