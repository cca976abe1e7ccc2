import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { createGitHub } from '../src/github/client.js'
import { type MainDeps, run } from '../src/main.js'
import { idempotencyTag } from '../src/policy/tags.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'

const BASE = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
const SECRET_VALUE = 'hunter2-session-secret'

const env: NodeJS.ProcessEnv = {
  GITHUB_REPOSITORY: 'octo/repo',
  GITHUB_EVENT_NAME: 'workflow_dispatch',
  GITHUB_ACTOR: 'mona',
  GITHUB_SHA: 'abc123',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '1001',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'devin',
  GITHUB_ACTION: '__run',
  GITHUB_WORKSPACE: '/workspace'
}

async function runAction(inputs: Partial<Record<InputName, string>>, files: Record<string, string> = {}): Promise<RecordingRunner> {
  const runner = recordingRunner({ 'api-url': BASE, prompt: 'Update the dependencies', ...inputs })
  const deps: MainDeps = {
    runner,
    env,
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => files[path],
    github: createGitHub
  }
  await run(deps)
  return runner
}

/** Secrets must never be readable anywhere the action writes. */
function expectNoSecrets(runner: RecordingRunner): void {
  const text = runner.everything()
  for (const secret of [TEST_API_KEY, TEST_GITHUB_TOKEN, SECRET_VALUE]) expect(text).not.toContain(secret)
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => {
  nock.cleanAll()
})

describe('run', () => {
  it('opens a session with one request and reports it in outputs, log and summary', async () => {
    let body: Record<string, unknown> = {}
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
      .post(SESSIONS, (sent: Record<string, unknown>) => {
        body = sent
        return true
      })
      .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'new' }))
    const runner = await runAction({ tags: 'nightly, deps', 'session-secrets': `NPM_TOKEN=${SECRET_VALUE}` })

    expect(scope.isDone()).toBe(true)
    const tag = idempotencyTag('octo/repo/1001/1/devin/__run/run-uuid', 'octo/repo')
    expect(body).toEqual({
      prompt: 'Update the dependencies',
      tags: [tag, 'github:octo/repo', 'nightly', 'deps'],
      session_secrets: [{ key: 'NPM_TOKEN', value: SECRET_VALUE, sensitive: true }]
    })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({
      'session-id': 'devin-abc',
      'session-url': 'https://app.devin.ai/sessions/devin-abc',
      'is-new-session': 'true',
      status: 'new',
      'status-detail': '',
      outcome: 'running',
      'pull-requests': '[]',
      'pull-request-url': '',
      'structured-output': '',
      'acus-consumed': '0',
      prompt: 'Update the dependencies'
    })
    expect(runner.log).toContain('info: Opened Devin session devin-abc: https://app.devin.ai/sessions/devin-abc')
    expect(runner.summary).toContain('| Session | [devin-abc](https://app.devin.ai/sessions/devin-abc) |')
    expect(runner.summary).toContain('| Outcome | `running` |')
    expect(runner.summary).toContain('| Session was | Created by this run |')
    // The create is settled: nothing is left in flight for the post step.
    expect(runner.state).toEqual({ 'is-post': 'true', 'waiting-on': '' })
  })

  it('masks the key, the GitHub token and each session secret value before anything else', async () => {
    nock(BASE).post(SESSIONS).reply(200, v3SessionBody())
    const runner = await runAction({ 'session-secrets': `A=${SECRET_VALUE}\nB=second=value` })
    expect(runner.secrets).toEqual([TEST_API_KEY, TEST_GITHUB_TOKEN, SECRET_VALUE, 'second=value'])
    expectNoSecrets(runner)
  })

  it('discovers the organization when org-id is empty', async () => {
    const scope = nock(BASE)
      .get('/v3/self')
      .reply(200, { principal_type: 'service_user', org_id: 'org-found' })
      .post('/v3/organizations/org-found/sessions')
      .reply(200, v3SessionBody({ session_id: 'devin-x' }))
    const runner = await runAction({ 'org-id': '' })
    expect(scope.isDone()).toBe(true)
    expect(runner.outputs['session-id']).toBe('devin-x')
  })

  it('reuses the live session for an idempotency key and sends the message', async () => {
    const tag = idempotencyTag('pr-7', 'octo/repo')
    const scope = nock(BASE)
      .get(SESSIONS)
      .query({ tags: tag, first: '100' })
      // Twice: the session was created just now, so a rival created in the same second is looked for once more.
      .times(2)
      .reply(200, { items: [v3SessionBody({ session_id: 'devin-live', tags: [tag], status: 'running', status_detail: 'working' })], has_next_page: false })
      .post(`${SESSIONS}/devin-live/messages`, { message: 'New commits were pushed.' })
      .reply(200, v3SessionBody({ session_id: 'devin-live', tags: [tag], status: 'running' }))
    const runner = await runAction({ 'idempotency-key': 'pr-7', message: 'New commits were pushed.' })
    expect(scope.isDone()).toBe(true)
    expect(runner.outputs).toMatchObject({ 'session-id': 'devin-live', 'is-new-session': 'false', outcome: 'running' })
    // The prompt was not sent to a reused session, so there is no prompt output.
    expect(runner.outputs.prompt).toBeUndefined()
    expect(runner.summary).toContain('| Session was | Reused (message sent) |')
  })

  it('continues a session given by session-id without creating one', async () => {
    const scope = nock(BASE)
      .get(`${SESSIONS}/devin-77`)
      .reply(200, v3SessionBody({ session_id: 'devin-77', status: 'running', status_detail: 'waiting_for_user' }))
      .post(`${SESSIONS}/devin-77/messages`, { message: 'Yes, merge it.' })
      .reply(200, v3SessionBody({ session_id: 'devin-77', status: 'running', status_detail: 'working' }))
    const runner = await runAction({ 'session-id': '77', prompt: '', message: 'Yes, merge it.' })
    expect(scope.isDone()).toBe(true)
    expect(runner.outputs).toMatchObject({ 'session-id': 'devin-77', 'is-new-session': 'false', 'status-detail': 'working' })
    expect(runner.outputs.prompt).toBeUndefined()
  })

  describe('dry-run', () => {
    it('prints the request with secrets redacted and sends nothing', async () => {
      const runner = await runAction({ 'dry-run': 'true', 'org-id': '', 'session-secrets': `NPM_TOKEN=${SECRET_VALUE}`, 'max-acu-limit': '5' })
      expect(runner.failed).toBeUndefined()
      expect(runner.outputs).toEqual({ outcome: 'dry-run', prompt: 'Update the dependencies' })
      const printed = runner.log.join('\n')
      expect(printed).toContain('info: Dry run: nothing was sent to Devin. A real run would send:')
      expect(printed).toContain(`POST ${BASE}/v3/organizations/{org_id}/sessions`)
      expect(printed).toContain('"key": "NPM_TOKEN",\n      "value": "***"')
      expect(printed).toContain('"max_acu_limit": 5')
      expect(runner.summary).toContain('## Devin session (dry run)')
      expect(runner.summary).toContain('"value": "***"')
      expectNoSecrets(runner)
    })

    it('says which session it would continue', async () => {
      const runner = await runAction({ 'dry-run': 'true', 'session-id': 'devin-5', message: 'hello' })
      expect(runner.log).toContain('info: Dry run: nothing was sent to Devin. A real run would continue session devin-5 and send it the message.')
      expect(runner.outputs.outcome).toBe('dry-run')
    })
  })

  describe('failures', () => {
    it('reports every bad input at once and sends nothing', async () => {
      const runner = await runAction({ 'max-acu-limit': '-1', 'poll-interval': '1s', 'attachment-urls': 'file:///etc/passwd' })
      expect(runner.failed).toBe(
        '3 inputs are invalid:\n' +
          '- attachment-urls: item 1 "file:///etc/passwd" is not an absolute http(s) URL. Accepted: a URL such as "https://example.com/path".\n' +
          '- max-acu-limit: "-1" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".\n' +
          '- poll-interval: "1s" is too short. Accepted: from 5s to 2m.'
      )
      expect(runner.outputs).toEqual({})
      expect(runner.summary).toContain('**The step failed.** 3 inputs are invalid:')
      expect(runner.summary).toContain('No session was opened.')
    })

    it('needs a prompt on an event without a default one, reported with the other bad inputs', async () => {
      const runner = await runAction({ prompt: '', 'max-acu-limit': '0' })
      expect(runner.failed).toBe(
        '2 inputs are invalid:\n- max-acu-limit: "0" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".\n' +
          '- prompt: is empty, and the "workflow_dispatch" event has no default prompt. Accepted: the task for Devin in prompt, or a file with it in prompt-file.'
      )
    })

    it('says to check the key on a 401, and never prints the key even when the API echoes it', async () => {
      nock(BASE)
        .post(SESSIONS)
        .reply(401, { detail: `Invalid key ${TEST_API_KEY}` })
      const runner = await runAction({})
      expect(runner.failed).toBe(
        'Devin did not accept the API key when trying to create a session (401 Unauthorized): Invalid key ***. Check the api-key input: it must be a current Devin key stored as a secret — a "cog_…" service-user or personal key for v3, or an "apk_…" key for v1.'
      )
      expectNoSecrets(runner)
    })

    it('keeps the outputs of a session that was opened when a later step fails', async () => {
      nock(BASE)
        .get(`${SESSIONS}/devin-9`)
        .reply(200, v3SessionBody({ session_id: 'devin-9', status: 'running' }))
        .post(`${SESSIONS}/devin-9/messages`)
        .reply(404, { detail: 'gone' })
      const runner = await runAction({ 'session-id': 'devin-9', message: 'hi' })
      expect(runner.failed).toMatch(/^Devin found nothing when trying to send a message to session devin-9 \(404 Not Found\)/)
      expect(runner.outputs).toMatchObject({ 'session-id': 'devin-9', 'session-url': 'https://app.devin.ai/sessions/devin-9', 'is-new-session': 'false' })
      expect(runner.summary).toContain('**The step failed.**')
      expect(runner.summary).toContain('| Session | [devin-9](https://app.devin.ai/sessions/devin-9) |')
    })
  })

  describe('wait', () => {
    const finished = v3SessionBody({
      session_id: 'devin-abc',
      status: 'running',
      status_detail: 'finished',
      acus_consumed: 4.5,
      pull_requests: [{ pr_url: 'https://github.com/octo/repo/pull/9', pr_state: 'open' }],
      structured_output: { summary: 'Bumped 3 packages', tests_passed: true }
    })

    /** Devin creates devin-abc, which then works on through every poll. */
    const sessionThatKeepsWorking = () =>
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .times(20)
        .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'working' }))

    it('waits until the session stops and reports what it produced', async () => {
      const scope = nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'working' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, finished)
        // Read once at the end of the wait: Devin's latest message is the summary output.
        .get(`${SESSIONS}/devin-abc/messages`)
        .query({ first: '200' })
        .reply(200, {
          items: [
            { event_id: 'e1', source: 'user', message: 'Update the dependencies', created_at: 1 },
            { event_id: 'e2', source: 'devin', message: 'Bumped 3 packages; see the pull request.', created_at: 2 }
          ],
          has_next_page: false
        })
      const schema = '{"type":"object","properties":{"summary":{"type":"string"},"tests_passed":{"type":"boolean"}}}'
      const runner = await runAction({ wait: 'stopped', 'structured-output-schema': schema })
      expect(scope.isDone()).toBe(true)
      expect(runner.failed).toBeUndefined()
      expect(runner.outputs).toMatchObject({
        outcome: 'finished',
        status: 'running',
        'status-detail': 'finished',
        'pull-requests': '[{"url":"https://github.com/octo/repo/pull/9","state":"open"}]',
        'pull-request-url': 'https://github.com/octo/repo/pull/9',
        'structured-output': '{"summary":"Bumped 3 packages","tests_passed":true}',
        'acus-consumed': '4.5',
        summary: 'Bumped 3 packages; see the pull request.'
      })
      expect(runner.summary).toContain("### Devin's latest message\n\n> Bumped 3 packages; see the pull request.\n")
      expect(runner.log).toEqual(
        expect.arrayContaining([
          'info: Waiting up to 1h for the session to stop.',
          'info: Devin is working',
          'info: Devin finished the task',
          'info: Devin opened a pull request: https://github.com/octo/repo/pull/9'
        ])
      )
      expect(runner.log.some((line) => line.startsWith('warning:'))).toBe(false)
      expect(runner.summary).toContain('| Time waited | 30s |')
      expect(runner.summary).toContain('| ACUs consumed | 4.5 |')
      expect(runner.summary).toContain('- [https://github.com/octo/repo/pull/9](https://github.com/octo/repo/pull/9) (open)')
      expect(runner.summary).toContain('| summary | Bumped 3 packages |\n| tests_passed | true |')
      expect(JSON.parse(runner.state['waiting-on'] as string)).toEqual({
        sessionId: 'devin-abc',
        orgId: 'org-test',
        apiVersion: 'v3',
        apiUrl: BASE,
        terminateOnCancel: true
      })
      expect(runner.state['wait-done']).toBe('true')
    })

    it('warns, naming the paths, when structured output breaks its schema, and still sets it', async () => {
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, finished)
      const schema = 'type: object\nrequired: [risk]\nproperties:\n  tests_passed: {type: string}\n'
      const runner = await runAction({ wait: 'true', 'structured-output-schema': schema })
      expect(runner.failed).toBeUndefined()
      expect(runner.log).toContain(
        "warning: The structured output does not match structured-output-schema (it is still set as the output): (root): must have required property 'risk'; /tests_passed: must be string"
      )
      expect(runner.outputs['structured-output']).toBe('{"summary":"Bumped 3 packages","tests_passed":true}')
    })

    it('fails on a suspension, saying why and linking the session, with the outputs set', async () => {
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'suspended', status_detail: 'out_of_credits' }))
      const runner = await runAction({ wait: 'stopped' })
      expect(runner.failed).toBe(
        "Devin's session devin-abc was suspended (out_of_credits: the organization is out of credits): https://app.devin.ai/sessions/devin-abc"
      )
      expect(runner.outputs).toMatchObject({ outcome: 'suspended', 'status-detail': 'out_of_credits', 'session-id': 'devin-abc' })
      expect(runner.summary).toContain("**The step failed.** Devin's session devin-abc was suspended")
      expect(runner.summary).toContain('| Outcome | `suspended` |')
    })

    it('succeeds when blocked is not in fail-on, and fails when it is', async () => {
      const blocked = v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'waiting_for_user' })
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, blocked)
      const passing = await runAction({ wait: 'stopped' })
      expect(passing.failed).toBeUndefined()
      expect(passing.outputs.outcome).toBe('blocked')
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .reply(200, blocked)
      const failing = await runAction({ wait: 'stopped', 'fail-on': 'blocked' })
      expect(failing.failed).toBe(
        'Devin is waiting for your input in session devin-abc: https://app.devin.ai/sessions/devin-abc. Answer it there, or leave "blocked" out of fail-on.'
      )
    })

    it('ends the session and fails on a timeout with on-timeout: terminate', async () => {
      const scope = nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-abc' }))
        .get(`${SESSIONS}/devin-abc`)
        .times(20)
        .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'running', status_detail: 'working' }))
        .delete(`${SESSIONS}/devin-abc`)
        .reply(200, v3SessionBody({ session_id: 'devin-abc', status: 'exit' }))
      const runner = await runAction({ wait: 'stopped', 'wait-timeout': '2m', 'on-timeout': 'terminate' })
      expect(scope.pendingMocks().filter((mock) => mock.startsWith('DELETE'))).toEqual([])
      expect(runner.failed).toBe(
        "Devin's session devin-abc did not stop within 2m; the action ended it (on-timeout: terminate): https://app.devin.ai/sessions/devin-abc."
      )
      expect(runner.outputs).toMatchObject({ outcome: 'timeout', status: 'exit' })
      expect(runner.log).toContain('info: Ended session devin-abc because the wait timed out (on-timeout: terminate).')
      expect(runner.summary).toContain('| Outcome | `timeout` (the action ended the session) |')
    })

    it('fails on a timeout and leaves the session running with on-timeout: fail', async () => {
      sessionThatKeepsWorking()
      const runner = await runAction({ wait: 'pull-request', 'wait-timeout': '90s' })
      expect(runner.failed).toBe(
        "Devin's session devin-abc did not open a pull request within 1m 30s; it keeps running (on-timeout: fail): https://app.devin.ai/sessions/devin-abc."
      )
    })

    it('succeeds on a timeout with on-timeout: leave, and warns', async () => {
      sessionThatKeepsWorking()
      const runner = await runAction({ wait: 'stopped', 'wait-timeout': '60', 'on-timeout': 'leave' })
      expect(runner.failed).toBeUndefined()
      expect(runner.outputs.outcome).toBe('timeout')
      expect(runner.log).toContain(
        'warning: The wait timed out after 1m; the step succeeds because on-timeout: leave. The session keeps running: https://app.devin.ai/sessions/devin-abc'
      )
    })

    it('succeeds with a warning on a timeout that fail-on leaves out', async () => {
      sessionThatKeepsWorking()
      const runner = await runAction({ wait: 'stopped', 'wait-timeout': '60', 'fail-on': 'error' })
      expect(runner.failed).toBeUndefined()
      expect(runner.outputs.outcome).toBe('timeout')
      expect(runner.log).toContain(
        'warning: The wait timed out after 1m; the step succeeds because "timeout" is not in fail-on. The session keeps running: https://app.devin.ai/sessions/devin-abc'
      )
    })

    it('reports the timeout, and that ending the session failed, when the end is refused', async () => {
      sessionThatKeepsWorking().delete(`${SESSIONS}/devin-abc`).reply(403, { detail: 'Missing ManageOrgSessions' })
      const runner = await runAction({ wait: 'stopped', 'wait-timeout': '60', 'on-timeout': 'terminate' })
      expect(runner.outputs.outcome).toBe('timeout')
      expect(runner.failed).toBe(
        "Devin's session devin-abc did not stop within 1m; it may still be running: https://app.devin.ai/sessions/devin-abc; ending the session failed too: The Devin API key is not allowed to end session devin-abc (403 Forbidden): Missing ManageOrgSessions. Give its service user the ManageOrgSessions permission in the Devin organization, or use a key that has it."
      )
      expect(runner.summary).toContain('| Outcome | `timeout` |')
    })
  })

  describe('secrets that Devin echoes back', () => {
    it('are redacted from outputs and summary even when JSON or markdown would escape them', async () => {
      const awkward = 'pa"ss\\w<rd|x'
      nock(BASE)
        .get(`${SESSIONS}/devin-1`)
        .reply(
          200,
          v3SessionBody({ session_id: 'devin-1', status: 'running', status_detail: 'finished', structured_output: { token: awkward, note: `uses ${awkward}` } })
        )
      const runner = await runAction({ 'session-id': 'devin-1', 'session-secrets': `WEIRD=${awkward}` })
      expect(runner.outputs['structured-output']).toBe('{"token":"***","note":"uses ***"}')
      expect(runner.summary).toContain('| token | *** |')
      expect(runner.everything()).not.toContain('pa\\"ss')
      expect(runner.everything()).not.toContain('w&lt;rd')
    })

    it('are redacted without touching the action’s own output values', async () => {
      nock(BASE)
        .post(SESSIONS)
        .reply(200, v3SessionBody({ session_id: 'devin-1', status: 'running', status_detail: 'finished', structured_output: null }))
      const runner = await runAction({ 'session-secrets': 'STATE=finished\nPIN=abc12345', prompt: 'Check abc12345' })
      expect(runner.outputs).toMatchObject({ 'is-new-session': 'true', outcome: 'running', 'status-detail': 'finished', prompt: 'Check ***' })
      expect(runner.summary).toContain('| Outcome | `running` |')
    })

    it('are redacted from a failure message', async () => {
      nock(BASE).post(SESSIONS).reply(400, { detail: 'bad value abc12345 in request' })
      const runner = await runAction({ 'session-secrets': 'PIN=abc12345' })
      expect(runner.failed).toBe('Devin refused the request to create a session (HTTP 400): bad value *** in request.')
      expect(runner.summary).not.toContain('abc12345')
    })

    it('are refused when too short to mask, and not masked, so nothing else is garbled', async () => {
      const runner = await runAction({ 'session-secrets': 'VERBOSE=1\nREGION=a' })
      expect(runner.failed).toMatch(/^2 inputs are invalid:\n- session-secrets: line 1 \(VERBOSE\) has a value that is 1 character long, too short to mask/)
      expect(runner.secrets).toEqual([TEST_API_KEY, TEST_GITHUB_TOKEN])
    })
  })

  it('says in the summary which tag to look for when a create could not be confirmed', async () => {
    nock(BASE).post(SESSIONS).times(5).reply(502).get(SESSIONS).query(true).times(60).reply(200, { items: [], has_next_page: false })
    const runner = await runAction({})
    const tag = idempotencyTag('octo/repo/1001/1/devin/__run/run-uuid', 'octo/repo')
    expect(runner.failed).toMatch(/^Could not confirm whether Devin created the session/)
    expect(runner.summary).toContain(`Devin may have created a session that the action could not confirm: look for the tag \`${tag}\` in Devin.`)
    expect(runner.outputs).toEqual({})
  })
})
