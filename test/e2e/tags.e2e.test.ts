import { describe, expect, it } from 'vitest'
import type { Emulator, EmulatorOptions } from '../../emulator/server.ts'
import { type StepOptions, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The action's tags through the committed bundle, on a real pull_request payload, against the emulator and
// a fake GitHub on 127.0.0.1: the scope tags with the payload's repository id and head SHA, none of them with
// tracking-tags: false, and the message an enterprise's tag allow-list gets.

const API_KEY = 'cog_e2eTagsKeyNeverPrinted0123456789abc'
const ORG = 'org-e2e-tags'
const SESSIONS = `^/v3/organizations/${ORG}/sessions$`
/** What the runner says the repository is: a different id and a merge commit, which the tags must not use. */
const RUNNER_ENV = { GITHUB_REPOSITORY: 'Codertocat/Hello-World', GITHUB_REPOSITORY_ID: '999', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' }
/** From the pull_request.opened payload of @octokit/webhooks-examples. */
const REPO_ID = '186853002'
const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
const ACTION_TAGS = [`gh-repo:${REPO_ID}`, `gh-thread:${REPO_ID}#2`, `gh-user:${REPO_ID}/codertocat`, `gh-sha:${HEAD_SHA}`]

const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' })

async function world(options: EmulatorOptions = {}): Promise<{ devin: Emulator; github: FakeGitHub }> {
  const devin = await emulator(options)
  const github = await fakeGitHub({ Codertocat: 'write' })
  return { devin, github }
}

function pullRequest(devin: Emulator, github: FakeGitHub, inputs: Record<string, string> = {}): StepOptions {
  return {
    event: 'pull_request',
    payload: examplePayload('pull_request', 'opened'),
    env: { ...RUNNER_ENV, GITHUB_API_URL: github.url },
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, tags: 'team', ...inputs }
  }
}

function createBodies(devin: Emulator): { tags: string[] }[] {
  return devin.requests.filter('POST', SESSIONS).map((request) => request.body as { tags: string[] })
}

describe("the action's tags, through the bundle", { timeout: 60_000 }, () => {
  it.concurrent("a pull_request session carries the payload's repository id, thread, sender and head SHA, then the user's tags", async () => {
    const { devin, github } = await world()
    const { main } = await runBundledAction(pullRequest(devin, github))
    expect(main.exitCode, main.stdout).toBe(0)
    const [body, ...more] = createBodies(devin)
    expect(more).toEqual([])
    expect(body?.tags).toEqual([expect.stringMatching(/^idem:[0-9a-f]{24}$/), 'github:Codertocat/Hello-World', ...ACTION_TAGS, 'team'])
    expect(JSON.stringify(body)).not.toContain(RUNNER_ENV.GITHUB_SHA)
    expect(JSON.stringify(body)).not.toContain('gh-repo:999')
    // The session Devin holds is found by each scope tag alone: what a budget lists by.
    for (const tag of ACTION_TAGS) expect(devin.store.query({ tags: [tag] }).map((s) => s.session_id)).toEqual([main.outputs['session-id']])
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
  })

  it.concurrent('an @devin comment on a pull request is tagged with the head GitHub reports for it (the payload has none), never GITHUB_SHA', async () => {
    const { devin, github } = await world()
    const payload = examplePayload('issue_comment', 'created') as { issue: { number: number; pull_request?: unknown }; comment: { body: string } }
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' }
    payload.comment.body = '@devin please look at the failing test'
    const head = 'a'.repeat(40)
    github.pulls.set(payload.issue.number, { headSha: head })
    const comment = (github: FakeGitHub): StepOptions => ({
      ...pullRequest(devin, github),
      event: 'issue_comment',
      payload,
      // Each run opens its own session (the second would otherwise follow up on the first's).
      inputs: { ...pullRequest(devin, github).inputs, prompt: '', 'follow-up': 'new' }
    })
    const { main } = await runBundledAction(comment(github))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(createBodies(devin)[0]?.tags).toContain(`gh-sha:${head}`)
    expect(JSON.stringify(createBodies(devin))).not.toContain(RUNNER_ENV.GITHUB_SHA)
    expect(github.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/pulls/${payload.issue.number}`))).toHaveLength(1)

    // GitHub cannot say: the session opens without gh-sha, and the log says why.
    github.pulls.clear()
    const second = await runBundledAction(comment(github))
    expect(second.main.exitCode, second.main.stdout).toBe(0)
    expect(createBodies(devin)[1]?.tags.some((tag) => tag.startsWith('gh-sha:'))).toBe(false)
    expect(second.main.stdout).toContain(`Could not read the head commit of pull request #${payload.issue.number}`)
  })

  it.concurrent('tracking-tags: false sends none of them: only the tags input', async () => {
    const { devin, github } = await world()
    const { main } = await runBundledAction(pullRequest(devin, github, { 'tracking-tags': 'false' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(createBodies(devin).map((body) => body.tags)).toEqual([['team']])
    // Nothing was looked up by tag either: one create, and the comment on the pull request.
    expect(devin.requests.all().map((r) => r.method)).toEqual(['POST'])
    expect(main.warnings).toContain(
      "tracking-tags is false: sessions carry none of the action's tags, so a retry after a create that may have reached Devin can no longer rule out a duplicate session."
    )
  })

  it.concurrent('tracking-tags: false, after a create that reached Devin but was not answered, creates again and warns of the duplicate', async () => {
    const { devin, github } = await world()
    // Devin makes the session, then the connection drops: with no tag, nothing can find it.
    devin.faults.add({ method: 'POST', path: SESSIONS, kind: 'drop-after' })
    const { main } = await runBundledAction(pullRequest(devin, github, { 'tracking-tags': 'false' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.all().map((r) => r.method)).toEqual(['POST', 'POST'])
    const sessions = devin.store.query({ tags: ['team'] })
    expect(sessions).toHaveLength(2)
    const opened = main.outputs['session-id']
    expect(main.stdout).toMatch(/with tracking-tags: false it cannot be looked up by tag, so the create is sent again in [\d.]+s \(attempt 2 of 3\)\./)
    expect(
      main.warnings.filter((w) => w.startsWith(`Devin session ${opened} was opened by create attempt 2, after an attempt that may have reached Devin (`))
    ).toHaveLength(1)
    expect(main.warnings.at(-1)).toMatch(
      /If it did, Devin has another session for this request that the action cannot find \(tracking-tags: false\): look for it in Devin and end it\.$/
    )
  })

  it.concurrent("a create refused by the enterprise's tag allow-list fails naming the tags and both fixes, and nothing is created", async () => {
    const { devin, github } = await world({ allowedTags: ['idem:*', 'github:*', 'team'] })
    const { main } = await runBundledAction(pullRequest(devin, github))
    expect(main.exitCode).toBe(1)
    expect(devin.requests.all().map((r) => `${r.method} ${r.status}`)).toEqual(['POST 400'])
    expect(devin.store.size).toBe(0)
    const quoted = ACTION_TAGS.map((tag) => `'${tag}'`).join(', ')
    expect(main.errors).toEqual([
      [
        `Devin refused to create the session because of its tags (HTTP 400): Tag validation failed: tags ${quoted} are not in your enterprise's list of allowed tags.`,
        `Tags refused: ${ACTION_TAGS.map((tag) => `"${tag}"`).join(', ')}. An enterprise with tag validation on accepts only the tags on its allow-list.`,
        'Fix it one of two ways:',
        `- ask the Devin enterprise admin to allow the action's tags: they change with every run, so allow the prefixes "gh-repo:", "gh-thread:", "gh-user:", "gh-sha:" (or each tag as it comes);`,
        '- or set `tracking-tags: false`: the action then sends none of its own tags (idempotency-key and the budgets need them, and a create retried after a failure can then make a duplicate session).'
      ].join('\n')
    ])
    expect(main.outputs['session-id']).toBeUndefined()
    // The job summary says the same, so the fix is found without opening the log.
    expect(main.summary).toContain('ask the Devin enterprise admin to allow the action')
    expect(main.summary).toContain('tracking-tags: false')
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
  })
})
