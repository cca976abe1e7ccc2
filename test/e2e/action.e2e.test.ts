import { describe, expect, it } from 'vitest'
import type { Emulator, EmulatorOptions } from '../../emulator/server.ts'
import type { FaultSpec } from '../../emulator/faults.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets as expectSecretsAbsent } from './no-secrets.js'
import type { StepResult } from '../../scripts/lib/action-runner.ts'
import { bundledSuite } from './harness.js'

// The committed bundle, run as the runner runs it, against the emulator on 127.0.0.1. Each test has
// its own emulator, so tests run side by side without sharing faults or sessions.

const API_KEY = 'cog_e2eKeyThatMustNeverBePrinted0123456789'
const SECRET = 'e2e-session-secret-value-0042'
const ORG = 'org-e2e'
const { emulator, runBundledAction } = bundledSuite({ orgId: ORG })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Update the dependencies and open a pull request.', ...extra }
}

function expectNoSecrets(step: StepResult): void {
  expectSecretsAbsent(step, [API_KEY, TEST_GITHUB_TOKEN, SECRET])
}

const CREATE_PATH = '^/v3/organizations/org-e2e/sessions$'

describe('the bundled action', { timeout: 60_000 }, () => {
  it.concurrent('opens a session on workflow_dispatch with one request, and reports it', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    const { main } = await runBundledAction({ inputs: inputs(devin, { tags: 'e2e', 'session-secrets': `NPM_TOKEN=${SECRET}` }) })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.all().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v3/organizations/org-e2e/sessions'])
    const created = devin.requests.last('POST')
    expect(created?.headers.authorization).toBe('Bearer ***')
    expect(created?.body).toMatchObject({
      prompt: 'Update the dependencies and open a pull request.',
      session_secrets: [{ key: 'NPM_TOKEN', value: SECRET, sensitive: true }]
    })
    const tags = (created?.body as { tags: string[] }).tags
    expect(tags.slice(1)).toEqual(['github:octo-org/octo-repo', 'gh-repo:6811672', 'gh-user:6811672/octocat', 'e2e'])
    expect(tags[0]).toMatch(/^idem:[0-9a-f]{24}$/)
    const [session] = devin.store.query({ tags: ['e2e'] })
    expect(main.outputs).toMatchObject({
      'session-id': session?.session_id,
      'session-url': session?.url,
      'is-new-session': 'true',
      outcome: 'running',
      prompt: 'Update the dependencies and open a pull request.'
    })
    expect(main.summary).toContain(`| Session | [${session?.session_id}](${session?.url}) |`)
    expect(main.masked).toEqual(expect.arrayContaining([API_KEY, TEST_GITHUB_TOKEN, SECRET]))
    expectNoSecrets(main)
  })

  it.concurrent('reports every bad input and sends nothing to Devin', async () => {
    const devin = await emulator()
    const { main } = await runBundledAction({
      inputs: inputs(devin, { 'max-acu-limit': 'lots', wait: 'sometimes', 'attachment-urls': 'ftp://x', 'session-secrets': `BROKEN${SECRET}` })
    })
    expect(main.exitCode).toBe(1)
    expect(devin.requests.length).toBe(0)
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]).toMatch(/^4 inputs are invalid:\n- session-secrets: line 1 has no "="/)
    expect(main.errors[0]).toContain('- max-acu-limit: "lots" is not a positive whole number.')
    expect(main.errors[0]).toContain('- wait: "sometimes" is not one of the accepted values.')
    expect(main.summary).toContain('**The step failed.**')
    expectNoSecrets(main)
  })

  it.concurrent('prints a dry run and sends nothing', async () => {
    const devin = await emulator()
    const { main } = await runBundledAction({ inputs: inputs(devin, { 'dry-run': 'true', 'session-secrets': `NPM_TOKEN=${SECRET}` }) })
    expect(main.exitCode).toBe(0)
    expect(devin.requests.length).toBe(0)
    expect(main.outputs.outcome).toBe('dry-run')
    expect(main.stdout).toContain(`POST ${devin.url}/v3/organizations/org-e2e/sessions`)
    expectNoSecrets(main)
  })

  // Suites are concurrent like their cases: vitest otherwise runs sibling suites one after the other.
  describe.concurrent('exactly once, whatever fails', () => {
    const faults: [string, FaultSpec, EmulatorOptions][] = [
      ['a connection dropped after the create', { method: 'POST', path: CREATE_PATH, kind: 'drop-after' }, { listLagMs: 2_000 }],
      // A failure that left nothing behind is never followed by a second create: the look-ups go on to the
      // 3-minute open deadline (test/devin/open.test.ts covers that with a fake clock).
      ['a 500 after the create', { method: 'POST', path: CREATE_PATH, kind: 'status', status: 500, acted: true }, {}],
      ['a 503 after the create', { method: 'POST', path: CREATE_PATH, kind: 'status', status: 503, acted: true }, {}],
      ['a 429 with Retry-After after the create', { method: 'POST', path: CREATE_PATH, kind: 'status', status: 429, retryAfter: 1, acted: true }, {}]
      // A create answered after the action's 60 s request timeout is the same 'may have reached Devin' case; it
      // is proved without waiting a real minute by test/exactly-once.test.ts (the same code over a real loopback
      // connection, with a short timeout) and test/devin/http-network.test.ts (the timeout itself).
    ]
    for (const [name, fault, options] of faults) {
      it.concurrent(`opens exactly one session after ${name}`, async () => {
        const devin = await emulator({ scenario: 'forever-working', ...options })
        devin.faults.add(fault)
        const { main } = await runBundledAction({ inputs: inputs(devin, { tags: 'exactly-once' }) })
        expect(main.exitCode, main.stdout).toBe(0)
        devin.configure({ listLagMs: 0 })
        const sessions = devin.store.query({ tags: ['exactly-once'] })
        expect(sessions).toHaveLength(1)
        expect(main.outputs['session-id']).toBe(sessions[0]?.session_id)
        expect(main.outputs['is-new-session']).toBe('true')
        expect(main.warnings.some((w) => w.startsWith('The request to create the session may have reached Devin'))).toBe(true)
      })
    }
  })

  // The *-at-once scenarios reach their end at the first poll, so a wait costs one poll interval (5 s).
  describe.concurrent('waiting', () => {
    const wait = { wait: 'stopped', 'poll-interval': '5s' }

    it.concurrent('waits for a finished session and hands over its pull request and structured output', async () => {
      const devin = await emulator({ scenario: 'finished-at-once' })
      const { main } = await runBundledAction({ inputs: inputs(devin, wait) })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs).toMatchObject({ outcome: 'finished', status: 'running', 'status-detail': 'finished', 'acus-consumed': '2.25' })
      const prs = JSON.parse(main.outputs['pull-requests'] as string) as { url: string; state: string }[]
      expect(prs).toHaveLength(1)
      expect(main.outputs['pull-request-url']).toBe(prs[0]?.url)
      expect(JSON.parse(main.outputs['structured-output'] as string)).toMatchObject({ tests_passed: true })
      expect(main.stdout).toContain(`Devin opened a pull request: ${prs[0]?.url}`)
      expect(main.summary).toContain('### Pull requests')
      expect(main.summary).toContain('### Structured output')
      expectNoSecrets(main)
    })

    it.concurrent('reports a blocked session, failing only when blocked is in fail-on', async () => {
      const devin = await emulator({ scenario: 'waiting_for_user-at-once' })
      const { main } = await runBundledAction({ inputs: inputs(devin, { ...wait, 'fail-on': 'blocked,error' }) })
      expect(main.exitCode).toBe(1)
      expect(main.outputs.outcome).toBe('blocked')
      expect(main.errors[0]).toMatch(/^Devin is waiting for your input in session devin-/)
    })

    it.concurrent('fails on an error', async () => {
      const devin = await emulator({ scenario: 'error-at-once' })
      const { main } = await runBundledAction({ inputs: inputs(devin, wait) })
      expect(main.exitCode).toBe(1)
      expect(main.outputs.outcome).toBe('error')
      expect(main.errors[0]).toMatch(/stopped with an error: https:\/\/app\.devin\.ai\/sessions\/devin-/)
    })

    it.concurrent('fails on a suspension and says why', async () => {
      const devin = await emulator({ scenario: 'suspended-at-once' })
      const { main } = await runBundledAction({ inputs: inputs(devin, wait) })
      expect(main.exitCode).toBe(1)
      expect(main.outputs).toMatchObject({ outcome: 'suspended', 'status-detail': 'out_of_credits' })
      expect(main.errors[0]).toContain('was suspended (out_of_credits: the organization is out of credits)')
      expect(main.summary).toContain('| Outcome | `suspended` |')
    })

    it.concurrent('ends the session on a timeout with on-timeout: terminate', async () => {
      const devin = await emulator({ scenario: 'forever-working' })
      const { main } = await runBundledAction({ inputs: inputs(devin, { ...wait, 'wait-timeout': '7s', 'on-timeout': 'terminate' }) })
      expect(main.exitCode).toBe(1)
      expect(main.outputs.outcome).toBe('timeout')
      expect(devin.requests.count('DELETE')).toBe(1)
      const id = main.outputs['session-id'] as string
      expect(devin.store.get(id)?.status).toBe('exit')
      expect(main.errors[0]).toBe(
        `Devin's session ${id} did not stop within 7s; the action ended it (on-timeout: terminate): https://app.devin.ai/sessions/${id}.`
      )
    })

    it.concurrent('ends the session in the post step when the job is cancelled mid-wait', async () => {
      const devin = await emulator({ scenario: 'forever-working' })
      const polled = async () => {
        for (let i = 0; i < 200 && devin.requests.count('GET') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const run = await runBundledAction({ inputs: inputs(devin, wait), cancel: { when: polled, signal: 'SIGINT' } })
      expect(run.main.signal).toBe('SIGINT')
      const id = run.main.outputs['session-id'] as string
      expect(devin.store.get(id)?.status).toBe('running')
      const post = await run.post()
      expect(post.exitCode, post.stdout).toBe(0)
      expect(post.stdout).toContain(`The job was cancelled while waiting: ended Devin session ${id} (terminate-on-cancel).`)
      expect(devin.store.get(id)?.status).toBe('exit')
      expectNoSecrets(post)
    })

    it.concurrent('does nothing in the post step after a wait that ended by itself', async () => {
      const devin = await emulator({ scenario: 'error-at-once' })
      const run = await runBundledAction({ inputs: inputs(devin, wait) })
      const before = devin.requests.length
      const post = await run.post()
      expect(post.exitCode).toBe(0)
      expect(devin.requests.length).toBe(before)
    })
  })

  describe.concurrent('every API version', () => {
    it.concurrent('v1: an apk_ key opens a session without idempotent and waits on status_enum', async () => {
      const devin = await emulator({ scenario: 'finished-at-once' })
      const key = 'apk_user_e2eV1KeyNeverPrinted0123456789'
      const { main } = await runBundledAction({ inputs: { ...inputs(devin, { wait: 'stopped', 'poll-interval': '5s' }), 'api-key': key, 'org-id': '' } })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(devin.requests.last('POST')?.path).toBe('/v1/sessions')
      expect(devin.requests.last('POST')?.body).not.toHaveProperty('idempotent')
      expect(main.outputs).toMatchObject({ outcome: 'finished', 'status-detail': 'finished' })
      expect(main.outputs['pull-request-url']).toMatch(/^https:\/\/github\.com\//)
      expectSecretsAbsent(main, [key])
    })

    it.concurrent('v3beta1: advanced-mode selects it, and a wait ends on the status alone', async () => {
      const devin = await emulator({ scenario: 'exit-at-once' })
      const { main } = await runBundledAction({ inputs: inputs(devin, { 'advanced-mode': 'manage', wait: 'stopped', 'poll-interval': '5s' }) })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(devin.requests.last('POST')?.path).toBe('/v3beta1/organizations/org-e2e/sessions')
      expect(devin.requests.last('POST')?.body).toMatchObject({ advanced_mode: 'manage' })
      expect(main.outputs).toMatchObject({ outcome: 'exited', status: 'exit', 'status-detail': '' })
    })

    it.concurrent('v3beta1 with status_detail: waits until finished', async () => {
      const devin = await emulator({ scenario: 'finished-at-once', v3beta1StatusDetail: true })
      const { main } = await runBundledAction({ inputs: inputs(devin, { 'api-version': 'v3beta1', wait: 'stopped', 'poll-interval': '5s' }) })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs.outcome).toBe('finished')
    })
  })
})
