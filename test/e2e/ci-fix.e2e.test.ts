import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { PLANTED_CREDENTIALS, failingJobLog } from '../../emulator/github/job-logs.ts'
import type { Emulator } from '../../emulator/server.ts'
import { failedWorkflowRunPayload, payloadContext } from '../../scripts/lib/action-runner.ts'
import type { StepResult } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { bundledSuite } from './harness.js'
import { expectNoSecrets } from './no-secrets.js'

// Fixing failed CI through the bundle, on the real workflow_run payload of @octokit/webhooks-examples (octo-org/octo-repo,
// id 300029405, run 289782451 on master, pull request #2), concluded as a failure: the fake GitHub serves the run's
// jobs and their logs (302 to the text, planted credentials, ANSI codes), the emulator takes the uploads.

const API_KEY = 'cog_e2eCiFixKeyThatMustNeverBePrinted0123'
const ORG = 'org-e2e-ci'
const REPO_ID = 300029405
const RUN_ID = 289782451
const LOG_SIZE = 2048
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' })

/** The completed workflow_run example that names a pull request, concluded as given. */
function runPayload(conclusion: string, adapt: (payload: Record<string, any>) => void = () => undefined): Record<string, any> {
  const payload = failedWorkflowRunPayload(conclusion) as Record<string, any>
  payload.workflow_run.name = 'CI'
  adapt(payload)
  return payload
}

/** Two failed jobs of the run (one log holds the action's own secrets besides the planted ones) and one that passed. */
function plantJobs(github: FakeGitHub): void {
  const job = (id: number, name: string, conclusion: string, failedStep: string) => ({
    id,
    run_id: RUN_ID,
    run_attempt: 1,
    name,
    status: 'completed',
    conclusion,
    steps: [
      { name: 'Set up job', status: 'completed', conclusion: 'success', number: 1 },
      { name: failedStep, status: 'completed', conclusion, number: 2 }
    ]
  })
  github.workflowJobs.push(
    job(501, 'test (ubuntu-latest, 20)', 'failure', 'Run tests'),
    job(502, 'lint', 'failure', 'Lint'),
    job(503, 'build', 'success', 'Build')
  )
  github.jobLogs.set(501, { text: failingJobLog([`echo key=${API_KEY} token=${TEST_GITHUB_TOKEN}`]) })
  github.jobLogs.set(502, { text: failingJobLog() })
  github.jobLogs.set(503, { text: 'all good\n' })
}

async function fixRun(devin: Emulator, github: FakeGitHub, payload: Record<string, any>, extra: Record<string, string> = {}) {
  const { main } = await runBundledAction({
    event: 'workflow_run',
    payload,
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, 'ci-log-size': String(LOG_SIZE), ...extra },
    env: { ...payloadContext(payload), GITHUB_API_URL: github.url }
  })
  return main
}

function ok(step: StepResult): StepResult {
  expect(step.exitCode, step.stdout).toBe(0)
  expectNoSecrets(step, [API_KEY, TEST_GITHUB_TOKEN])
  return step
}

const uploads = (devin: Emulator) => devin.requests.filter('POST', /\/attachments$/)
const creates = (devin: Emulator) => devin.requests.filter('POST', /\/sessions$/)

describe('fixing failed CI, through the bundle', { timeout: 60_000 }, () => {
  it.concurrent('opens one session with the failed jobs’ logs attached: trimmed, redacted, without ANSI escapes', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    plantJobs(github)
    const main = ok(await fixRun(devin, github, runPayload('failure')))
    expect(main.outputs['is-new-session']).toBe('true')

    const attachments = devin.store.attachments
    expect(attachments.map((attachment) => attachment.name)).toEqual(['ci-log-test-ubuntu-latest-20-501.txt', 'ci-log-lint-502.txt'])
    const [create, ...more] = creates(devin)
    expect(more).toEqual([])
    const body = create?.body as Record<string, any>
    expect(body.attachment_urls).toEqual(attachments.map((attachment) => attachment.url))
    expect(body.tags).toEqual(expect.arrayContaining([`gh-ci:${REPO_ID}#2`]))
    expect(body.prompt).toContain('test (ubuntu-latest, 20): Run tests')

    const planted = [API_KEY, TEST_GITHUB_TOKEN, ...Object.values(PLANTED_CREDENTIALS)]
    for (const attachment of attachments) {
      expect(attachment.bytes.length).toBeLessThanOrEqual(LOG_SIZE)
      const text = new TextDecoder().decode(attachment.bytes)
      expect(text).toContain('AssertionError: expected 3 to be 4')
      expect(text).not.toContain('\x1b')
      expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY-----\s*\n\s*MII/)
      for (const secret of planted) expect(text, `planted ${secret.slice(0, 8)}…`).not.toContain(secret)
    }
  })

  it.concurrent('the same failed run delivered twice opens one session: the second run uploads nothing and creates nothing', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    plantJobs(github)
    const first = ok(await fixRun(devin, github, runPayload('failure')))
    const uploaded = uploads(devin).length
    expect(uploaded).toBe(2)
    const second = ok(await fixRun(devin, github, runPayload('failure')))
    expect(uploads(devin)).toHaveLength(uploaded)
    expect(creates(devin)).toHaveLength(1)
    expect(second.outputs['session-id']).toBe(first.outputs['session-id'])
    expect(second.outputs['is-new-session']).toBe('false')
    // The logs were read from GitHub once, by the first run.
    expect(github.requests.filter((request) => /\/actions\/jobs\/\d+\/logs$/.test(request.path))).toHaveLength(2)
  })

  it.concurrent('a successful run skips, and a fork’s run skips: nothing is read or sent', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    plantJobs(github)
    const success = ok(await fixRun(devin, github, runPayload('success')))
    expect(success.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': 'ci: the workflow run "CI" concluded success; only failure and timed_out runs are fixed.'
    })
    const fork = ok(
      await fixRun(
        devin,
        github,
        runPayload('failure', (payload) => (payload.workflow_run.head_repository.full_name = 'mallory/octo-repo'))
      )
    )
    expect(fork.outputs.outcome).toBe('skipped')
    expect(fork.outputs['skip-reason']).toMatch(/^fork: the workflow run "CI" ran on mallory\/octo-repo, a fork/)
    expect(devin.requests.length).toBe(0)
    expect(github.requests.filter((request) => request.path.includes('/actions/'))).toEqual([])
  })

  it.concurrent('the fourth failure on one pull request skips with the default max-fix-attempts', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    plantJobs(github)
    devin.store.seed([1, 2, 3].map((n) => ({ tags: [`gh-ci:${REPO_ID}#2`, `gh-repo:${REPO_ID}`], status: n === 3 ? 'running' : 'exit', title: `fix ${n}` })))
    const main = ok(await fixRun(devin, github, runPayload('failure')))
    expect(main.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': 'fix attempts: pull request #2 already had 3 sessions to fix CI (max-fix-attempts: 3).'
    })
    expect(uploads(devin)).toEqual([])
    expect(creates(devin)).toEqual([])
    expect(github.requests.filter((request) => request.path.includes('/actions/'))).toEqual([])
  })
})
