import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { type StepOptions, type StepResult, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { executedCommands, forgedCommands } from '../helpers/workflow-commands.js'
import { expectNoSecrets as expectSecretsAbsent } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The bundle against what an adversary or a bad day brings: links planted in the workspace, text
// that imitates workflow commands, Devin answers that are not sessions, a session deleted mid-wait,
// an outage, an end request that fails after it worked, and GitHub out of reach.

const API_KEY = 'cog_e2eRobustKeyNeverPrinted0123456789'
const ORG = 'org-e2e'
const SESSION_PATH = '^/v3/organizations/org-e2e/sessions/devin-[0-9a-f]+$'
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG })

function run(devin: Emulator, inputs: Record<string, string>, options: Partial<StepOptions> = {}) {
  return runBundledAction({
    ...options,
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Update the dependencies.', ...inputs }
  })
}

function expectNoSecrets(step: StepResult): void {
  expectSecretsAbsent(step, [API_KEY, TEST_GITHUB_TOKEN])
}

const wait = { wait: 'stopped', 'poll-interval': '5s' }

// Suites are concurrent like their cases: vitest otherwise runs sibling suites one after the other.
describe.concurrent('workspace files', { timeout: 60_000 }, () => {
  it.concurrent('refuses a prompt-file linked to /proc/self/environ and a schema file behind a linked directory, before any request', async () => {
    const devin = await emulator()
    const outside = join(tmpdir(), `robust-outside-${process.pid}-${Date.now()}`)
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(outside, 'out.json'), '{"type": "object", "description": "read from outside the workspace"}')
    const { main } = await run(
      devin,
      { prompt: '', 'prompt-file': '.github/prompt.md', 'structured-output-schema': 'schemas/out.json' },
      {
        prepare: (workspace) => {
          mkdirSync(join(workspace, '.github'))
          symlinkSync('/proc/self/environ', join(workspace, '.github/prompt.md'))
          symlinkSync(outside, join(workspace, 'schemas'))
        }
      }
    )
    expect(main.exitCode, main.stdout).toBe(1)
    expect(devin.requests.length).toBe(0)
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]).toContain('- prompt-file: ".github/prompt.md" leads outside the workspace through a symbolic link (to /proc/')
    expect(main.errors[0]).toContain(
      `- structured-output-schema: the file "schemas/out.json" leads outside the workspace through a symbolic link (to ${outside}`
    )
    expect(main.everything).not.toContain('read from outside the workspace')
    expect(main.everything).not.toContain('GITHUB_WORKSPACE=')
    expectNoSecrets(main)
  })

  it.concurrent('reads a prompt-file through a link that stays in the workspace', async () => {
    const devin = await emulator()
    const { main } = await run(
      devin,
      { prompt: '', 'prompt-file': 'prompt.md', 'dry-run': 'true' },
      {
        prepare: (workspace) => {
          mkdirSync(join(workspace, 'docs'))
          writeFileSync(join(workspace, 'docs/prompt.md'), 'Fix the flaky test.')
          symlinkSync('docs/prompt.md', join(workspace, 'prompt.md'))
        }
      }
    )
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.prompt).toBe('Fix the flaky test.')
  })
})

describe.concurrent('workflow commands in data', { timeout: 60_000 }, () => {
  const INJECTED = [
    '',
    '::add-mask::x',
    '::set-output name=outcome::finished',
    '::stop-commands::hijack',
    '##[set-output name=outcome;]finished',
    '##[add-mask]y'
  ].join('\n')

  it.concurrent('a dry run prints a pull request title, body and URL that carry commands, and the runner would run none', async () => {
    const devin = await emulator()
    const payload = examplePayload('pull_request', 'opened') as Record<string, any>
    payload.pull_request.title = `Fix the build${INJECTED}`
    payload.pull_request.body = `Details${INJECTED}`
    payload.pull_request.html_url = `https://github.com/Codertocat/Hello-World/pull/2${INJECTED}`
    const github = await fakeGitHub({ mona: 'admin', Codertocat: 'admin' })
    const { main } = await run(
      devin,
      { prompt: 'Review {{ pr.url }}: {{ pr.title }}', 'dry-run': 'true' },
      { event: 'pull_request', payload, env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url } }
    )
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.length).toBe(0)
    expect(main.stdout).toContain('##[set-output name=outcome;]finished')
    expect(forgedCommands(main.stdout, [API_KEY, TEST_GITHUB_TOKEN])).toEqual([])
    expect(main.outputs.outcome).toBe('dry-run')
  })

  it.concurrent("a wait prints Devin's pull request URL and state that carry commands, and the runner would run none", async () => {
    const hostileUrl = `https://github.com/octo-org/octo-repo/pull/7${INJECTED}`
    // Called only for requests, so after the emulator is assigned.
    const devin: Emulator = await emulator({
      scenario: 'forever-working',
      // Devin's answer to every read from now on: text chosen by whoever controls the pull request or the API.
      onRequest: (request) => {
        if (request.method !== 'POST') return
        for (const session of devin.store.query()) {
          devin.store.apply(session.session_id, { status: 'running', status_detail: 'finished', pull_requests: [{ pr_url: hostileUrl, pr_state: 'open' }] })
        }
      }
    })
    const { main } = await run(devin, wait)
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.stdout).toContain(`Devin opened a pull request: ${hostileUrl}`)
    expect(forgedCommands(main.stdout, [API_KEY, TEST_GITHUB_TOKEN])).toEqual([])
    expect(executedCommands(main.stdout).some((command) => command.name === 'set-output')).toBe(false)
    expect(main.outputs).toMatchObject({ outcome: 'finished', 'pull-request-url': hostileUrl })
  })
})

describe.concurrent('the wait', { timeout: 60_000 }, () => {
  const bodies: [string, string, string, string][] = [
    ['an HTML page', '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', 'text/html', 'an HTML page'],
    ['JSON cut off', '{"session_id": "devin-0", "status": "runn', 'application/json', 'text that is not JSON (or JSON cut off)'],
    ['a body without status', '{"session_id": "devin-0"}', 'application/json', 'JSON without the expected fields']
  ]
  for (const [name, text, contentType, kind] of bodies) {
    it.concurrent(`reads on through one poll answered 200 with ${name}`, async () => {
      // Finished at the first read, which the fault answers instead: the second poll sees the end.
      const devin = await emulator({ scenario: 'finished-at-once' })
      devin.faults.add({ method: 'GET', path: SESSION_PATH, kind: 'answer', text, contentType })
      const { main } = await run(devin, wait)
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs.outcome).toBe('finished')
      const id = main.outputs['session-id'] as string
      expect(main.warnings).toEqual([
        `Could not read the session this time; still waiting. (Devin's API answered HTTP 200 with ${kind} when trying to read session ${id}, not the JSON the action expects. A proxy or a passing fault can cause this; if it goes on, check api-url.)`
      ])
      expect(main.stdout).toContain('Read the session again after 1 failed poll.')
    })
  }

  it.concurrent('ends with a message naming the session when it is deleted mid-wait (404)', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    devin.faults.add({ method: 'GET', path: SESSION_PATH, kind: 'status', status: 404, times: Infinity })
    const { main } = await run(devin, wait)
    expect(main.exitCode).toBe(1)
    const id = main.outputs['session-id'] as string
    expect(main.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Devin's session ${id} is gone: Devin answered 404 Not Found when the action read it \\d+s into the wait, so it was deleted or this API key can no longer see it\\. It was last seen as "running"( \\("working"\\))?: https://app\\.devin\\.ai/sessions/${id}$`
        )
      )
    ])
    expect(devin.requests.count('GET')).toBe(1)
  })

  it.concurrent('ends a run of 503s at the timeout saying so plainly, one request per poll', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    devin.faults.add({ method: 'GET', path: SESSION_PATH, kind: 'status', status: 503, times: Infinity })
    const { main } = await run(devin, { ...wait, 'wait-timeout': '7s' })
    expect(main.exitCode).toBe(1)
    expect(main.outputs.outcome).toBe('timeout')
    const id = main.outputs['session-id'] as string
    expect(main.errors[0]).toMatch(
      new RegExp(
        `^Devin's session ${id} did not stop within 7s; it keeps running \\(on-timeout: fail\\): https://app\\.devin\\.ai/sessions/${id}\\. Devin's API answered HTTP 503 to every poll for the last 7s \\(\\d polls\\), so the session's state at the deadline is unknown\\. The last error: Devin's API failed when trying to read session ${id} \\(HTTP 503\\)`
      )
    )
    // Polls at 5 s and at the deadline (7 s): the poll budget, whatever Devin answers.
    expect(devin.requests.count('GET')).toBeLessThanOrEqual(3)
    expect(main.warnings).toHaveLength(1)
  })

  it.concurrent('on-timeout: terminate counts a 503 on DELETE after the session ended as ended', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    devin.faults.add({ method: 'DELETE', path: SESSION_PATH, kind: 'status', status: 503, acted: true })
    const { main } = await run(devin, { ...wait, 'wait-timeout': '7s', 'on-timeout': 'terminate' })
    expect(main.exitCode).toBe(1)
    const id = main.outputs['session-id'] as string
    expect(devin.store.get(id).status).toBe('exit')
    expect(main.errors).toEqual([
      `Devin's session ${id} did not stop within 7s; the action ended it (on-timeout: terminate): https://app.devin.ai/sessions/${id}.`
    ])
    expect(main.stdout).toContain('but reading it again shows it has ended.')
    expect(main.outputs.status).toBe('exit')
  })

  it.concurrent('the post step counts a 503 on DELETE after the session ended as ended', async () => {
    const devin = await emulator({ scenario: 'forever-working' })
    devin.faults.add({ method: 'DELETE', path: SESSION_PATH, kind: 'status', status: 503, acted: true })
    const polled = async () => {
      for (let i = 0; i < 200 && devin.requests.count('GET') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const started = await run(devin, wait, { cancel: { when: polled, signal: 'SIGINT' } })
    const id = started.main.outputs['session-id'] as string
    const post = await started.post()
    expect(post.exitCode, post.stdout).toBe(0)
    expect(post.warnings).toEqual([])
    expect(post.stdout).toContain(`The job was cancelled while waiting: ended Devin session ${id} (terminate-on-cancel).`)
    expect(devin.store.get(id).status).toBe('exit')
    expectNoSecrets(post)
  })
})

/** A loopback port nothing listens on: GitHub out of reach. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe.concurrent('GitHub out of reach', { timeout: 60_000 }, () => {
  it.concurrent('fails the step, saying GitHub could not be reached, when the permission check gets no answer', async () => {
    const devin = await emulator()
    const payload = examplePayload('issue_comment', 'created') as Record<string, any>
    payload.comment.body = '@devin please fix the spelling'
    const githubUrl = `http://127.0.0.1:${await closedPort()}`
    const { main } = await run(devin, {}, { event: 'issue_comment', payload, env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: githubUrl } })
    expect(main.exitCode).toBe(1)
    expect(devin.requests.length).toBe(0)
    expect(main.outputs.outcome ?? '').not.toBe('skipped')
    expect(main.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not reach GitHub at ${githubUrl.replace(/\./g, '\\.')} to check \\S+'s permission on Codertocat/Hello-World \\(.*ECONNREFUSED.*\\)\\. Nothing was sent to Devin: the action runs only for users whose permission it could verify\\. Re-run the job once GitHub is reachable\\.$`
        )
      )
    ])
    expectNoSecrets(main)
  })
})
