import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// Budgets and the live-session cap through the committed bundle, against the emulator with seeded sessions:
// what is sent to Devin (the request log), what the user sees (outputs, log, summary, the thread's comment).

const API_KEY = 'cog_e2eBudgetKeyNeverPrinted0123456789'
const V1_KEY = 'apk_user_e2eBudgetV1KeyNeverPrinted0123'
const ORG = 'org-e2e-budget'
const SESSIONS = `/v3/organizations/${ORG}/sessions`
/** The repository id and pull request of @octokit/webhooks-examples' pull_request.opened payload (Codertocat/Hello-World #2). */
const PR_REPO_ID = 186853002
const PR_THREAD = `gh-thread:${PR_REPO_ID}#2`
/** The repository id of its workflow_dispatch payload (octo-org/octo-repo). */
const DISPATCH_REPO_ID = 6811672
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' }, { timeoutMs: 30_000 })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Tidy up the build scripts.', ...extra }
}

/** Every request Devin got, as `METHOD path`. */
function sent(devin: Emulator): string[] {
  return devin.requests.all().map((r) => `${r.method} ${r.path}`)
}

const nowSec = () => Math.floor(Date.now() / 1_000)

describe('budgets through the bundle', { timeout: 30_000 }, () => {
  it.concurrent('skips a pull request over its budget: nothing but the list is sent, and the comment says which input raises the limit', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    // Old sessions count too: the per-PR budget is over all time.
    devin.store.seed([
      { tags: [PR_THREAD, `gh-repo:${PR_REPO_ID}`], acus_consumed: 30, created_at: nowSec() - 10 * 86_400, status: 'exit', status_detail: null },
      { tags: [PR_THREAD], acus_consumed: 11.5 }
    ])
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'opened'),
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
      inputs: inputs(devin, { prompt: '', 'budget-per-pr': '40' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`])
    expect(devin.requests.all()[0]?.query).toMatchObject({ tags: [PR_THREAD], first: ['200'] })
    expect(main.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': 'budget: pull request #2 used 41.5 of 40 ACUs (budget-per-pr).',
      'budget-remaining': '0'
    })
    expect(main.stdout).toContain(
      'Skipped, no session was created or messaged: budget: pull request #2 used 41.5 of 40 ACUs (budget-per-pr). Raise budget-per-pr to allow more.'
    )
    expect(main.summary).toContain(
      'Skipped: budget: pull request #2 used 41.5 of 40 ACUs (budget-per-pr). No session was created or messaged. Raise `budget-per-pr` to allow more.'
    )
    expect(main.summary).toContain('- pull request #2: 41.5 of 40 ACUs used, 0 left (budget-per-pr)')
    const comment = github.comments.get(2)?.[0]?.body ?? ''
    expect(comment).toContain(
      '⛔ Skipped: budget: pull request #2 used 41.5 of 40 ACUs (budget-per-pr). No session was created or messaged. Raise `budget-per-pr` to allow more.'
    )
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
  })

  it.concurrent('gives an @devin comment over its budget no 👀: the request was not taken, and the comment says why', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const payload = examplePayload('issue_comment', 'created') as {
      issue: { number: number }
      comment: { body: string; id: number }
      repository: { id: number }
    }
    payload.comment.body = '@devin please try again'
    const id = payload.repository.id
    devin.store.seed([{ tags: [`gh-repo:${id}`, `gh-thread:${id}#${payload.issue.number}`], acus_consumed: 12 }])
    const { main } = await runBundledAction({
      event: 'issue_comment',
      payload,
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
      inputs: inputs(devin, { prompt: '', 'budget-per-pr': '10' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('skipped')
    expect(devin.requests.count('POST')).toBe(0)
    expect(github.reactions).toEqual([])
    expect(github.comments.get(payload.issue.number)?.[0]?.body).toContain('Raise `budget-per-pr` to allow more.')
  })

  it.concurrent('clamps the create to what the tightest budget has left, rounded down, and reports budget-remaining', async () => {
    const devin = await emulator()
    const repo = `gh-repo:${DISPATCH_REPO_ID}`
    devin.store.seed([
      { tags: [repo, `gh-user:${DISPATCH_REPO_ID}/octocat`], acus_consumed: 12.25 },
      { tags: [repo], acus_consumed: 20 },
      // Outside the 24-hour window: not counted by the day budget, and asked for with created_after.
      { tags: [repo], acus_consumed: 500, created_at: nowSec() - 86_400 - 60 }
    ])
    const { main } = await runBundledAction({ inputs: inputs(devin, { 'budget-per-day': '50', 'max-acu-limit': '25' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`, `POST ${SESSIONS}`])
    const list = devin.requests.all()[0]?.query ?? {}
    expect(list.tags).toEqual([repo])
    expect(Number(list.created_after?.[0])).toBeGreaterThan(nowSec() - 86_400 - 30)
    // 50 - 32.25 = 17.75 left: the session may use 17 of them (less than max-acu-limit's 25).
    expect(devin.requests.last('POST')?.body).toMatchObject({ max_acu_limit: 17 })
    expect(main.outputs).toMatchObject({ outcome: 'running', 'budget-remaining': '0.75' })
    expect(main.stdout).toContain("Budgets: this repository's sessions: 32.25 of 50 ACUs used in the last 24 hours, 17.75 left (budget-per-day).")
    expect(main.summary).toContain('- `max_acu_limit` of this session: 17')
  })

  it.concurrent('fails the step, creating nothing, when a budget list is refused (403)', async () => {
    const devin = await emulator({ forbidden: ['list'] })
    const { main } = await runBundledAction({ inputs: inputs(devin, { 'budget-per-user': '10' }) })
    expect(main.exitCode).toBe(1)
    expect(devin.requests.count('POST')).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`])
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]).toMatch(
      new RegExp(
        `^budget-per-user is set, but the sessions it counts \\(tagged gh-user:${DISPATCH_REPO_ID}/octocat\\) could not be listed, so no session was created or messaged \\(spending fails closed\\): .*403.*ViewOrgSessions`
      )
    )
    expect(main.summary).toContain('**The step failed.** budget-per-user is set')
  })

  it.concurrent('skips when max-live-sessions are live, counting sessions of any age but not those that ended', async () => {
    const devin = await emulator()
    const repo = `gh-repo:${DISPATCH_REPO_ID}`
    devin.store.seed([
      { tags: [repo], created_at: nowSec() - 30 * 86_400 },
      { tags: [repo], status: 'running', status_detail: 'waiting_for_user' },
      { tags: [repo], status: 'exit', status_detail: null },
      { tags: [repo], status: 'suspended', status_detail: 'inactivity' }
    ])
    const { main } = await runBundledAction({ inputs: inputs(devin, { 'max-live-sessions': '2' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`])
    expect(devin.requests.all()[0]?.query).not.toHaveProperty('created_after')
    expect(main.outputs).toMatchObject({ outcome: 'skipped', 'skip-reason': 'budget: this repository has 2 of 2 live sessions (max-live-sessions).' })
    // The cap is not an ACU budget: no budget-remaining.
    expect(main.outputs['budget-remaining']).toBeUndefined()
  })

  it.concurrent('on v1: the live-session cap lists with limit and offset across pages; ACU budgets are an input error there', async () => {
    const devin = await emulator()
    const repo = `gh-repo:${DISPATCH_REPO_ID}`
    devin.store.seed(Array.from({ length: 150 }, () => ({ tags: [repo], acus_consumed: 0.1 })))
    const v1 = { 'api-key': V1_KEY, 'org-id': '' }
    const { main } = await runBundledAction({ inputs: { ...inputs(devin, { 'max-live-sessions': '151' }), ...v1 } })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual(['GET /v1/sessions', 'GET /v1/sessions', 'POST /v1/sessions'])
    expect(devin.requests.all().map((r) => r.query.offset)).toEqual([['0'], ['100'], undefined])
    expect(main.stdout).toContain("this repository's sessions: 150 of 151 live (max-live-sessions)")

    devin.requests.clear()
    const budget = await runBundledAction({ inputs: { ...inputs(devin, { 'budget-per-day': '20' }), ...v1 } })
    expect(budget.main.exitCode).toBe(1)
    expect(budget.main.errors.join('\n')).toContain('budget-per-day: needs the v3 or v3beta1 API')
    expect(devin.requests.all()).toEqual([])
  })

  it.concurrent('sends no list, and exactly the requests it always did, when no budget or cap is set', async () => {
    const devin = await emulator()
    devin.store.seed([{ tags: [`gh-repo:${DISPATCH_REPO_ID}`], acus_consumed: 1_000 }])
    const { main } = await runBundledAction({ inputs: inputs(devin, { 'max-acu-limit': '9' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`POST ${SESSIONS}`])
    expect(devin.requests.last('POST')?.body).toMatchObject({ max_acu_limit: 9 })
    expect(main.outputs['budget-remaining']).toBeUndefined()
    expect(main.stdout).not.toContain('Budgets:')
  })
})
