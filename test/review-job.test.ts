import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { type MainDeps, run } from '../src/main.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { eventEnv, examplePayload } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { memoryGitHub } from './helpers/memory-github.js'

// The review job (devin-review: true) through main.ts, on the real pull_request.opened payload (Codertocat/Hello-World
// #2): Devin mocked with nock, GitHub in memory; what is sent to Devin and GitHub, and what the user sees.

const DEVIN = 'https://api.devin.test'
const REVIEWS = '/v3/organizations/org-test/pr-reviews'
const PR_URL = 'https://github.com/Codertocat/Hello-World/pull/2'
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
/** The head GitHub reports for a comment's pull request (memoryGitHub's). */
const COMMENT_HEAD = 'c4295bd74fb0f4fbe1e1b3b0f7f4bd9ff04f6b5c'

interface Run {
  runner: RecordingRunner
  github: ReturnType<typeof memoryGitHub>
  clock: ReturnType<typeof fakeClock>
}

async function review(
  inputs: Partial<Record<InputName, string>> = {},
  options: { event?: string; action?: string; adapt?: (payload: Record<string, any>) => void; permission?: string } = {}
): Promise<Run> {
  const event = options.event ?? 'pull_request'
  const payload = examplePayload(event, options.action ?? (event === 'pull_request' ? 'opened' : 'created')) as Record<string, any>
  options.adapt?.(payload)
  const runner = recordingRunner({ 'api-url': DEVIN, 'devin-review': 'true', ...inputs })
  const github = memoryGitHub({ permission: options.permission })
  const clock = fakeClock()
  const deps: MainDeps = {
    runner,
    env: eventEnv(event, { GITHUB_EVENT_PATH: '/runner/event.json' }),
    fetch: globalThis.fetch,
    clock,
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify(payload) : undefined),
    github: () => github
  }
  await run(deps)
  return { runner, github, clock }
}

const body = (status: string, sha = HEAD) => ({
  commit_sha: sha,
  created_at: '2026-12-02T04:00:00Z',
  pr_number: 2,
  repo_path: 'github.com/Codertocat/Hello-World',
  status
})
const devin = () => nock(DEVIN, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
const warnings = (runner: RecordingRunner) => runner.log.filter((line) => line.startsWith('warning:'))

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('the review job', () => {
  it('asks once when Devin has no review of the head: GET (404), one POST, outputs, comment and summary', async () => {
    const scope = devin()
      .get(REVIEWS)
      .query({ pr_url: PR_URL, commit_sha: HEAD })
      .reply(404, { detail: 'No review found' })
      .post(REVIEWS, { pr_url: PR_URL })
      .reply(200, body('pending'))
    const { runner, github } = await review()
    expect(scope.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    // No session: its outputs stay empty.
    expect(runner.outputs).toEqual({ 'review-status': 'pending', outcome: 'running', 'is-new-session': 'true' })
    expect(runner.log).toContain(`info: Asked Devin Review to review ${PR_URL} (commit ${HEAD}, status pending).`)
    expect(runner.log).toContain('info: Not waiting (wait: none): the review is pending.')
    expect(github.comments).toHaveLength(1)
    expect(github.comments[0]?.body).toContain('### Devin Review')
    expect(github.comments[0]?.body).toContain(`⏳ Devin Review is reviewing: commit \`${HEAD}\` (status \`pending\`)`)
    expect(github.comments[0]?.body).toContain('This run asked Devin Review for the review.')
    expect(runner.summary).toContain('## Devin Review')
    expect(runner.summary).toContain(`| Commit | \`${HEAD}\` |`)
    expect(runner.summary).toContain('| Review was | Asked for by this run |')
    expect(runner.everything()).not.toContain(TEST_API_KEY)
    expect(runner.everything()).not.toContain(TEST_GITHUB_TOKEN)
  })

  it('adopts the review Devin already has of the head commit: no POST', async () => {
    const scope = devin().get(REVIEWS).query({ pr_url: PR_URL, commit_sha: HEAD }).reply(200, body('completed'))
    const { runner, github } = await review()
    expect(scope.isDone()).toBe(true)
    expect(runner.outputs).toEqual({ 'review-status': 'completed', outcome: 'finished', 'is-new-session': 'false' })
    expect(runner.log).toContain(`info: Adopting the Devin Review of ${HEAD} (status completed); no second review is asked for.`)
    expect(github.comments[0]?.body).toContain('Devin already had a review of this commit; this run adopted it.')
    expect(runner.summary).toContain('| Review was | Adopted: Devin already had a review of this commit |')
  })

  it('waits (wait: stopped) until the status is final, with a growing interval, and completes the check run success', async () => {
    const scope = devin()
      .get(REVIEWS)
      .query(true)
      .reply(404, { detail: 'none' })
      .post(REVIEWS)
      .reply(200, body('pending'))
      .get(REVIEWS)
      .query(true)
      .reply(200, body('running'))
      .get(REVIEWS)
      .query(true)
      .reply(200, body('running'))
      .get(REVIEWS)
      .query(true)
      .reply(200, body('completed'))
    const { runner, github, clock } = await review({ wait: 'stopped', 'poll-interval': '10s', 'check-run': 'true' })
    expect(scope.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toMatchObject({ 'review-status': 'completed', outcome: 'finished', 'is-new-session': 'true' })
    // 10 s after a change, doubled while the status stays the same.
    expect(clock.sleeps).toEqual([10_000, 10_000, 20_000])
    expect(runner.log).toContain('info: Devin Review: pending → running')
    expect(runner.log).toContain('info: Devin Review: running → completed')
    expect(runner.summary).toContain('| Time waited | 40s |')
    expect(github.checkRuns).toHaveLength(1)
    expect(github.checkRuns[0]).toMatchObject({ headSha: HEAD, status: 'completed', conclusion: 'success', externalId: `devin-review:${HEAD}` })
    expect(github.calls.filter((call) => call.startsWith('create check run'))).toEqual([`create check run Devin on ${HEAD} in_progress`])
    expect(github.comments[0]?.body).toContain(`✅ Devin Review completed: commit \`${HEAD}\` (status \`completed\`)`)
  })

  it('fails the step when the review errors (error is in the default fail-on); the check run concludes failure', async () => {
    devin().get(REVIEWS).query(true).reply(200, body('running')).get(REVIEWS).query(true).reply(200, body('errored'))
    const { runner, github } = await review({ wait: 'true', 'check-run': 'true' })
    expect(runner.failed).toBe(`Devin Review of ${HEAD} (${PR_URL}) errored (status "errored").`)
    expect(runner.outputs).toMatchObject({ 'review-status': 'errored', outcome: 'error', 'is-new-session': 'false' })
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' })
    expect(github.comments[0]?.body).toContain('**The step failed:** Devin Review of')
  })

  it('tolerates a status it does not know: logged once, waited through', async () => {
    devin()
      .get(REVIEWS)
      .query(true)
      .reply(200, body('thinking'))
      .get(REVIEWS)
      .query(true)
      .reply(200, body('thinking'))
      .get(REVIEWS)
      .query(true)
      .reply(200, body('completed'))
    const { runner } = await review({ wait: 'stopped' })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toMatchObject({ 'review-status': 'completed', outcome: 'finished' })
    expect(runner.log.filter((line) => line.includes('"thinking", which the action does not know'))).toHaveLength(1)
  })

  it('times out with outcome timeout; on-timeout terminate warns that a review cannot be ended and fails', async () => {
    devin().get(REVIEWS).query(true).times(20).reply(200, body('running'))
    const { runner } = await review({ wait: 'stopped', 'wait-timeout': '60s', 'on-timeout': 'terminate' })
    expect(warnings(runner)).toContain(
      'warning: on-timeout is terminate, but a Devin Review cannot be ended: a timeout is treated as on-timeout: fail (the review goes on in Devin).'
    )
    expect(runner.outputs).toMatchObject({ 'review-status': 'running', outcome: 'timeout' })
    expect(runner.failed).toMatch(/^Devin Review of ec26c3e57ca3a959ca5aad62de7213c562f8c821 \(.*\) was not done within 1m; it was last "running"/)
  })

  it('names the permission UseReviewManual when Devin answers 403', async () => {
    devin().get(REVIEWS).query(true).reply(403, { detail: 'Forbidden' })
    const { runner } = await review()
    expect(runner.failed).toContain('UseReviewManual')
    expect(runner.summary).toContain('No review of this commit is known to the action.')
  })

  it('dry run: prints the look-up and the POST it would send, sends nothing to Devin, writes no comment', async () => {
    const { runner, github } = await review({ 'dry-run': 'true' })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ outcome: 'dry-run' })
    expect(runner.log).toContain(`info: GET ${DEVIN}${REVIEWS}?pr_url=https%3A%2F%2Fgithub.com%2FCodertocat%2FHello-World%2Fpull%2F2&commit_sha=${HEAD}`)
    expect(runner.log).toContain(`info: POST ${DEVIN}${REVIEWS}\n${JSON.stringify({ pr_url: PR_URL }, null, 2)}`)
    expect(runner.summary).toContain('## Devin Review (dry run)')
    expect(runner.summary).toContain(`"pr_url": "${PR_URL}"`)
    expect(github.comments).toEqual([])
  })

  it('is gated like a session: a user without write permission is skipped and nothing is sent', async () => {
    const { runner, github } = await review({}, { permission: 'read' })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({
      outcome: 'skipped',
      'skip-reason': 'permission: Codertocat has read permission on Codertocat/Hello-World; required-permission is write.'
    })
    expect(github.comments).toEqual([])
    expect(runner.summary).toContain('## Devin Review')
  })

  it('on a comment on a pull request: reviews the head GitHub reports, and reacts 👀 to the comment', async () => {
    const scope = devin()
      .get(REVIEWS)
      .query({ pr_url: PR_URL, commit_sha: COMMENT_HEAD })
      .reply(404, { detail: 'none' })
      .post(REVIEWS, { pr_url: PR_URL })
      .reply(200, body('pending', COMMENT_HEAD))
    const { runner, github } = await review(
      { 'trigger-phrase': '@devin' },
      {
        event: 'issue_comment',
        adapt: (payload) => {
          payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' }
          payload.issue.html_url = PR_URL
          payload.issue.number = 2
          payload.comment.body = '@devin review this please'
        }
      }
    )
    expect(scope.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(github.calls).toContain('pull head')
    expect(github.calls).toContain('react')
    expect(runner.outputs['review-status']).toBe('pending')
  })

  it('skips, visibly, events that are about no pull request, and a comment on an issue', async () => {
    const pushed = await review({}, { event: 'issues', action: 'opened' })
    expect(pushed.runner.outputs.outcome).toBe('skipped')
    expect(pushed.runner.outputs['skip-reason']).toContain('the "issues" event is about none')
    expect(warnings(pushed.runner)).toHaveLength(1)
    const onIssue = await review({ 'trigger-phrase': '' }, { event: 'issue_comment' })
    expect(onIssue.runner.outputs['skip-reason']).toBe('event: devin-review reviews pull requests, and this comment is on issue #1.')
  })

  // Review r2: the README says "Other events are a skip with a reason, and so is a closed pull request: nothing is
  // sent". Only the `closed` action is skipped: any later event on a closed or merged pull request (a label, an
  // edit, an @devin comment) asks Devin Review for a review of it.
  it('skips a pull request that is closed, whatever the event about it (review r2)', async () => {
    const labeled = await review(
      {},
      {
        action: 'labeled',
        adapt: (payload) => {
          payload.action = 'labeled'
          payload.pull_request.state = 'closed'
          payload.pull_request.merged = true
          payload.label = { name: 'devin' }
        }
      }
    )
    expect(labeled.runner.failed).toBeUndefined()
    expect(labeled.runner.outputs.outcome).toBe('skipped')
    expect(labeled.runner.outputs['skip-reason']).toMatch(/closed/)

    const commented = await review(
      { 'trigger-phrase': '@devin' },
      {
        event: 'issue_comment',
        adapt: (payload) => {
          payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2', merged_at: '2026-12-01T00:00:00Z' }
          payload.issue.html_url = PR_URL
          payload.issue.number = 2
          payload.issue.state = 'closed'
          payload.comment.body = '@devin review this please'
        }
      }
    )
    expect(commented.runner.outputs.outcome).toBe('skipped')
    expect(commented.runner.outputs['skip-reason']).toMatch(/closed/)
  })

  it('a v1 key is an input error naming v3, and nothing is sent', async () => {
    const { runner } = await review({ 'api-key': 'apk_user_v1KeyForTheReviewTest0123' })
    expect(runner.failed).toContain('devin-review: Devin Review is in the v3 API only, and an apk_ key selects v1. Accepted: a cog_ key (v3).')
  })
})
