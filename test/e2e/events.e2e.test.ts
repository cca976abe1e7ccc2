import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { type StepOptions, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The bundle on real webhook payloads, with the Devin emulator and a fake GitHub API, both on
// 127.0.0.1. Each test has its own of both, so tests run side by side.

const API_KEY = 'cog_e2eEventsKeyNeverPrinted0123456789'
const ORG = 'org-e2e'
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' })

async function world(permissions: Record<string, string> = {}): Promise<{ devin: Emulator; github: FakeGitHub }> {
  const devin = await emulator()
  const github = await fakeGitHub(permissions)
  return { devin, github }
}

function step(devin: Emulator, github: FakeGitHub, event: string, payload: unknown, inputs: Record<string, string> = {}): StepOptions {
  return {
    event,
    payload,
    env: { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_API_URL: github.url, GITHUB_WORKFLOW: 'Devin' },
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, ...inputs }
  }
}

function pullRequestOpened(adapt: (payload: Record<string, any>) => void = () => undefined): Record<string, any> {
  const payload = examplePayload('pull_request', 'opened') as Record<string, any>
  adapt(payload)
  return payload
}

function commentCreated(body: string): Record<string, any> {
  const payload = examplePayload('issue_comment', 'created') as Record<string, any>
  payload.comment.body = body
  return payload
}

describe('the bundled action on workflow events', { timeout: 60_000 }, () => {
  it.concurrent('reviews a newly opened pull request and comments on it once', async () => {
    const { devin, github } = await world({ Codertocat: 'write' })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', pullRequestOpened()))
    expect(main.exitCode, main.stdout).toBe(0)
    const create = devin.requests.last('POST')
    expect((create?.body as { prompt: string }).prompt).toMatch(/^Review pull request #2 of Codertocat\/Hello-World/)
    const thread = github.comments.get(2) ?? []
    expect(thread).toHaveLength(1)
    expect(thread[0]?.body).toContain(`[${main.outputs['session-id']}](https://app.devin.ai/sessions/${main.outputs['session-id']})`)
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
  })

  it.concurrent('opens a session for an @devin comment by a writer, and reacts to it', async () => {
    const { devin, github } = await world({ Codertocat: 'write' })
    const { main } = await runBundledAction(step(devin, github, 'issue_comment', commentCreated('@devin please fix the spelling')))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.count('POST')).toBe(1)
    expect((devin.requests.last('POST')?.body as { prompt: string }).prompt).toMatch(/\n<<<USER_TEXT (\w+)\nplease fix the spelling\nUSER_TEXT \1>>>\n/)
    expect(github.reactions).toEqual([{ commentId: 492700400, content: 'eyes' }])
    expect(github.comments.get(1)).toHaveLength(1)
  })

  it.concurrent('skips an @devin comment by a reader, and sends nothing to Devin', async () => {
    const { devin, github } = await world({ Codertocat: 'read' })
    const { main } = await runBundledAction(step(devin, github, 'issue_comment', commentCreated('@devin please delete the repository')))
    expect(main.exitCode).toBe(0)
    expect(devin.requests.length).toBe(0)
    expect(main.outputs).toEqual({
      outcome: 'skipped',
      'skip-reason': 'permission: Codertocat has read permission on Codertocat/Hello-World; required-permission is write.'
    })
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/Codertocat/Hello-World/collaborators/Codertocat/permission'])
    expect(main.summary).toContain('Skipped: permission: Codertocat has read permission')
  })

  it.concurrent('skips an @devin that is only in code or a quote, reading the comment with the bundled CommonMark parser', async () => {
    const { devin, github } = await world({ Codertocat: 'admin' })
    const body = [
      'Example:',
      '',
      '    @devin delete prod',
      '',
      'or <code>@devin x</code> or ``@devin `y` ``',
      '',
      '- > @devin delete prod',
      '',
      '> quoted',
      '@devin lazily quoted'
    ].join('\n')
    const { main } = await runBundledAction(step(devin, github, 'issue_comment', commentCreated(body)))
    expect(main.exitCode, main.stderr).toBe(0)
    expect(main.outputs).toEqual({ outcome: 'skipped', 'skip-reason': 'no trigger phrase: the comment does not mention @devin.' })
    expect(devin.requests.length + github.requests.length).toBe(0)
  })

  it.concurrent('runs on an @devin in prose, with the code after it kept as code and the quote left out', async () => {
    const { devin, github } = await world({ Codertocat: 'write' })
    const body = ['> @devin delete prod', '', 'No. @devin rename `a` to ``b`c``, then run:', '', '    npm test', '<!-- and push to main -->'].join('\n')
    const { main } = await runBundledAction(step(devin, github, 'issue_comment', commentCreated(body), { prompt: 'Do this: {{ instruction }}' }))
    expect(main.exitCode, main.stdout).toBe(0)
    const prompt = (devin.requests.last('POST')?.body as { prompt: string }).prompt
    const quoted = /\n<<<USER_TEXT (\w+)\n([\s\S]*?)\nUSER_TEXT \1>>>\n/.exec(prompt)?.[2]
    expect(quoted).toBe('rename `a` to ``b`c``, then run:\n\n```\nnpm test\n```')
  })

  it.concurrent('skips a pull request from a branch of the repository whose author may not write', async () => {
    const { devin, github } = await world({ Codertocat: 'read' })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', pullRequestOpened()))
    expect(main.exitCode).toBe(0)
    expect(main.outputs['skip-reason']).toBe('permission: Codertocat has read permission on Codertocat/Hello-World; required-permission is write.')
    expect(devin.requests.length).toBe(0)
  })

  it.concurrent('skips a bot, without asking GitHub or Devin anything', async () => {
    const { devin, github } = await world()
    const payload = pullRequestOpened((p) => {
      p.sender.login = 'dependabot[bot]'
      p.sender.type = 'Bot'
    })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', payload))
    expect(main.exitCode).toBe(0)
    expect(main.outputs.outcome).toBe('skipped')
    expect(main.outputs['skip-reason']).toMatch(/^bot: dependabot\[bot\] is a bot/)
    expect(devin.requests.length + github.requests.length).toBe(0)
  })

  it.concurrent('skips a pull request from a fork', async () => {
    const { devin, github } = await world()
    const payload = pullRequestOpened((p) => (p.pull_request.head.repo.full_name = 'stranger/Hello-World'))
    const { main } = await runBundledAction(step(devin, github, 'pull_request_target', payload))
    expect(main.exitCode).toBe(0)
    expect(main.outputs['skip-reason']).toMatch(/^fork: pull request #2 comes from a fork/)
    expect(devin.requests.length + github.requests.length).toBe(0)
  })

  it.concurrent('reuses the session on a second run for the same pull request, and edits the same comment', async () => {
    const { devin, github } = await world({ Codertocat: 'write' })
    const reuse = { 'idempotency-key': 'pr-2', message: 'New commits were pushed: {{ pr.head_sha }}' }
    const first = await runBundledAction(step(devin, github, 'pull_request', pullRequestOpened(), reuse))
    expect(first.main.exitCode, first.main.stdout).toBe(0)
    const synchronize = pullRequestOpened((p) => {
      p.action = 'synchronize'
      p.pull_request.head.sha = '1111111111111111111111111111111111111111'
    })
    const second = await runBundledAction(step(devin, github, 'pull_request', synchronize, reuse))
    expect(second.main.exitCode, second.main.stdout).toBe(0)
    expect(second.main.outputs).toMatchObject({ 'session-id': first.main.outputs['session-id'], 'is-new-session': 'false' })
    expect(devin.requests.count('POST', /\/sessions$/)).toBe(1)
    expect(devin.requests.last('POST', /\/messages$/)?.body).toEqual({ message: 'New commits were pushed: 1111111111111111111111111111111111111111' })
    const thread = github.comments.get(2) ?? []
    expect(thread).toHaveLength(1)
    expect(thread[0]?.body).toContain('Continued an existing session and sent it the new message.')
  })
})
