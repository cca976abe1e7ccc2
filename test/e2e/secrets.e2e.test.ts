import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { encodedForms } from '../helpers/encoded-secrets.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The committed bundle against the emulator, where Devin's error answers echo the run's secrets back in
// every form an API may use, or where inputs would make a secret unsafe. Nothing of a secret may reach
// the log, the outputs, the state or the job summary.

// Characters that every encoding changes, so each form differs from the plain one.
const API_KEY = 'cog_e2e/Key+With=Odd&Chars"0123456789'
const SESSION_SECRET = 'pass phrase "quoted" stäple/+=&'
const SECRETS = [API_KEY, TEST_GITHUB_TOKEN, SESSION_SECRET]
const ORG = 'org-e2e'
const CREATE_PATH = '^/v3/organizations/org-e2e/sessions$'
const { emulator, runBundledAction: runWith } = bundledSuite({ orgId: ORG })

function runBundledAction(devin: Emulator, extra: Record<string, string> = {}) {
  return runWith({
    inputs: {
      'api-key': API_KEY,
      'api-url': devin.url,
      'org-id': ORG,
      prompt: 'Update the dependencies.',
      'session-secrets': `PASSPHRASE=${SESSION_SECRET}`,
      ...extra
    }
  })
}

describe('the bundled action keeps secrets out of sight', { timeout: 60_000 }, () => {
  it.concurrent('when a 422 echoes every secret in every encoded form, one per field error', async () => {
    const devin = await emulator()
    const errors = SECRETS.flatMap((secret, s) =>
      Object.entries(encodedForms(secret)).map(([name, form]) => ({ loc: ['body', 'prompt'], msg: `[${s}:${name}] got ${form} here`, type: 'value_error' }))
    )
    devin.faults.add({ method: 'POST', path: CREATE_PATH, kind: 'status', status: 422, body: { errors } })
    const { main } = await runBundledAction(devin)
    expect(main.exitCode).toBe(1)
    // Every field error reached the log, each with its secret replaced.
    for (const [s, secret] of SECRETS.entries()) {
      for (const name of Object.keys(encodedForms(secret)))
        expect(main.errors[0]).toMatch(new RegExp(`\\[${s}:${name.replace(/[()+]/g, '\\$&')}\\] got .*\\*\\*\\*`))
    }
    expect(main.summary).toContain('**The step failed.** Devin rejected the request to create a session as invalid (422 Unprocessable Entity)')
    expectNoSecrets(main, SECRETS)
  })

  it.concurrent('when an error detail echoes a secret where the message is clipped, or split across lines', async () => {
    const devin = await emulator()
    devin.faults.add({ method: 'POST', path: CREATE_PATH, kind: 'status', status: 401, body: { detail: `${'x'.repeat(488)}${API_KEY} was refused` } })
    const first = await runBundledAction(devin)
    expect(first.main.exitCode).toBe(1)
    expect(first.main.errors[0]).toMatch(/^Devin did not accept the API key when trying to create a session \(401 Unauthorized\): x+\*\*\*/)
    expectNoSecrets(first.main, SECRETS)
    // Not even the part of a secret before the clip.
    const visible = first.main.everything.replace(/^::add-mask::.*$/gm, '')
    for (const secret of SECRETS) expect(visible).not.toContain(secret.slice(0, 8))

    const split = `${SESSION_SECRET.slice(0, 10)}\n  ${SESSION_SECRET.slice(10)}`
    devin.faults.add({ method: 'POST', path: CREATE_PATH, kind: 'status', status: 400, body: `Bad secret:\n${split}\n` })
    const second = await runBundledAction(devin)
    expect(second.main.errors[0]).toBe('Devin refused the request to create a session (HTTP 400): Bad secret: ***.')
    expectNoSecrets(second.main, SECRETS)
  })

  it.concurrent('refuses session secret values too short to mask, without masking them or sending anything', async () => {
    const devin = await emulator()
    const { main } = await runBundledAction(devin, { 'session-secrets': 'VERBOSE=1\nREGION=a\nTOKEN=long-enough-secret' })
    expect(main.exitCode).toBe(1)
    expect(devin.requests.length).toBe(0)
    expect(main.masked.sort()).toEqual([API_KEY, TEST_GITHUB_TOKEN, 'long-enough-secret'].sort())
    expect(main.errors[0]).toMatch(/^2 inputs are invalid:\n- session-secrets: line 1 \(VERBOSE\) has a value that is 1 character long, too short to mask/)
    expect(main.errors[0]).toContain('a short secret can be stored in Devin and passed by id in secret-ids.')
  })

  it.concurrent('refuses an api-url with credentials, or plain http off this machine, before any request', async () => {
    const devin = await emulator()
    const withPassword = devin.url.replace('http://', 'http://user:hunter2pass@')
    const { main } = await runBundledAction(devin, { 'api-url': withPassword })
    expect(main.exitCode).toBe(1)
    expect(devin.requests.length).toBe(0)
    expect(main.errors[0]).toMatch(/^Invalid input: api-url: contains a user name or password/)
    expect(main.everything).not.toContain('hunter2pass')

    const remote = await runBundledAction(devin, { 'api-url': 'http://devin.example.com' })
    expect(remote.main.errors[0]).toMatch(/^Invalid input: api-url: uses plain http to devin\.example\.com, which would send the API key in clear text\./)
  })

  it.concurrent('treats an empty fail-on, as a tool may pass for an unset input, as the default', async () => {
    const devin = await emulator({ scenario: 'error-at-once' })
    const { main } = await runBundledAction(devin, { wait: 'stopped', 'poll-interval': '5s', 'fail-on': '' })
    expect(main.outputs.outcome).toBe('error')
    expect(main.exitCode).toBe(1)
  })
})
