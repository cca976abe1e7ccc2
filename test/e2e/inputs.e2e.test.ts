import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { failingJobLog } from '../../emulator/github/job-logs.ts'
import type { Emulator } from '../../emulator/server.ts'
import { type ActionRun, type StepOptions, examplePayload, payloadContext, failedWorkflowRunPayload } from '../../scripts/lib/action-runner.ts'
import { defaultInputs, readActionYml } from '../../scripts/lib/action-yml.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// Every input of action.yml, run through the committed bundle with a valid value that is not its
// default, and what the user sees for it asserted: the field sent to Devin, an output, or the log or
// summary text it changes. The unit tests run the source; only this proves the bundle (its lazily
// loaded chunks included) honours each input. The last test fails, naming the input, when an input
// of action.yml has no passing case here that really ran the bundle with a non-default value.

const API_KEY = 'cog_e2eInputsKeyNeverPrinted0123456789'
const V1_KEY = 'apk_user_e2eInputsV1KeyNeverPrinted0123'
const SESSION_SECRET = 'npm_e2eInputsSecret=with=equals0042'
const USER_TOKEN = 'ghp_e2eInputsPersonalToken0123456789abcd'
const ORG = 'org-e2e-inputs'
const REPO = 'octo-org/octo-repo'

/** The structured output every emulated session finishes with (emulator/lifecycle.ts), and a schema it meets. */
const EMULATED_OUTPUT = { summary: 'Emulated session: fixed the bug and added a regression test.', tests_passed: true }
const MATCHING_SCHEMA = {
  type: 'object',
  required: ['summary', 'tests_passed'],
  properties: { summary: { type: 'string' }, tests_passed: { type: 'boolean' } }
}
const MATCHING_SCHEMA_YAML = [
  'type: object',
  'required: [summary, tests_passed]',
  'properties:',
  '  summary: {type: string}',
  '  tests_passed: {type: boolean}',
  ''
].join('\n')

const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' })

// ---- What each case covers, and the runs that prove it ----

interface CaseRecord {
  /** The inputs the case gives a non-default value and asserts the effect of. */
  covers: readonly string[]
  /** The INPUT_* environment of every bundled run the case made. */
  runs: Record<string, string>[]
  passed: boolean
}

const cases = new Map<string, CaseRecord>()

/** Runs the bundle as a case does, recording the inputs it really passed. */
type Run = (options: StepOptions) => Promise<ActionRun>

/**
 * An end-to-end case that declares the inputs it covers. Its runs are recorded from the environment
 * the bundle got, and it counts only once every assertion passed, so the coverage check below cannot
 * be satisfied by a declaration alone.
 */
function inputCase(name: string, covers: readonly string[], body: (run: Run) => Promise<void>): void {
  const record: CaseRecord = { covers, runs: [], passed: false }
  cases.set(name, record)
  it.concurrent(name, async () => {
    const run: Run = async (options) => {
      const result = await runBundledAction({ timeoutMs: 30_000, ...options })
      record.runs.push(Object.fromEntries(Object.entries(result.env).filter(([key]) => key.startsWith('INPUT_'))))
      return result
    }
    await body(run)
    record.passed = true
  })
}

function devinInputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Update the dependencies.', ...extra }
}

function createBody(devin: Emulator): Record<string, unknown> {
  const created = devin.requests.filter('POST', /\/sessions$/)
  expect(created).toHaveLength(1)
  return created[0]?.body as Record<string, unknown>
}

const secrets = [API_KEY, V1_KEY, SESSION_SECRET, USER_TOKEN, TEST_GITHUB_TOKEN]

describe('every input of action.yml through the bundle', { timeout: 30_000 }, () => {
  inputCase(
    'v3: every request field is sent as given, and a wait for structured output that meets the inline JSON schema',
    [
      'api-key',
      'org-id',
      'api-url',
      'prompt',
      'title',
      'tags',
      'repos',
      'playbook-id',
      'child-playbook-id',
      'knowledge-ids',
      'secret-ids',
      'session-secrets',
      'session-links',
      'attachment-urls',
      'max-acu-limit',
      'structured-output-schema',
      'structured-output-required',
      'devin-mode',
      'platform',
      'resumable',
      'bypass-approval',
      'create-as-user-id',
      'wait',
      'wait-timeout'
    ],
    async (run) => {
      // Only this exact key authenticates, so a session proves the key was the one sent.
      const devin = await emulator({ scenario: 'finished-at-once', apiKeys: [API_KEY] })
      const { main } = await run({
        inputs: devinInputs(devin, {
          prompt: 'Upgrade {{ repo }} to Node 24 ({{ event }}).',
          title: 'Node 24 for {{ repo }}',
          tags: 'e2e, node24',
          repos: 'octo-org/octo-repo\nocto-org/octo-lib',
          'playbook-id': 'playbook-upgrade',
          'child-playbook-id': 'playbook-child',
          'knowledge-ids': 'note-1, note-2',
          'secret-ids': 'secret-npm',
          'session-secrets': `NPM_TOKEN=${SESSION_SECRET}`,
          'session-links': 'https://app.devin.ai/sessions/earlier1',
          'attachment-urls': 'https://example.com/build.log',
          'max-acu-limit': '25',
          'structured-output-schema': JSON.stringify(MATCHING_SCHEMA, null, 2),
          'structured-output-required': 'true',
          'devin-mode': 'fast',
          platform: 'windows',
          resumable: 'true',
          'bypass-approval': 'false',
          'create-as-user-id': 'user-e2e',
          wait: 'structured-output',
          'wait-timeout': '2m',
          'poll-interval': '5s'
        })
      })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(devin.requests.last('POST')?.path).toBe(`/v3/organizations/${ORG}/sessions`)
      expect(createBody(devin)).toEqual({
        prompt: 'Upgrade octo-org/octo-repo to Node 24 (workflow_dispatch).',
        title: 'Node 24 for octo-org/octo-repo',
        // workflow_dispatch: the repository (by the payload's id) and the user, no thread, no head SHA.
        tags: [expect.stringMatching(/^idem:[0-9a-f]{24}$/), `github:${REPO}`, 'gh-repo:6811672', 'gh-user:6811672/octocat', 'e2e', 'node24'],
        repos: ['octo-org/octo-repo', 'octo-org/octo-lib'],
        playbook_id: 'playbook-upgrade',
        child_playbook_id: 'playbook-child',
        knowledge_ids: ['note-1', 'note-2'],
        secret_ids: ['secret-npm'],
        session_secrets: [{ key: 'NPM_TOKEN', value: SESSION_SECRET, sensitive: true }],
        session_links: ['https://app.devin.ai/sessions/earlier1'],
        attachment_urls: ['https://example.com/build.log'],
        max_acu_limit: 25,
        structured_output_schema: MATCHING_SCHEMA,
        structured_output_required: true,
        devin_mode: 'fast',
        platform: 'windows',
        resumable: true,
        bypass_approval: false,
        create_as_user_id: 'user-e2e'
      })
      expect(main.stdout).toContain('Waiting up to 2m for the session to provide structured output.')
      expect(main.outputs).toMatchObject({ outcome: 'finished', prompt: 'Upgrade octo-org/octo-repo to Node 24 (workflow_dispatch).' })
      expect(JSON.parse(main.outputs['structured-output'] as string)).toEqual(EMULATED_OUTPUT)
      expect(main.summary).toContain('### Structured output')
      // The output meets the schema: no mismatch warning.
      expect(main.warnings).toEqual([])
      expect(main.masked).toContain(SESSION_SECRET)
      expectNoSecrets(main, secrets)
    }
  )

  inputCase(
    'v3: structured output that breaks an inline YAML schema is still set, with a warning naming each failing path',
    ['structured-output-schema', 'wait'],
    async (run) => {
      const devin = await emulator({ scenario: 'finished-at-once' })
      const schema = [
        'type: object',
        'required: [summary, tests_passed, coverage]',
        'properties:',
        '  summary: {type: string}',
        '  tests_passed: {type: string}',
        '  coverage: {type: number}',
        ''
      ].join('\n')
      const { main } = await run({ inputs: devinInputs(devin, { 'structured-output-schema': schema, wait: 'stopped', 'poll-interval': '5s' }) })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(createBody(devin).structured_output_schema).toEqual({
        type: 'object',
        required: ['summary', 'tests_passed', 'coverage'],
        properties: { summary: { type: 'string' }, tests_passed: { type: 'string' }, coverage: { type: 'number' } }
      })
      expect(main.stdout).toContain('Waiting up to 1h for the session to stop.')
      const mismatch = main.warnings.filter((w) => w.startsWith('The structured output does not match structured-output-schema'))
      expect(mismatch).toHaveLength(1)
      expect(mismatch[0]).toContain('/tests_passed: must be string')
      expect(mismatch[0]).toContain("(root): must have required property 'coverage'")
      expect(JSON.parse(main.outputs['structured-output'] as string)).toEqual(EMULATED_OUTPUT)
    }
  )

  inputCase(
    'v1: an apk_ key with snapshot-id, unlisted, a prompt-file and a .json schema file from the workspace',
    ['api-key', 'api-version', 'prompt-file', 'snapshot-id', 'unlisted', 'structured-output-schema', 'wait'],
    async (run) => {
      const devin = await emulator({ scenario: 'finished-at-once' })
      const { main } = await run({
        files: {
          '.github/devin/nightly.md': 'Refresh the API docs of {{ repo }} (a {{ event }} run).\n',
          '.github/devin/output.schema.json': JSON.stringify(MATCHING_SCHEMA)
        },
        inputs: {
          'api-key': V1_KEY,
          'api-url': devin.url,
          'api-version': 'v1',
          'prompt-file': '.github/devin/nightly.md',
          'snapshot-id': 'snapshot-e2e',
          unlisted: 'true',
          'structured-output-schema': '.github/devin/output.schema.json',
          wait: 'pull-request',
          'poll-interval': '5s'
        }
      })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(devin.requests.last('POST')?.path).toBe('/v1/sessions')
      const prompt = 'Refresh the API docs of octo-org/octo-repo (a workflow_dispatch run).\n'
      expect(createBody(devin)).toMatchObject({ prompt, snapshot_id: 'snapshot-e2e', unlisted: true, structured_output_schema: MATCHING_SCHEMA })
      expect(main.stdout).toContain('Waiting up to 1h for the session to open a pull request.')
      expect(main.outputs).toMatchObject({ prompt, outcome: 'finished' })
      expect(main.outputs['pull-request-url']).toMatch(/^https:\/\/github\.com\//)
      expect(main.warnings).toEqual([])
      expectNoSecrets(main, secrets)
    }
  )

  inputCase(
    'v3beta1: advanced-mode and a .yml schema file, and an exit that fails the step because fail-on lists it',
    ['api-version', 'advanced-mode', 'structured-output-schema', 'wait', 'fail-on'],
    async (run) => {
      const devin = await emulator({ scenario: 'exit-at-once' })
      const { main } = await run({
        files: { 'schemas/devin-output.yml': MATCHING_SCHEMA_YAML },
        inputs: devinInputs(devin, {
          'api-version': 'v3beta1',
          'advanced-mode': 'analyze',
          'session-links': 'https://app.devin.ai/sessions/earlier2',
          'structured-output-schema': 'schemas/devin-output.yml',
          // The alias of "stopped".
          wait: 'true',
          'poll-interval': '5s',
          'fail-on': 'exited'
        })
      })
      expect(devin.requests.last('POST')?.path).toBe(`/v3beta1/organizations/${ORG}/sessions`)
      expect(createBody(devin)).toMatchObject({
        advanced_mode: 'analyze',
        session_links: ['https://app.devin.ai/sessions/earlier2'],
        structured_output_schema: MATCHING_SCHEMA
      })
      expect(main.stdout).toContain('Waiting up to 1h for the session to stop.')
      // With the default fail-on (error,suspended,timeout) an exited session does not fail the step.
      expect(main.exitCode).toBe(1)
      expect(main.outputs.outcome).toBe('exited')
      expect(main.errors).toEqual([
        `Devin's session ${main.outputs['session-id']} ended (status "exit") before the wait was over: ${main.outputs['session-url']}`
      ])
      expect(main.summary).toContain('**The step failed.**')
    }
  )

  inputCase(
    'a wait that times out: poll-interval sets the polls, wait-timeout the deadline, on-timeout: leave lets the step succeed',
    ['wait', 'wait-timeout', 'poll-interval', 'on-timeout'],
    async (run) => {
      const devin = await emulator({ scenario: 'forever-working' })
      const { main } = await run({ inputs: devinInputs(devin, { wait: 'stopped', 'wait-timeout': '8s', 'poll-interval': '5s', 'on-timeout': 'leave' }) })
      expect(main.exitCode, main.stdout).toBe(0)
      // Polls at 5 s, then (the interval doubled to 10 s) at the 8 s deadline; the default 15 s interval would poll once.
      expect(devin.requests.count('GET', /\/sessions\/[^/]+$/)).toBe(2)
      // Then Devin's messages, read once at the end of the wait (the summary output).
      expect(devin.requests.count('GET', /\/sessions\/[^/]+\/messages$/)).toBe(1)
      expect(devin.requests.count('DELETE')).toBe(0)
      expect(main.outputs.outcome).toBe('timeout')
      expect(main.warnings).toEqual([
        `The wait timed out after 8s; the step succeeds because on-timeout: leave. The session keeps running: ${main.outputs['session-url']}`
      ])
    }
  )

  inputCase('terminate-on-cancel: false leaves the session running when the job is cancelled mid-wait', ['terminate-on-cancel'], async (run) => {
    const devin = await emulator({ scenario: 'forever-working' })
    // Cancel once the main step has saved the session it waits on (not only the create in flight), as the
    // runner would at any later moment.
    const waiting = async (ws: { files: { state: string } }) => {
      for (let i = 0; i < 400 && !readFileSync(ws.files.state, 'utf8').includes('"sessionId"'); i++) await sleep(50)
    }
    const result = await run({
      inputs: devinInputs(devin, { wait: 'stopped', 'poll-interval': '5s', 'terminate-on-cancel': 'false' }),
      cancel: { when: waiting, signal: 'SIGINT' }
    })
    expect(result.main.signal).toBe('SIGINT')
    const id = result.main.outputs['session-id'] as string
    const post = await result.post()
    expect(post.exitCode, post.stdout).toBe(0)
    expect(post.stdout).toContain(`The job was cancelled while waiting on Devin session ${id}; it keeps running (terminate-on-cancel: false).`)
    expect(devin.requests.count('DELETE')).toBe(0)
    expect(devin.store.get(id)?.status).toBe('running')
  })

  inputCase(
    'idempotency-key reuses the session and sends it the message; session-id continues a session by id',
    ['idempotency-key', 'message', 'session-id'],
    async (run) => {
      const devin = await emulator({ scenario: 'forever-working' })
      const key = { 'idempotency-key': 'docs-nightly' }
      const first = await run({ inputs: devinInputs(devin, key) })
      expect(first.main.exitCode, first.main.stdout).toBe(0)
      const id = first.main.outputs['session-id'] as string

      const second = await run({ inputs: devinInputs(devin, { ...key, message: 'Also update the changelog of {{ repo }}.' }) })
      expect(second.main.exitCode, second.main.stdout).toBe(0)
      expect(second.main.outputs).toMatchObject({ 'session-id': id, 'is-new-session': 'false' })
      expect(devin.requests.count('POST', /\/sessions$/)).toBe(1)
      expect(devin.requests.last('POST', /\/messages$/)).toMatchObject({
        path: `/v3/organizations/${ORG}/sessions/${id}/messages`,
        body: { message: 'Also update the changelog of octo-org/octo-repo.' }
      })
      expect(second.main.summary).toContain('| Session was | Reused (message sent) |')

      // The id without its "devin-" prefix, as a user may copy it from the session URL.
      const third = await run({
        inputs: { ...devinInputs(devin, { 'session-id': id.replace(/^devin-/, ''), message: 'Please also run the linter.' }), prompt: '' }
      })
      expect(third.main.exitCode, third.main.stdout).toBe(0)
      expect(third.main.outputs).toMatchObject({ 'session-id': id, 'is-new-session': 'false' })
      expect(devin.requests.count('POST', /\/sessions$/)).toBe(1)
      expect(devin.requests.last('POST', /\/messages$/)).toMatchObject({
        path: `/v3/organizations/${ORG}/sessions/${id}/messages`,
        body: { message: 'Please also run the linter.' }
      })
    }
  )

  inputCase('dry-run: true prints the request and sends nothing', ['dry-run'], async (run) => {
    const devin = await emulator()
    const { main } = await run({ inputs: devinInputs(devin, { 'dry-run': 'true' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.length).toBe(0)
    expect(main.outputs.outcome).toBe('dry-run')
    expect(main.stdout).toContain(`POST ${devin.url}/v3/organizations/${ORG}/sessions`)
    expect(main.summary).toContain('## Devin session (dry run)')
  })

  inputCase(
    'a comment with a custom trigger-phrase by a triager, with required-permission: triage and a github-token of its own',
    ['trigger-phrase', 'required-permission', 'github-token'],
    async (run) => {
      const devin = await emulator()
      const github = await fakeGitHub({ Codertocat: 'triage' })
      const payload = examplePayload('issue_comment', 'created') as Record<string, any>
      payload.comment.body = '/devin please fix the spelling in the README'
      const { main } = await run({
        event: 'issue_comment',
        payload,
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
        inputs: {
          ...devinInputs(devin, { prompt: '' }),
          'trigger-phrase': '/devin',
          'required-permission': 'triage',
          'github-token': USER_TOKEN
        }
      })
      // The defaults (@devin, write) would skip this comment.
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs['skip-reason'] ?? '').toBe('')
      expect(devin.requests.count('POST', /\/sessions$/)).toBe(1)
      expect((createBody(devin) as { prompt: string }).prompt).toContain('please fix the spelling in the README')
      // The GitHub client chunk: the permission check, the 👀 reaction and the thread's comment, all with the given token.
      expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining([
          'GET /repos/Codertocat/Hello-World/collaborators/Codertocat/permission',
          'POST /repos/Codertocat/Hello-World/issues/comments/492700400/reactions',
          'POST /repos/Codertocat/Hello-World/issues/1/comments'
        ])
      )
      expect(new Set(github.requests.map((r) => r.authorization))).toEqual(new Set([`token ${USER_TOKEN}`]))
      expect(github.reactions).toEqual([{ commentId: 492700400, content: 'eyes' }])
      expect(github.comments.get(1)?.[0]?.body).toContain(`[${main.outputs['session-id']}](${main.outputs['session-url']})`)
      expect(main.masked).toContain(USER_TOKEN)
      expectNoSecrets(main, secrets)
    }
  )

  inputCase('allow-forks: true opens a session for a fork pull request; comment: false keeps the thread quiet', ['allow-forks', 'comment'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const payload = examplePayload('pull_request', 'opened') as Record<string, any>
    payload.pull_request.head.repo.full_name = 'stranger/Hello-World'
    const { main } = await run({
      event: 'pull_request_target',
      payload,
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
      inputs: { ...devinInputs(devin, { prompt: '' }), 'allow-forks': 'true', comment: 'false' }
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs['skip-reason'] ?? '').toBe('')
    expect((createBody(devin) as { prompt: string }).prompt).toMatch(/^Review pull request #2 of Codertocat\/Hello-World/)
    // comment: auto would have written on pull request #2.
    expect(github.requests.filter((r) => r.path.includes('/comments'))).toEqual([])
    expect(github.comments.size).toBe(0)
  })

  inputCase('allowed-bots lets a listed bot open a session', ['allowed-bots'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const payload = examplePayload('pull_request', 'opened') as Record<string, any>
    payload.sender.login = 'dependabot[bot]'
    payload.sender.type = 'Bot'
    const { main } = await run({
      event: 'pull_request',
      payload,
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url, GITHUB_ACTOR: 'dependabot[bot]' },
      inputs: { ...devinInputs(devin, { prompt: '' }), 'allowed-bots': 'renovate[bot], dependabot[bot]' }
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs['skip-reason'] ?? '').toBe('')
    expect(devin.requests.count('POST', /\/sessions$/)).toBe(1)
    expect(main.outputs.outcome).toBe('running')
  })

  inputCase(
    "notify-on-blocked: false shows no question and mentions nobody when Devin waits for the user; the summary output is still Devin's message",
    ['notify-on-blocked'],
    async (run) => {
      const devin = await emulator({ scenario: 'waiting_for_user-at-once' })
      const github = await fakeGitHub({ Codertocat: 'write' })
      const payload = examplePayload('issue_comment', 'created') as Record<string, any>
      payload.comment.body = '@devin please fix the typo'
      const { main } = await run({
        event: 'issue_comment',
        payload,
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
        inputs: { ...devinInputs(devin), wait: 'stopped', 'poll-interval': '5s', 'notify-on-blocked': 'false' }
      })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs).toMatchObject({ outcome: 'blocked', summary: 'Which branch should I base the fix on?' })
      // The living comment alone: no mention comment, and no question in it.
      const thread = github.comments.get(1) ?? []
      expect(thread).toHaveLength(1)
      expect(thread[0]?.body).toContain('✋ Devin is waiting for input')
      expect(thread[0]?.body).not.toContain('Devin is asking')
      expect(thread[0]?.body).not.toContain('@Codertocat')
      expect(main.summary).not.toContain('Devin is asking')
    }
  )

  inputCase(
    "tracking-tags: false sends none of the action's tags, so an enterprise that allows only the team's tags accepts the session",
    ['tracking-tags'],
    async (run) => {
      const devin = await emulator({ allowedTags: ['team'] })
      const { main } = await run({ inputs: devinInputs(devin, { tags: 'team', 'tracking-tags': 'false' }) })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(createBody(devin).tags).toEqual(['team'])
      expect(main.warnings).toEqual([
        "tracking-tags is false: sessions carry none of the action's tags, so a retry after a create that may have reached Devin can no longer rule out a duplicate session."
      ])
      expect(main.outputs).toMatchObject({ outcome: 'running', 'is-new-session': 'true' })
      expectNoSecrets(main, secrets)
    }
  )

  inputCase(
    'follow-up: new opens another session for an @devin comment on a thread with a live session, without listing the thread',
    ['follow-up'],
    async (run) => {
      const devin = await emulator()
      const github = await fakeGitHub({ Codertocat: 'write' })
      const payload = examplePayload('issue_comment', 'created') as Record<string, any>
      payload.comment.body = '@devin start over'
      devin.store.seed([{ tags: [`gh-thread:${payload.repository.id}#${payload.issue.number}`] }])
      const { main } = await run({
        event: 'issue_comment',
        payload,
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
        inputs: devinInputs(devin, { prompt: '', 'follow-up': 'new' })
      })
      expect(main.exitCode, main.stdout).toBe(0)
      expect(devin.requests.all().map((r) => r.method)).toEqual(['POST'])
      expect(main.outputs).toMatchObject({ 'is-new-session': 'true' })
    }
  )

  inputCase("on-new-commits: restart ends the thread's session for the older head before opening one for the new head", ['on-new-commits'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const payload = examplePayload('pull_request', 'synchronize') as Record<string, any>
    const [old] = devin.store.seed([{ tags: [`gh-thread:${payload.repository.id}#${payload.number}`, `gh-sha:${payload.before}`] }])
    const { main } = await run({
      event: 'pull_request',
      payload,
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
      inputs: devinInputs(devin, { prompt: '', 'on-new-commits': 'restart' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.all().map((r) => r.method)).toEqual(['GET', 'DELETE', 'POST'])
    expect(devin.store.get(old?.session_id ?? '').status).toBe('exit')
    expect(main.outputs).toMatchObject({ 'is-new-session': 'true' })
  })

  inputCase(
    'allowed-users lets a reader comment @devin, in a restricted session whose max_acu_limit is restricted-acu-limit',
    ['allowed-users', 'restricted-acu-limit'],
    async (run) => {
      const devin = await emulator()
      const github = await fakeGitHub({ Codertocat: 'read' })
      const payload = examplePayload('issue_comment', 'created') as Record<string, any>
      payload.comment.body = '@devin please fix the spelling in the README'
      const { main } = await run({
        event: 'issue_comment',
        payload,
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
        inputs: {
          ...devinInputs(devin, { prompt: '' }),
          'session-secrets': `NPM_TOKEN=${SESSION_SECRET}`,
          'max-acu-limit': '40',
          'allowed-users': 'monalisa\nCodertocat',
          'restricted-acu-limit': '2'
        }
      })
      // Without allowed-users the reader is skipped; without restricted-acu-limit the limit would be 5.
      expect(main.exitCode, main.stdout).toBe(0)
      expect(main.outputs['skip-reason'] ?? '').toBe('')
      const body = createBody(devin)
      expect(body).toMatchObject({ secret_ids: [], max_acu_limit: 2 })
      expect(body).not.toHaveProperty('session_secrets')
      expect(body.prompt as string).toMatch(/^RESTRICTED SESSION\./)
      expect(main.stdout).toContain('This session is restricted: Codertocat has read permission (required-permission is write); allowed-users lets them in.')
      expect(main.summary).toContain('at most 2 ACUs.')
      expectNoSecrets(main, secrets)
    }
  )

  inputCase(
    'budget-per-pr, budget-per-user, budget-per-day and max-live-sessions: one list each, and the create clamped to the tightest',
    ['budget-per-pr', 'budget-per-user', 'budget-per-day', 'max-live-sessions'],
    async (run) => {
      const devin = await emulator()
      const github = await fakeGitHub({ Codertocat: 'write' })
      // Codertocat/Hello-World (id 186853002), pull request #2, opened by Codertocat: the example payload.
      const id = 186853002
      devin.store.seed([
        { tags: [`gh-repo:${id}`, `gh-thread:${id}#2`, `gh-user:${id}/codertocat`], acus_consumed: 3 },
        { tags: [`gh-repo:${id}`, `gh-user:${id}/codertocat`], acus_consumed: 4.5, status: 'exit', status_detail: null },
        { tags: [`gh-repo:${id}`], acus_consumed: 10 }
      ])
      const { main } = await run({
        event: 'pull_request',
        payload: examplePayload('pull_request', 'opened'),
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
        inputs: {
          ...devinInputs(devin, { prompt: '' }),
          'budget-per-pr': '30',
          'budget-per-user': '15.5',
          'budget-per-day': '100',
          'max-live-sessions': '5'
        }
      })
      expect(main.exitCode, main.stdout).toBe(0)
      const lists = devin.requests.filter('GET', /\/sessions$/).map((r) => r.query.tags?.[0])
      expect(lists.sort()).toEqual([`gh-repo:${id}`, `gh-repo:${id}`, `gh-thread:${id}#2`, `gh-user:${id}/codertocat`].sort())
      // The user's 15.5 - 7.5 = 8 left is the tightest.
      expect(createBody(devin).max_acu_limit).toBe(8)
      expect(main.outputs['budget-remaining']).toBe('0')
      for (const figure of [
        'pull request #2: 3 of 30 ACUs used, 27 left (budget-per-pr)',
        'sessions caused by Codertocat: 7.5 of 15.5 ACUs used in the last 24 hours, 8 left (budget-per-user)',
        "this repository's sessions: 17.5 of 100 ACUs used in the last 24 hours, 82.5 left (budget-per-day)",
        "this repository's sessions: 2 of 5 live (max-live-sessions)"
      ]) {
        expect(main.stdout).toContain(figure)
        expect(main.summary).toContain(`- ${figure}`)
      }
    }
  )

  // ---- end-on-close ----
  inputCase("end-on-close: false lets a closed pull request run the open job: the thread's live session is not ended", ['end-on-close'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const id = 186853002
    const [live] = devin.store.seed([{ tags: [`gh-repo:${id}`, `gh-thread:${id}#2`] }])
    const { main } = await run({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'closed'),
      env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url },
      inputs: devinInputs(devin, { 'end-on-close': 'false' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // With the default (true) this run would list the thread's sessions and end this one, creating nothing.
    expect(devin.requests.count('DELETE')).toBe(0)
    expect(devin.store.get(live?.session_id ?? '').status).toBe('running')
    expect(createBody(devin).prompt).toBe('Update the dependencies.')
    expect(main.outputs['ended-sessions']).toBeUndefined()
  })
  // ---- end of end-on-close ----

  // ---- check runs ----
  inputCase(
    "check-run: true keeps a check run named by check-run-name on the pull request's head, not on GITHUB_SHA",
    ['check-run', 'check-run-name'],
    async (run) => {
      const devin = await emulator()
      const github = await fakeGitHub({ Codertocat: 'write' })
      const { main } = await run({
        event: 'pull_request',
        payload: examplePayload('pull_request', 'opened'),
        env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url, GITHUB_SHA: '5555555555555555555555555555555555555555' },
        inputs: devinInputs(devin, { 'check-run': 'true', 'check-run-name': 'Devin review' })
      })
      expect(main.exitCode, main.stdout).toBe(0)
      // The run does not wait: the check run stands for the session in progress.
      expect(github.checkRuns).toHaveLength(1)
      expect(github.checkRuns[0]).toMatchObject({
        name: 'Devin review',
        head_sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        status: 'in_progress',
        external_id: main.outputs['session-id'],
        details_url: main.outputs['session-url']
      })
    }
  )
  // ---- end of check runs ----

  // ---- reconcile ----
  inputCase("reconcile: a schedule run opens nothing and brings a finished session's comment up to date", ['reconcile'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub()
    const id = 6811672
    const [finished] = devin.store.seed([{ tags: [`gh-repo:${id}`, `gh-thread:${id}#7`], status: 'exit', status_detail: null }])
    const sessionId = finished?.session_id ?? ''
    const at = new Date().toISOString()
    // The comment a run that did not wait left on the thread: it shows the session at work.
    github.comments.set(7, [
      {
        id: 77,
        body: `<!-- devin-session-action:0123456789abcdef -->\n<!-- devin-session-action:session ${sessionId} -->\n### Devin session\n\n⏳ Devin is working\n`,
        user: { login: 'github-actions[bot]', type: 'Bot' },
        html_url: `https://github.com/${REPO}/issues/7#issuecomment-77`,
        created_at: at,
        updated_at: at
      }
    ])
    const { main } = await run({
      event: 'schedule',
      payload: { schedule: '*/10 * * * *' },
      env: { GITHUB_REPOSITORY_ID: String(id), GITHUB_API_URL: github.url },
      inputs: devinInputs(devin, { prompt: '', reconcile: 'true' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // With the default (false) this run would fail: a schedule has no default prompt. Nothing is created.
    expect(devin.requests.count('POST')).toBe(0)
    expect(main.outputs).toEqual({ reconciled: '1' })
    expect(github.comments.get(7)?.[0]?.body).toContain(`⏹️ The session ended: [${sessionId}]`)
  })
  // ---- end of reconcile ----

  // ---- fixing failed CI ----
  /** The real completed workflow_run payload that names pull request #2 (octo-org/octo-repo), as a failed run, with its failed job and log on the fake GitHub. */
  const failedCiRun = async (github: FakeGitHub) => {
    const payload = failedWorkflowRunPayload('failure') as Record<string, any>
    const runId = payload.workflow_run.id as number
    github.workflowJobs.push({
      id: 901,
      run_id: runId,
      run_attempt: 1,
      name: 'test',
      status: 'completed',
      conclusion: 'failure',
      steps: [{ name: 'Run tests', status: 'completed', conclusion: 'failure', number: 1 }]
    })
    // A long log, so a smaller ci-log-size shows in what is uploaded.
    github.jobLogs.set(901, { text: `${'passing output line\n'.repeat(500)}${failingJobLog()}` })
    return { event: 'workflow_run', payload, env: { ...payloadContext(payload), GITHUB_API_URL: github.url } }
  }

  inputCase('ci-logs: false sends no log of the failed jobs to Devin; the session opens with the prompt alone', ['ci-logs'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const { main } = await run({ ...(await failedCiRun(github)), inputs: devinInputs(devin, { 'ci-logs': 'false' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    // With the default (true) the failed job's log is read and uploaded, and its URL sent.
    expect(devin.store.attachments).toEqual([])
    expect(github.requests.filter((request) => request.path.endsWith('/logs'))).toEqual([])
    expect(createBody(devin)).not.toHaveProperty('attachment_urls')
    expect(main.stdout).toContain('ci-logs is false: no log of the failed jobs is sent to Devin.')
  })

  inputCase("ci-log-size: 1KiB keeps at most 1024 bytes of each failed job's log, its end", ['ci-log-size'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const { main } = await run({ ...(await failedCiRun(github)), inputs: devinInputs(devin, { 'ci-log-size': '1KiB' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    const [log, ...more] = devin.store.attachments
    expect(more).toEqual([])
    // The default (64KiB) would keep the whole log here, well over 1 KiB.
    expect(log?.bytes.length).toBeLessThanOrEqual(1024)
    expect(log?.bytes.length).toBeGreaterThan(512)
    expect(new TextDecoder().decode(log?.bytes)).toContain('AssertionError: expected 3 to be 4')
    expect(createBody(devin).attachment_urls).toEqual([log?.url])
  })

  inputCase('max-fix-attempts: 1 skips the second fix of one pull request, naming the cap', ['max-fix-attempts'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    devin.store.seed([{ tags: ['gh-ci:300029405#2'], status: 'exit' }])
    const { main } = await run({ ...(await failedCiRun(github)), inputs: devinInputs(devin, { 'max-fix-attempts': '1' }) })
    expect(main.exitCode, main.stdout).toBe(0)
    // The default (3) would open a second session.
    expect(main.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': 'fix attempts: pull request #2 already had 1 session to fix CI (max-fix-attempts: 1).'
    })
    expect(devin.requests.filter('POST')).toEqual([])
  })
  // ---- end of fixing failed CI ----

  // ---- devin review ----
  inputCase('devin-review: true asks Devin Review for the head commit of the pull request, and opens no session', ['devin-review'], async (run) => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' })
    const payload = examplePayload('pull_request', 'opened') as { pull_request: { html_url: string; head: { sha: string } } }
    const { main } = await run({
      event: 'pull_request',
      payload,
      env: { ...payloadContext(payload), GITHUB_API_URL: github.url },
      inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, 'devin-review': 'true' }
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // The default (false) would create a session with the pull request's default prompt.
    expect(devin.requests.filter('POST', /\/sessions$/)).toEqual([])
    expect(devin.requests.filter('POST', /\/pr-reviews$/).map((request) => request.body)).toEqual([{ pr_url: payload.pull_request.html_url }])
    expect(main.outputs).toMatchObject({ 'review-status': 'pending', outcome: 'running', 'is-new-session': 'true' })
    expect(devin.store.reviews.all()).toEqual([expect.objectContaining({ pr_url: payload.pull_request.html_url })])
  })
  // ---- end of devin review ----
})

// ---- Coverage: every input of action.yml has a passing case above that ran it with a non-default value ----

const envName = (input: string) => `INPUT_${input.replace(/ /g, '_').toUpperCase()}`

/**
 * The inputs without proof, each with why: no case declares it, or no passing case really ran the
 * bundle with a value other than its default. Also names inputs a case declares that action.yml lacks.
 */
function uncoveredInputs(inputs: readonly string[], defaults: Record<string, string>, recorded: ReadonlyMap<string, CaseRecord>): string[] {
  const problems: string[] = []
  for (const input of inputs) {
    const declaring = [...recorded].filter(([, record]) => record.covers.includes(input))
    if (declaring.length === 0) {
      problems.push(`${input}: no end-to-end case declares it`)
      continue
    }
    const proven = declaring.some(
      ([, record]) =>
        record.passed && record.runs.some((env) => env[envName(input)] !== undefined && env[envName(input)]?.trim() !== (defaults[input] ?? '').trim())
    )
    if (!proven) {
      const names = declaring.map(([name]) => `"${name}"`).join(', ')
      problems.push(`${input}: declared by ${names}, but no passing run of the bundle there had a non-default value`)
    }
  }
  for (const [name, record] of recorded) {
    for (const input of record.covers) if (!inputs.includes(input)) problems.push(`${input}: declared by "${name}" but not an input of action.yml`)
  }
  return problems
}

describe('end-to-end coverage of action.yml', () => {
  const inputs = Object.keys(readActionYml().inputs)
  const defaults = defaultInputs(TEST_GITHUB_TOKEN)

  it('knows an input without a case, a case that did not pass, and a run with the default value', () => {
    const recorded = new Map<string, CaseRecord>([
      ['passed with a value', { covers: ['wait'], runs: [{ INPUT_WAIT: 'stopped' }], passed: true }],
      ['failed', { covers: ['dry-run'], runs: [{ 'INPUT_DRY-RUN': 'true' }], passed: false }],
      ['passed with the default', { covers: ['on-timeout'], runs: [{ 'INPUT_ON-TIMEOUT': 'fail' }], passed: true }],
      ['declared, never run', { covers: ['comment', 'no-such-input'], runs: [], passed: true }]
    ])
    expect(uncoveredInputs(['wait', 'dry-run', 'on-timeout', 'comment', 'title'], defaults, recorded)).toEqual([
      'dry-run: declared by "failed", but no passing run of the bundle there had a non-default value',
      'on-timeout: declared by "passed with the default", but no passing run of the bundle there had a non-default value',
      'comment: declared by "declared, never run", but no passing run of the bundle there had a non-default value',
      'title: no end-to-end case declares it',
      'no-such-input: declared by "declared, never run" but not an input of action.yml'
    ])
  })

  // Runs after the cases above (vitest runs this sequential test once the concurrent ones are done).
  it('every input of action.yml ran through the bundle with a non-default value in a passing case', () => {
    expect(uncoveredInputs(inputs, defaults, cases)).toEqual([])
  })
})
