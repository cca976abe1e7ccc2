import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import type { FakeCheckRun, FakeGitHub } from '../../emulator/github/server.ts'
import { type StepOptions, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The session as a check run (check-run: true) through the bundle, on the real pull_request.opened payload
// (Codertocat/Hello-World #2), with the Devin emulator and the fake GitHub: the check run goes on the payload's
// head, never on GITHUB_SHA, and ends with the contract's conclusion. Each test has its own servers.

const API_KEY = 'cog_e2eCheckRunKeyNeverPrinted0123456'
const ORG = 'org-e2e'
const REPO = 'Codertocat/Hello-World'
/** The head of pull request #2 in the example payload. */
const PAYLOAD_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
/** The merge commit GitHub runs a pull_request workflow on: a check run there would show on no pull request. */
const MERGE_SHA = '5555555555555555555555555555555555555555'
const WAIT = { 'check-run': 'true', wait: 'stopped', 'poll-interval': '5s' }

const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG })

function step(devin: Emulator, github: FakeGitHub, inputs: Record<string, string>): StepOptions {
  return {
    event: 'pull_request',
    payload: examplePayload('pull_request', 'opened'),
    env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url, GITHUB_WORKFLOW: 'Devin', GITHUB_SHA: MERGE_SHA },
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, ...inputs }
  }
}

/** A fake GitHub that lets Codertocat in, and whose pull request #2 is still at the payload's head (not stale). */
async function github(): Promise<FakeGitHub> {
  const started = await fakeGitHub({ Codertocat: 'write' })
  started.pulls.set(2, { headSha: PAYLOAD_HEAD })
  return started
}

/** The check-run requests GitHub received, in order: `POST`, `PATCH <status> <conclusion>`, `GET` (a list). */
function checkRequests(github: FakeGitHub): string[] {
  return github.requests
    .filter((request) => /check-runs/.test(request.path))
    .map((request) => {
      const body = (request.body ?? {}) as { status?: string; conclusion?: string }
      if (request.method === 'GET') return `GET ${request.path}`
      return [request.method, request.status, body.status, body.conclusion].filter((part) => part !== undefined).join(' ')
    })
}

const onlyCheckRun = (github: FakeGitHub): FakeCheckRun => {
  expect(github.checkRuns).toHaveLength(1)
  return github.checkRuns[0] as FakeCheckRun
}

describe('the session as a check run, through the bundle', { timeout: 90_000 }, () => {
  it.concurrent("is created in progress on the payload's head and completed success with the job summary, for wait: stopped", async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const gh = await github()
    const { main } = await runBundledAction(step(devin, gh, WAIT))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('finished')
    const sessionId = main.outputs['session-id'] as string
    expect(checkRequests(gh)).toEqual([`GET /repos/${REPO}/commits/${PAYLOAD_HEAD}/check-runs`, 'POST 201 in_progress', 'PATCH 200 completed success'])
    const run = onlyCheckRun(gh)
    expect(run).toMatchObject({
      name: 'Devin',
      head_sha: PAYLOAD_HEAD,
      status: 'completed',
      conclusion: 'success',
      external_id: sessionId,
      details_url: main.outputs['session-url'],
      output: { title: 'Devin finished' }
    })
    expect(run.details_url).toBe(`https://app.devin.ai/sessions/${sessionId}`)
    expect(run.output.summary).toBe(main.summary)
    expect(JSON.stringify(gh.requests)).not.toContain(MERGE_SHA)
    expect(main.warnings).toEqual([])
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
    expect(JSON.stringify(gh.checkRuns)).not.toContain(API_KEY)
  })

  it.concurrent('is completed action_required when Devin waits for the user', async () => {
    const devin = await emulator({ scenario: 'waiting_for_user-at-once' })
    const gh = await github()
    const { main } = await runBundledAction(step(devin, gh, { ...WAIT, 'check-run-name': 'Devin review' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('blocked')
    expect(onlyCheckRun(gh)).toMatchObject({
      name: 'Devin review',
      head_sha: PAYLOAD_HEAD,
      conclusion: 'action_required',
      output: { title: 'Devin is waiting for input' }
    })
    expect(onlyCheckRun(gh).output.summary).toContain('### Devin is asking\n\n> Which branch should I base the fix on?\n')
  })

  it.concurrent('is completed timed_out when the wait times out, the step failing as on-timeout says', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    const gh = await github()
    const { main } = await runBundledAction(step(devin, gh, { ...WAIT, 'wait-timeout': '6s' }))
    expect(main.exitCode, main.stdout).toBe(1)
    expect(main.outputs.outcome).toBe('timeout')
    expect(checkRequests(gh).slice(1)).toEqual(['POST 201 in_progress', 'PATCH 200 completed timed_out'])
    expect(onlyCheckRun(gh)).toMatchObject({ conclusion: 'timed_out', output: { title: 'The wait timed out' } })
    expect(onlyCheckRun(gh).output.summary).toBe(main.summary)
    expect(onlyCheckRun(gh).output.summary).toContain('**The step failed.**')
  })

  it.concurrent('is created completed as skipped by a budget skip, and no session is created', async () => {
    const devin = await emulator()
    const gh = await github()
    const id = 186853002
    devin.store.seed([{ tags: [`gh-repo:${id}`, `gh-thread:${id}#2`], acus_consumed: 12, status: 'exit', status_detail: null }])
    const { main } = await runBundledAction(step(devin, gh, { ...WAIT, 'budget-per-pr': '10' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('skipped')
    expect(devin.requests.count('POST')).toBe(0)
    expect(checkRequests(gh)).toEqual(['POST 201 completed skipped'])
    expect(onlyCheckRun(gh)).toMatchObject({ head_sha: PAYLOAD_HEAD, conclusion: 'skipped', external_id: null, output: { title: 'Skipped: over budget' } })
    expect(onlyCheckRun(gh).output.summary).toBe(main.summary)
  })

  it.concurrent('without checks: write (403), warns once naming the permission, sends no more check-run requests, and exits 0', async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const gh = await github()
    gh.refuseChecks = true
    const { main } = await runBundledAction(step(devin, gh, WAIT))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('finished')
    expect(checkRequests(gh)).toEqual([`GET /repos/${REPO}/commits/${PAYLOAD_HEAD}/check-runs`, 'POST 403 in_progress'])
    expect(main.warnings).toHaveLength(1)
    expect(main.warnings[0]).toContain(`Could not write the check run "Devin" on ${PAYLOAD_HEAD}: GitHub refused it (Resource not accessible by integration`)
    expect(main.warnings[0]).toContain('Give the job the "checks: write" permission; a pull request from a fork gets a read-only token')
    // The comment is another permission: it is still kept.
    expect(gh.comments.get(2)?.[0]?.body).toContain('✅ Devin finished')
  })

  it.concurrent('is left in progress by a run with wait: none', async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const gh = await github()
    const { main } = await runBundledAction(step(devin, gh, { 'check-run': 'true' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('running')
    expect(checkRequests(gh)).toEqual([`GET /repos/${REPO}/commits/${PAYLOAD_HEAD}/check-runs`, 'POST 201 in_progress'])
    expect(onlyCheckRun(gh)).toMatchObject({
      status: 'in_progress',
      conclusion: null,
      external_id: main.outputs['session-id'],
      output: { title: 'Devin is working', summary: main.summary }
    })
  })
})
