import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { commentMarker } from '../src/github/comment.js'
import { type MainDeps, run } from '../src/main.js'
import { createRedactor, redactReport } from '../src/report/redact.js'
import type { Report } from '../src/report/report.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { eventEnv, examplePayload } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { type MemoryGitHub, memoryGitHub } from './helpers/memory-github.js'

// Found by an audit of the secrets and network paths of this round; each test states what holds since the fix.

const DEVIN = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
const THREAD_TAG = 'gh-thread:186853002#2'
const PAYLOAD_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'

async function runWith(event: string, payload: unknown, inputs: Partial<Record<InputName, string>>, github: MemoryGitHub): Promise<RecordingRunner> {
  const runner = recordingRunner({ 'api-url': DEVIN, ...inputs })
  const deps: MainDeps = {
    runner,
    env: eventEnv(event, { GITHUB_EVENT_PATH: '/runner/event.json' }),
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify(payload) : undefined),
    github: () => github
  }
  await run(deps)
  return runner
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('secrets on the paths of the closing job and the report', () => {
  it("close job: the note appended to the step's existing comment uses the redacted session id and url", async () => {
    const github = memoryGitHub()
    const marker = commentMarker({ workflow: 'Devin', job: 'devin', step: '__run' }, undefined)
    github.comments.push({ id: 7, body: `${marker}\n### Devin session\n\n⏳ Devin is working`, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: '' })
    // Devin echoes the key in the session's url (the report's redactor treats ids and urls as Devin's answers).
    const echoed = `https://app.devin.ai/sessions/devin-a?k=${TEST_API_KEY}`
    nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, {
        items: [v3SessionBody({ session_id: 'devin-a', status: 'running', status_detail: 'working', tags: [THREAD_TAG], url: echoed })],
        has_next_page: false
      })
      .delete(`${SESSIONS}/devin-a`)
      .reply(200, v3SessionBody({ session_id: 'devin-a', status: 'exit', url: echoed }))
    const runner = await runWith('pull_request', examplePayload('pull_request', 'closed'), {}, github)
    // The job summary (redactReport) hides it ...
    expect(runner.summary).not.toContain(TEST_API_KEY)
    // ... the public comment must too.
    expect(github.comments[0]?.body).not.toContain(TEST_API_KEY)
  })

  it('redactReport redacts the session ids in thread.ended (restart) and closed.inStepComment, as it does for ended', () => {
    const secret = 'sEcReT-0123456789abcdef'
    const redactor = createRedactor([secret])
    const report: Report = {
      thread: { kind: 'restart', headSha: 'a'.repeat(40), ended: [`devin-${secret}`] },
      closed: { thread: 'pull request #2', tag: THREAD_TAG, inStepComment: [`devin-${secret}`] },
      ended: [{ sessionId: `devin-${secret}`, url: 'https://app.devin.ai/sessions/x' }]
    }
    expect(JSON.stringify(redactReport(report, redactor))).not.toContain(secret)
  })
})

describe('check runs on an unlucky network', () => {
  it('check run: a create whose answer was lost is found again by the session and completed, not left in progress', async () => {
    const working = { status: 'running', status_detail: 'working' }
    let answered = 0
    const polled = [working, working, { status: 'running', status_detail: 'finished' }]
    nock(DEVIN)
      .post(SESSIONS)
      .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
      .get(`${SESSIONS}/devin-abc`)
      .times(polled.length)
      .reply(() => [200, v3SessionBody({ session_id: 'devin-abc', ...polled[Math.min(answered++, polled.length - 1)] })])
      .get(`${SESSIONS}/devin-abc/messages`)
      .query(true)
      .reply(200, { items: [{ event_id: 'e1', source: 'devin', message: 'done', created_at: 1 }], has_next_page: false })
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    const create = github.createCheckRun.bind(github)
    github.createCheckRun = async (headSha, name, write) => {
      await create(headSha, name, write)
      // GitHub created it; the answer was lost (Octokit reports a request without an answer as status 500).
      throw Object.assign(new Error('socket hang up'), { status: 500 })
    }
    const runner = await runWith(
      'pull_request',
      examplePayload('pull_request', 'opened'),
      { 'check-run': 'true', wait: 'stopped', 'poll-interval': '5s' },
      github
    )
    expect(runner.outputs.outcome).toBe('finished')
    // The check run GitHub holds must end completed, not stay in_progress (a required check would block the merge).
    expect(github.checkRuns.map((one) => one.status)).toEqual(['completed'])
  })

  it('check run: one 5xx on the final write is tried again, and the conclusion is written', async () => {
    const polled = [
      { status: 'running', status_detail: 'working' },
      { status: 'running', status_detail: 'waiting_for_user' },
      { status: 'running', status_detail: 'waiting_for_user' }
    ]
    let answered = 0
    nock(DEVIN)
      .post(SESSIONS)
      .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
      .get(`${SESSIONS}/devin-abc`)
      .times(10)
      .reply(() => [200, v3SessionBody({ session_id: 'devin-abc', ...polled[Math.min(answered++, polled.length - 1)] })])
      .get(`${SESSIONS}/devin-abc/messages`)
      .query(true)
      .reply(200, { items: [{ event_id: 'e1', source: 'devin', message: 'Which branch?', created_at: 1 }], has_next_page: false })
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    const update = github.updateCheckRun.bind(github)
    let failures = 1
    github.updateCheckRun = async (id, write) => {
      if (failures-- > 0) throw Object.assign(new Error('Bad Gateway'), { status: 502, response: {} })
      return update(id, write)
    }
    const runner = await runWith(
      'pull_request',
      examplePayload('pull_request', 'opened'),
      { 'check-run': 'true', wait: 'stopped', 'poll-interval': '5s' },
      github
    )
    expect(runner.failed).toBeUndefined()
    expect(github.checkRuns.map((one) => one.status)).toEqual(['completed'])
  })
})

describe('the living comment on an unlucky network', () => {
  const polled = [
    { status: 'running', status_detail: 'working' },
    { status: 'running', status_detail: 'finished' }
  ]
  const devinFinishing = () => {
    let answered = 0
    nock(DEVIN)
      .post(SESSIONS)
      .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
      .get(`${SESSIONS}/devin-abc`)
      .times(polled.length)
      .reply(() => [200, v3SessionBody({ session_id: 'devin-abc', ...polled[Math.min(answered++, polled.length - 1)] })])
      .get(`${SESSIONS}/devin-abc/messages`)
      .query(true)
      .reply(200, { items: [{ event_id: 'e1', source: 'devin', message: 'done', created_at: 1 }], has_next_page: false })
  }

  it('finds a comment whose create answer was lost by its marker, and writes the outcome into it: one comment', async () => {
    devinFinishing()
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    const create = github.createComment.bind(github)
    let lost = 1
    github.createComment = async (issue, body) => {
      const created = await create(issue, body)
      if (lost-- > 0) throw Object.assign(new Error('socket hang up'), { status: 500 })
      return created
    }
    const runner = await runWith('pull_request', examplePayload('pull_request', 'opened'), { wait: 'stopped', 'poll-interval': '5s' }, github)
    expect(runner.outputs.outcome).toBe('finished')
    expect(github.comments).toHaveLength(1)
    expect(github.comments[0]?.body).toContain('✅ Devin finished')
  })

  it('writes the last word again when its write fails once with a 5xx', async () => {
    devinFinishing()
    const github = memoryGitHub({ headSha: PAYLOAD_HEAD })
    const update = github.updateComment.bind(github)
    github.updateComment = async (id, body) => {
      if (body.includes('✅ Devin finished') && !github.calls.includes('update failed')) {
        github.calls.push('update failed')
        throw Object.assign(new Error('Bad Gateway'), { status: 502 })
      }
      return update(id, body)
    }
    const runner = await runWith('pull_request', examplePayload('pull_request', 'opened'), { wait: 'stopped', 'poll-interval': '5s' }, github)
    expect(runner.outputs.outcome).toBe('finished')
    expect(github.calls).toContain('update failed')
    expect(github.comments).toHaveLength(1)
    expect(github.comments[0]?.body).toContain('✅ Devin finished')
  })
})
