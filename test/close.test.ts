import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { commentMarker } from '../src/github/comment.js'
import { type MainDeps, run } from '../src/main.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { eventEnv, examplePayload } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { memoryGitHub } from './helpers/memory-github.js'

// The close job (end-on-close) through main.ts, on the real pull_request.closed payload (Codertocat/Hello-World,
// id 186853002, #2): Devin mocked with nock, GitHub with an in-memory thread; what is sent and what the user sees.

const DEVIN = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
const THREAD_TAG = 'gh-thread:186853002#2'

interface Run {
  runner: RecordingRunner
  github: ReturnType<typeof memoryGitHub>
}

async function closePullRequest(
  inputs: Partial<Record<InputName, string>> = {},
  options: { github?: ReturnType<typeof memoryGitHub>; adapt?: (payload: Record<string, any>) => void; env?: NodeJS.ProcessEnv } = {}
): Promise<Run> {
  const payload = examplePayload('pull_request', 'closed') as Record<string, any>
  options.adapt?.(payload)
  const runner = recordingRunner({ 'api-url': DEVIN, ...inputs })
  const github = options.github ?? memoryGitHub()
  const deps: MainDeps = {
    runner,
    env: eventEnv('pull_request', { GITHUB_EVENT_PATH: '/runner/event.json', ...options.env }),
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify(payload) : undefined),
    github: () => github
  }
  await run(deps)
  return { runner, github }
}

const live = (id: string, detail = 'working') => v3SessionBody({ session_id: id, status: 'running', status_detail: detail, tags: [THREAD_TAG] })
const listing = (...items: Record<string, unknown>[]) => ({ items, has_next_page: false })
const url = (id: string) => `https://app.devin.ai/sessions/${id}`

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('the close job', () => {
  it('lists the thread once, ends each live session, opens nothing, and reports them in outputs, log, summary and one comment', async () => {
    const devin = nock(DEVIN, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
      .get(SESSIONS)
      .query({ tags: THREAD_TAG, first: '100' })
      .reply(
        200,
        listing(
          live('devin-a'),
          live('devin-b', 'waiting_for_user'),
          v3SessionBody({ session_id: 'devin-gone', status: 'exit', tags: [THREAD_TAG] }),
          v3SessionBody({ session_id: 'devin-sleeping', status: 'suspended', status_detail: 'inactivity', tags: [THREAD_TAG] })
        )
      )
      .delete(`${SESSIONS}/devin-a`)
      .reply(200, v3SessionBody({ session_id: 'devin-a', status: 'exit' }))
      .delete(`${SESSIONS}/devin-b`)
      .reply(200, v3SessionBody({ session_id: 'devin-b', status: 'exit' }))
    const { runner, github } = await closePullRequest({ prompt: '' })
    expect(devin.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '2' })
    expect(runner.log).toContain(`info: Ended session devin-a (${url('devin-a')}): pull request #2 was closed.`)
    expect(runner.log).toContain(`info: Ended session devin-b (${url('devin-b')}): pull request #2 was closed.`)
    expect(runner.log).toContain(`info: Pull request #2 was closed: ended 2 of its 2 live sessions (tagged ${THREAD_TAG}).`)
    expect(runner.log.filter((line) => line.startsWith('warning:'))).toEqual([])
    expect(runner.summary).toContain(`Pull request #2 was closed, so the action ended its 2 live sessions (tagged \`${THREAD_TAG}\`):`)
    // Newest first (same age here: by id, descending), as liveThreadSessions orders them.
    expect(runner.summary).toContain(`- [devin-b](${url('devin-b')})\n- [devin-a](${url('devin-a')})`)
    // No permission check: who may close a thread is GitHub's rule.
    expect(github.calls).toEqual(['list comments #2', 'create comment #2'])
    expect(github.comments).toHaveLength(1)
    const body = github.comments[0]?.body ?? ''
    expect(body.startsWith(commentMarker({ workflow: 'Devin', job: 'devin', step: '__run' }, undefined))).toBe(true)
    expect(body).toContain(
      `⏹️ Pull request #2 was closed, so the action ended its 2 live Devin sessions:\n\n- [devin-b](${url('devin-b')})\n- [devin-a](${url('devin-a')})`
    )
    expect(runner.everything()).not.toContain(TEST_API_KEY)
    expect(runner.everything()).not.toContain(TEST_GITHUB_TOKEN)
  })

  it('adds to the comment the step already keeps on the thread, erasing nothing, and creates none', async () => {
    const github = memoryGitHub()
    const marker = commentMarker({ workflow: 'Devin', job: 'devin', step: '__run' }, undefined)
    github.comments.push({ id: 7, body: `${marker}\n### Devin session\n\n⏳ Devin is working`, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: '' })
    nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(live('devin-a')))
      .delete(`${SESSIONS}/devin-a`)
      .reply(200, v3SessionBody({ session_id: 'devin-a', status: 'exit' }))
    await closePullRequest({}, { github })
    expect(github.calls).toEqual(['list comments #2', 'update comment 7'])
    expect(github.comments[0]?.body).toBe(
      `${marker}\n### Devin session\n\n⏳ Devin is working\n\n⏹️ Pull request #2 was closed, so the action ended its live Devin session:\n\n- [devin-a](${url('devin-a')})\n`
    )
  })

  it("keeps what Devin said in an ended session's own comment, adding one line", async () => {
    const github = memoryGitHub()
    const other = commentMarker({ workflow: 'Review', job: 'review', step: 'devin' }, undefined)
    const review = `${other}\n<!-- devin-session-action:session devin-a -->\n### Devin session\n\n✅ Devin finished\n\n> Looks good to me.\n`
    github.comments.push({ id: 8, body: review, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: '' })
    // The same lines in a stranger's comment are not the action's.
    github.comments.push({ id: 9, body: review, authorType: 'User', authorLogin: 'mallory', url: '' })
    nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(live('devin-a')))
      .delete(`${SESSIONS}/devin-a`)
      .reply(200, v3SessionBody({ session_id: 'devin-a', status: 'exit' }))
    const { runner } = await closePullRequest({}, { github })
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '1' })
    expect(github.calls).toEqual(['list comments #2', 'update comment 8'])
    expect(github.comments[0]?.body).toBe(`${review.trimEnd()}\n\n⏹️ Pull request #2 was closed, so the action ended this session.\n`)
    expect(github.comments[1]?.body).toBe(review)
  })

  it('counts a session that stopped between the list and the end (400 already exited) as no error and not ended by the run', async () => {
    const devin = nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(live('devin-a'), live('devin-b')))
      .delete(`${SESSIONS}/devin-a`)
      .reply(400, { detail: 'Devin session already exited' })
      .get(`${SESSIONS}/devin-a`)
      .reply(200, v3SessionBody({ session_id: 'devin-a', status: 'exit' }))
      .delete(`${SESSIONS}/devin-b`)
      .reply(200, v3SessionBody({ session_id: 'devin-b', status: 'exit' }))
    const { runner, github } = await closePullRequest()
    expect(devin.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '1' })
    expect(runner.log.some((line) => line.startsWith('info: Session devin-a had already stopped:') && line.includes('already exited'))).toBe(true)
    expect(runner.log).toContain(`info: Pull request #2 was closed: ended 1 of its 2 live sessions (tagged ${THREAD_TAG}).`)
    expect(github.comments[0]?.body).not.toContain('devin-a')
  })

  it('keeps ending the others when one cannot be ended, then fails naming it; the ended ones are still reported', async () => {
    nock(DEVIN)
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(live('devin-a'), live('devin-b'), live('devin-c')))
      .delete(`${SESSIONS}/devin-a`)
      .reply(403, { detail: 'Forbidden' })
      .get(`${SESSIONS}/devin-a`)
      .reply(200, live('devin-a'))
      .delete(`${SESSIONS}/devin-b`)
      .reply(200, v3SessionBody({ session_id: 'devin-b', status: 'exit' }))
      .delete(`${SESSIONS}/devin-c`)
      .reply(200, v3SessionBody({ session_id: 'devin-c', status: 'exit' }))
    const { runner, github } = await closePullRequest()
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '2' })
    expect(runner.failed).toMatch(
      /^Could not end session devin-a of pull request #2, which was closed\. It is still live and may go on spending: fix the cause below and re-run the job, or end it in Devin\.\n- devin-a: .*403.*ManageOrgSessions/
    )
    expect(runner.summary).toContain('**The step failed.** Could not end session devin-a')
    expect(runner.summary).toContain(`- [devin-c](${url('devin-c')})\n- [devin-b](${url('devin-b')})`)
    // The close job opens nothing by design: the summary does not say "No session was opened" as after a failed open.
    expect(runner.summary).not.toContain('No session was opened.')
    const body = github.comments[0]?.body ?? ''
    expect(body).toContain('the action ended its 2 live Devin sessions')
    expect(body).toContain('**The step failed:** Could not end session devin-a')
  })

  it('fails, ending nothing and writing no comment, when the thread cannot be listed', async () => {
    nock(DEVIN).get(SESSIONS).query(true).reply(403, { detail: 'Forbidden' })
    const { runner, github } = await closePullRequest()
    expect(runner.failed).toMatch(
      new RegExp(`^Pull request #2 was closed, but its sessions \\(tagged ${THREAD_TAG}\\) could not be listed, so none was ended: .*403`)
    )
    expect(runner.outputs).toEqual({})
    expect(github.calls).toEqual([])
  })

  it('ends nothing and writes no comment when no session of the thread is live: ended-sessions 0', async () => {
    nock(DEVIN).get(SESSIONS).query(true).reply(200, listing())
    const { runner, github } = await closePullRequest()
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '0' })
    expect(runner.summary).toContain(`Pull request #2 was closed: no live session of it was found (tagged \`${THREAD_TAG}\`).`)
    expect(github.calls).toEqual([])
  })

  it('an empty api-key is a skip that says why (GitHub withholds secrets from forks); nothing is sent', async () => {
    const { runner, github } = await closePullRequest({ 'api-key': '' })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs.outcome).toBe('skipped')
    expect(runner.outputs['skip-reason']).toContain('api-key is empty, so the live Devin sessions of pull request #2 were not ended.')
    expect(runner.outputs['skip-reason']).toContain('pull_request_target gets them')
    expect(runner.log.filter((line) => line.startsWith('warning:'))).toHaveLength(1)
    expect(github.calls).toEqual([])
  })

  it('an empty api-key does not hide the other bad inputs: they fail the step, without the api-key', async () => {
    const { runner } = await closePullRequest({ 'api-key': '', wait: 'sometimes' })
    expect(runner.failed).toMatch(/^Invalid input: wait: "sometimes"/)
    expect(runner.failed).not.toContain('api-key')
    expect(runner.outputs).toEqual({})
  })

  it('dry-run sends nothing and says which tag a real run would list', async () => {
    const { runner, github } = await closePullRequest({ 'dry-run': 'true' })
    expect(runner.outputs).toEqual({ outcome: 'dry-run' })
    expect(runner.log).toContain(
      `info: Dry run: nothing was sent to Devin. A real run would list the sessions tagged ${THREAD_TAG} and end each live one, because pull request #2 was closed.`
    )
    expect(github.calls).toEqual([])
  })

  it('without a repository id nothing can be found: ended-sessions 0 and one warning', async () => {
    const { runner } = await closePullRequest({}, { adapt: (payload) => delete payload.repository.id, env: { GITHUB_REPOSITORY_ID: '' } })
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '0' })
    expect(runner.log.filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: Pull request #2 was closed, but its live Devin sessions cannot be found and none was ended: the repository id is unknown (neither the payload nor GITHUB_REPOSITORY_ID gives it), and the thread tag is made of it.'
    ])
    expect(runner.summary).toContain('Pull request #2 was closed, but its live sessions cannot be found and none was ended: the repository id is unknown')
  })

  it('tracking-tags: false finds nothing, with that one warning only (not the create-time one)', async () => {
    const { runner } = await closePullRequest({ 'tracking-tags': 'false' })
    expect(runner.outputs).toEqual({ outcome: 'ended', 'ended-sessions': '0' })
    expect(runner.log.filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: Pull request #2 was closed, but its live Devin sessions cannot be found and none was ended: tracking-tags is false, so sessions carry no thread tag to find them by.'
    ])
  })

  it('an invalid end-on-close leaves the event to the open job, which reports the input', async () => {
    const { runner } = await closePullRequest({ 'end-on-close': 'sometimes' })
    expect(runner.failed).toMatch(/end-on-close: "sometimes"/)
    expect(runner.outputs.outcome).toBeUndefined()
  })
})
