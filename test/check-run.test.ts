import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import type { CheckRun } from '../src/github/client.js'
import { checkRunHead } from '../src/jobs/check-run.js'
import { type MainDeps, run } from '../src/main.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { eventEnv, examplePayload, triggerFor } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { type MemoryGitHub, memoryGitHub } from './helpers/memory-github.js'

// The check run that stands for the session (check-run: true), through main.ts on the real pull_request.opened
// payload (Codertocat/Hello-World #2, head ec26c3e…): Devin mocked with nock, GitHub in memory. What GitHub is
// asked (and when), and what the user sees.

const DEVIN = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
/** The head of pull request #2 in the example payload. */
const PAYLOAD_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
/** The merge commit GitHub runs a pull_request workflow on: no check run belongs there. */
const MERGE_SHA = '9999999999999999999999999999999999999999'
const SESSION_URL = 'https://app.devin.ai/sessions/devin-abc'
const WAIT = { 'check-run': 'true', wait: 'stopped', 'poll-interval': '5s' } as const

interface Run {
  runner: RecordingRunner
  github: MemoryGitHub
  /** The Devin polls answered before the check run was created. */
  pollsBeforeCreate: number | undefined
}

let polls = 0

async function runOn(
  event: string,
  payload: unknown,
  inputs: Partial<Record<InputName, string>>,
  github: MemoryGitHub = memoryGitHub({ headSha: PAYLOAD_HEAD })
): Promise<Run> {
  const runner = recordingRunner({ 'api-url': DEVIN, ...inputs })
  const result: Run = { runner, github, pollsBeforeCreate: undefined }
  const create = github.createCheckRun.bind(github)
  github.createCheckRun = (headSha, name, write) => {
    result.pollsBeforeCreate ??= polls
    return create(headSha, name, write)
  }
  const deps: MainDeps = {
    runner,
    env: eventEnv(event, { GITHUB_EVENT_PATH: '/runner/event.json', GITHUB_SHA: MERGE_SHA }),
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify(payload) : undefined),
    github: () => github
  }
  await run(deps)
  return result
}

const pullRequestOpened = () => examplePayload('pull_request', 'opened')

/** A session created at once, then polled: each poll answers the next status (the last one repeats). */
function devinSession(...polled: Record<string, unknown>[]): nock.Scope {
  let answered = 0
  return nock(DEVIN, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
    .post(SESSIONS)
    .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
    .get(`${SESSIONS}/devin-abc`)
    .times(polled.length)
    .reply(() => {
      polls++
      return [200, v3SessionBody({ session_id: 'devin-abc', ...polled[Math.min(answered++, polled.length - 1)] })]
    })
}

/** Devin's messages, read once at the end of a wait. */
function devinMessages(text = 'Reviewed: two typos fixed.'): nock.Scope {
  return nock(DEVIN)
    .get(`${SESSIONS}/devin-abc/messages`)
    .query(true)
    .reply(200, { items: [{ event_id: 'e1', source: 'devin', message: text, created_at: 1 }], has_next_page: false })
}

const working = { status: 'running', status_detail: 'working' }
const checkCalls = (github: MemoryGitHub) => github.calls.filter((call) => call.includes('check run'))
const warnings = (runner: RecordingRunner) => runner.log.filter((line) => line.startsWith('warning:'))

beforeAll(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
  polls = 0
})

describe('the check run of a session', () => {
  it("is created in progress on the payload's head once the session is known, and completed once, at the end, with the job summary", async () => {
    const devin = devinSession(working, working, working, { status: 'running', status_detail: 'finished' })
    const messages = devinMessages()
    const { runner, github, pollsBeforeCreate } = await runOn('pull_request', pullRequestOpened(), WAIT)
    expect(devin.isDone() && messages.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs.outcome).toBe('finished')
    // One list (is there one of this session already?), the create before the first poll, one update at the end:
    // four polls, none of them a write.
    expect(checkCalls(github)).toEqual([
      `list check runs ${PAYLOAD_HEAD} Devin`,
      `create check run Devin on ${PAYLOAD_HEAD} in_progress`,
      'update check run 500 completed success'
    ])
    expect(pollsBeforeCreate).toBe(0)
    expect(github.checkRuns).toHaveLength(1)
    const [check] = github.checkRuns as [CheckRun]
    expect(check).toMatchObject({
      name: 'Devin',
      headSha: PAYLOAD_HEAD,
      status: 'completed',
      conclusion: 'success',
      externalId: 'devin-abc',
      detailsUrl: SESSION_URL,
      title: 'Devin finished'
    })
    expect(check.summary).toBe(runner.summary)
    expect(check.summary).toContain("### Devin's latest message\n\n> Reviewed: two typos fixed.\n")
    expect(JSON.stringify(github.checkRuns)).not.toContain(MERGE_SHA)
    expect(warnings(runner)).toEqual([])
    expect(runner.everything()).not.toContain(TEST_GITHUB_TOKEN)
  })

  it('takes check-run-name as its name', async () => {
    devinSession({ status: 'running', status_detail: 'finished' })
    devinMessages()
    const { github } = await runOn('pull_request', pullRequestOpened(), { ...WAIT, 'check-run-name': 'Devin review' })
    expect(checkCalls(github)).toEqual([
      `list check runs ${PAYLOAD_HEAD} Devin review`,
      `create check run Devin review on ${PAYLOAD_HEAD} in_progress`,
      'update check run 500 completed success'
    ])
  })

  it('is completed action_required when Devin waits for the user', async () => {
    devinSession(working, { status: 'running', status_detail: 'waiting_for_user' })
    devinMessages('Which branch should I base the fix on?')
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), WAIT)
    expect(runner.outputs.outcome).toBe('blocked')
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'action_required', title: 'Devin is waiting for input' })
    expect(github.checkRuns[0]?.summary).toContain('### Devin is asking\n\n> Which branch should I base the fix on?\n')
  })

  it('is completed failure when the session errs, and the summary says the step failed, as the job summary does', async () => {
    devinSession(working, { status: 'error', status_detail: 'error' })
    devinMessages('I could not clone the repository.')
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), WAIT)
    expect(runner.failed).toBeDefined()
    expect(checkCalls(github).at(-1)).toBe('update check run 500 completed failure')
    expect(github.checkRuns[0]?.summary).toBe(runner.summary)
    expect(github.checkRuns[0]?.summary).toContain('**The step failed.**')
  })

  it('is completed timed_out when the wait times out', async () => {
    devinSession(...Array.from({ length: 4 }, () => working))
    devinMessages()
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), { ...WAIT, 'wait-timeout': '10s' })
    expect(runner.outputs.outcome).toBe('timeout')
    expect(checkCalls(github)).toEqual([
      `list check runs ${PAYLOAD_HEAD} Devin`,
      `create check run Devin on ${PAYLOAD_HEAD} in_progress`,
      'update check run 500 completed timed_out'
    ])
  })

  it('is completed neutral when the session ended without finishing, or the pull request moved past the commit asked about', async () => {
    devinSession({ status: 'exit' })
    devinMessages()
    const exited = await runOn('pull_request', pullRequestOpened(), WAIT)
    expect(exited.runner.outputs.outcome).toBe('exited')
    expect(exited.github.checkRuns[0]).toMatchObject({ conclusion: 'neutral', title: 'The session ended' })

    nock.cleanAll()
    devinSession({ status: 'running', status_detail: 'finished' })
    devinMessages()
    const moved = await runOn('pull_request', pullRequestOpened(), WAIT, memoryGitHub({ headSha: '1111111111111111111111111111111111111111' }))
    expect(moved.runner.outputs.stale).toBe('true')
    // On the commit the session was asked about, which is the one it speaks for.
    expect(moved.github.checkRuns[0]).toMatchObject({
      headSha: PAYLOAD_HEAD,
      conclusion: 'neutral',
      title: 'The pull request moved past the commit Devin was asked about'
    })
    expect(checkCalls(moved.github)).toHaveLength(3)
  })

  it('is left in progress by a run that does not wait', async () => {
    devinSession()
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), { 'check-run': 'true' })
    expect(runner.outputs.outcome).toBe('running')
    expect(checkCalls(github)).toEqual([`list check runs ${PAYLOAD_HEAD} Devin`, `create check run Devin on ${PAYLOAD_HEAD} in_progress`])
    expect(github.checkRuns[0]).toMatchObject({ status: 'in_progress', conclusion: null, title: 'Devin is working', externalId: 'devin-abc' })
    expect(github.checkRuns[0]?.summary).toBe(runner.summary)
  })

  it('is created completed as skipped by a budget skip, with no list and no session', async () => {
    const devin = nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, {
        items: [v3SessionBody({ session_id: 'devin-old', status: 'exit', acus_consumed: 12, tags: ['gh-repo:186853002', 'gh-thread:186853002#2'] })],
        has_next_page: false
      })
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), { ...WAIT, 'budget-per-pr': '10' })
    expect(devin.isDone()).toBe(true)
    expect(runner.outputs.outcome).toBe('skipped')
    expect(checkCalls(github)).toEqual([`create check run Devin on ${PAYLOAD_HEAD} completed skipped`])
    expect(github.checkRuns[0]).toMatchObject({ title: 'Skipped: over budget', externalId: null, detailsUrl: null })
    expect(github.checkRuns[0]?.summary).toBe(runner.summary)
    expect(github.checkRuns[0]?.summary).toContain('Raise `budget-per-pr` to allow more.')
  })

  it('is no check run for a run the gate skips', async () => {
    const payload = pullRequestOpened() as Record<string, any>
    payload.pull_request.user.login = 'stranger'
    payload.sender.login = 'stranger'
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD, permission: 'read' })
    const { runner } = await runOn('pull_request', payload, WAIT, github)
    expect(runner.outputs.outcome).toBe('skipped')
    expect(checkCalls(github)).toEqual([])
  })

  it('without checks: write, warns once naming the permission, sends nothing more, and the run goes on', async () => {
    devinSession(working, { status: 'running', status_detail: 'finished' })
    devinMessages()
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    github.createCheckRun = async () => {
      github.calls.push('create check run refused')
      throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    }
    const { runner } = await runOn('pull_request', pullRequestOpened(), WAIT, github)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs.outcome).toBe('finished')
    expect(checkCalls(github)).toEqual([`list check runs ${PAYLOAD_HEAD} Devin`, 'create check run refused'])
    expect(warnings(runner)).toEqual([
      `warning: Could not write the check run "Devin" on ${PAYLOAD_HEAD}: GitHub refused it (Resource not accessible by integration). Give the job the "checks: write" permission; a pull request from a fork gets a read-only token, which cannot have it. The run goes on without a check run.`
    ])
  })

  it('tries again after a failure that may pass (a 5xx), and gives up after three in a row with a warning each', async () => {
    devinSession(working, { status: 'running', status_detail: 'finished' })
    devinMessages()
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    github.listCheckRuns = async () => {
      github.calls.push('list check runs failed')
      throw Object.assign(new Error('Server Error'), { status: 502 })
    }
    const { runner } = await runOn('pull_request', pullRequestOpened(), WAIT, github)
    expect(runner.failed).toBeUndefined()
    // Bounded: three tries in all (the last word is tried again at the end of the run), then nothing more.
    expect(checkCalls(github)).toEqual(['list check runs failed', 'list check runs failed', 'list check runs failed'])
    expect(warnings(runner)).toEqual([
      `warning: Could not write the check run "Devin" on ${PAYLOAD_HEAD} (Server Error). It is written again with the next change, and at the end of the run.`,
      `warning: Could not write the check run "Devin" on ${PAYLOAD_HEAD} (Server Error). It is written again with the next change, and at the end of the run.`,
      `warning: Could not write the check run "Devin" on ${PAYLOAD_HEAD} (Server Error), 3 times in a row. The run goes on without updating it.`
    ])
  })

  it("takes over the session's check run on the commit (a later run on the same session), and adds none", async () => {
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    const earlier = (id: number, externalId: string): CheckRun => ({
      id,
      name: 'Devin',
      headSha: PAYLOAD_HEAD,
      status: 'completed',
      conclusion: 'action_required',
      externalId,
      detailsUrl: `https://app.devin.ai/sessions/${externalId}`,
      title: 'Devin is waiting for input',
      summary: 'earlier'
    })
    github.checkRuns.push(earlier(41, 'devin-abc'), earlier(42, 'devin-other'))
    nock(DEVIN)
      .get(`${SESSIONS}/devin-abc`)
      .times(3)
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'finished' }))
    devinMessages()
    const { runner } = await runOn('pull_request', pullRequestOpened(), { ...WAIT, 'session-id': 'devin-abc' }, github)
    expect(runner.outputs['is-new-session']).toBe('false')
    expect(checkCalls(github)).toEqual([`list check runs ${PAYLOAD_HEAD} Devin`, 'update check run 41 in_progress', 'update check run 41 completed success'])
    expect(github.checkRuns).toHaveLength(2)
    expect(github.checkRuns[0]).toMatchObject({ id: 41, conclusion: 'success', summary: runner.summary })
    expect(github.checkRuns[1]).toMatchObject({ id: 42, conclusion: 'action_required', summary: 'earlier' })
  })

  it('sends no check-run request when check-run is false', async () => {
    devinSession({ status: 'running', status_detail: 'finished' })
    devinMessages()
    const { runner, github } = await runOn('pull_request', pullRequestOpened(), { wait: 'stopped', 'poll-interval': '5s' })
    expect(runner.outputs.outcome).toBe('finished')
    expect(checkCalls(github)).toEqual([])
  })

  it('on a comment on a pull request, goes on the head read from GitHub, also when tracking-tags is false', async () => {
    const payload = examplePayload('issue_comment', 'created') as Record<string, any>
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' }
    payload.comment.body = '@devin please review'
    devinSession()
    const headSha = '2222222222222222222222222222222222222222'
    const { github } = await runOn('issue_comment', payload, { 'check-run': 'true', 'tracking-tags': 'false' }, memoryGitHub({ headSha }))
    expect(github.calls.filter((call) => call === 'pull head')).toHaveLength(1)
    expect(checkCalls(github)).toEqual([`list check runs ${headSha} Devin`, `create check run Devin on ${headSha} in_progress`])
  })

  it('is no check run, with an info line, on an event about no pull request', async () => {
    devinSession()
    const payload = examplePayload('issues', 'opened') as Record<string, any>
    payload.issue.body = '@devin please fix this'
    const { runner, github } = await runOn('issues', payload, { 'check-run': 'true' })
    expect(runner.outputs.outcome).toBe('running')
    expect(checkCalls(github)).toEqual([])
    expect(runner.log).toContain('info: check-run is true, but the "issues" event is about no pull request, so there is no check run.')
    expect(warnings(runner)).toEqual([])
  })

  it('goes on the head of a workflow run for a pull request, never on GITHUB_SHA; a run for no pull request has none', () => {
    const forPull = triggerFor('workflow_run', 'completed', (payload) => {
      payload.workflow_run.head_sha = '3333333333333333333333333333333333333333'
      payload.workflow_run.pull_requests = [{ number: 2, base: { repo: { id: payload.repository.id } } }]
    })
    expect(checkRunHead(forPull)).toEqual({ sha: '3333333333333333333333333333333333333333' })
    const noPull = triggerFor('workflow_run', 'completed', (payload) => {
      payload.workflow_run.pull_requests = []
    })
    expect(checkRunHead(noPull)).toMatchObject({ none: expect.stringContaining('ran for no pull request') })
    expect(checkRunHead(triggerFor('pull_request', 'opened'))).toEqual({ sha: PAYLOAD_HEAD })
  })
})
