import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { type StepOptions, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// The end of a wait through the bundle, on real webhook payloads, with the Devin emulator and the fake GitHub:
// Devin's latest message (the summary output), its question in the comment with one mention of the user who
// asked, and whether the pull request moved on (stale). Each test has its own servers.

const API_KEY = 'cog_e2eConversationKeyNeverPrinted0123'
const V1_KEY = 'apk_user_e2eConversationV1KeyNeverPrinted'
const ORG = 'org-e2e'
const REPO = 'Codertocat/Hello-World'
/** The head of pull request #2 in the example payload. */
const PAYLOAD_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
const NEWER_HEAD = '2222222222222222222222222222222222222222'
const WAIT = { wait: 'stopped', 'poll-interval': '5s' }

const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG })

function step(devin: Emulator, github: FakeGitHub, event: string, payload: unknown, inputs: Record<string, string> = {}): StepOptions {
  return {
    event,
    payload,
    env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url, GITHUB_WORKFLOW: 'Devin' },
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, ...inputs }
  }
}

/** Codertocat's comment on issue #1 of the example payload. */
function commentCreated(body: string): Record<string, any> {
  const payload = examplePayload('issue_comment', 'created') as Record<string, any>
  payload.comment.body = body
  return payload
}

/** Devin's latest message as the emulator holds it. */
function lastDevinMessage(devin: Emulator, sessionId: string): { event_id: string; message: string } {
  const devinMessages = devin.store.messages(sessionId, { first: 200 }).items.filter((message) => message.source === 'devin')
  return devinMessages.at(-1) as { event_id: string; message: string }
}

const messageLists = (devin: Emulator) => devin.requests.count('GET', /\/sessions\/[^/]+\/messages$/)
const pullReads = (github: FakeGitHub) => github.requests.filter((request) => request.method === 'GET' && /\/pulls\/\d+$/.test(request.path)).length
const mentionsOf = (github: FakeGitHub, login: string) => (github.comments.get(1) ?? []).filter((comment) => comment.body.includes(`@${login}`))

describe('the end of a wait, through the bundle', { timeout: 90_000 }, () => {
  it.concurrent("shows Devin's question in the comment and mentions the commenting user once, across runs", async () => {
    const devin = await emulator({ scenario: 'waiting_for_user-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' })
    const first = await runBundledAction(step(devin, github, 'issue_comment', commentCreated('@devin please fix the typo'), WAIT))
    const { main } = first
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('blocked')
    const sessionId = main.outputs['session-id'] as string
    const question = lastDevinMessage(devin, sessionId)
    expect(question.message).toBe('Which branch should I base the fix on?')
    expect(main.outputs.summary).toBe(question.message)
    expect(messageLists(devin)).toBe(1)

    const thread = github.comments.get(1) ?? []
    expect(thread).toHaveLength(2)
    const [living, mention] = thread
    expect(living?.body).toContain(`**Devin is asking:**\n\n> ${question.message}\n`)
    expect(mention?.body).toBe(
      `<!-- devin-session-action:question ${sessionId} ${question.event_id} -->\n` +
        `@Codertocat Devin is waiting for your answer in session [${sessionId}](https://app.devin.ai/sessions/${sessionId}): see [the question](${living?.html_url}). Answer with a comment that starts with \`@devin\`, or in the session.\n`
    )
    // GitHub notifies for a mention in a new comment only: the living comment never mentions anyone.
    expect(mentionsOf(github, 'Codertocat').map((comment) => comment.id)).toEqual([mention?.id])
    expect(main.summary).toContain(`### Devin is asking\n\n> ${question.message}\n`)
    expect(main.stdout).toContain('Devin is waiting for an answer: mentioned @Codertocat in a new comment.')
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])

    // A later run on the same session, still waiting on the same question: the comment is edited, nobody is mentioned again.
    const second = await runBundledAction(
      step(devin, github, 'issue_comment', commentCreated('@devin what is the status?'), { ...WAIT, 'session-id': sessionId })
    )
    expect(second.main.exitCode, second.main.stdout).toBe(0)
    expect(second.main.outputs).toMatchObject({ outcome: 'blocked', 'session-id': sessionId, summary: question.message })
    expect(messageLists(devin)).toBe(2)
    expect((github.comments.get(1) ?? []).map((comment) => comment.id)).toEqual([living?.id, mention?.id])
    expect(mentionsOf(github, 'Codertocat')).toHaveLength(1)
    expect(second.main.stdout).toContain('Devin is waiting for an answer: @Codertocat was already mentioned for this question, so not again.')
  })

  it.concurrent('sets stale=true when the pull request head moved past the commit the run asked about, naming both', async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' })
    github.pulls.set(2, { headSha: NEWER_HEAD })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', examplePayload('pull_request', 'opened'), WAIT))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.stale).toBe('true')
    expect(pullReads(github)).toBe(1)
    expect(main.summary).toContain(
      `**The pull request has moved on:** the session was last asked about \`${PAYLOAD_HEAD}\`; its head is now \`${NEWER_HEAD}\`.`
    )
    expect(github.comments.get(2)?.[0]?.body).toContain(
      `⚠️ The pull request has moved on: the session was last asked about ${PAYLOAD_HEAD}; its head is now ${NEWER_HEAD}.`
    )
    // The finished session's last word is the summary, shown in the comment too.
    const done = lastDevinMessage(devin, main.outputs['session-id'] as string).message
    expect(main.outputs.summary).toBe(done)
    expect(github.comments.get(2)?.[0]?.body).toContain(`**Devin's latest message:**\n\n> ${done}\n`)
  })

  it.concurrent('sets stale=false when the pull request head is still the commit the run asked about', async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' })
    github.pulls.set(2, { headSha: PAYLOAD_HEAD })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', examplePayload('pull_request', 'opened'), WAIT))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.stale).toBe('false')
    expect(pullReads(github)).toBe(1)
    expect(main.summary).not.toContain('moved on')
  })

  it.concurrent('reads neither the messages nor the pull request head on a run that does not wait', async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' })
    github.pulls.set(2, { headSha: NEWER_HEAD })
    const { main } = await runBundledAction(step(devin, github, 'pull_request', examplePayload('pull_request', 'opened')))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.all().map((request) => `${request.method} ${request.path}`)).toEqual([`POST /v3/organizations/${ORG}/sessions`])
    expect(pullReads(github)).toBe(0)
    expect(main.outputs.summary).toBeUndefined()
    expect(main.outputs.stale).toBeUndefined()
  })

  it.concurrent("v1: the summary is Devin's latest message from the session's own answer", async () => {
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub()
    const { main } = await runBundledAction(
      step(devin, github, 'workflow_dispatch', undefined, { ...WAIT, 'api-key': V1_KEY, 'api-version': 'v1', 'org-id': '', prompt: 'Fix the bug.' })
    )
    expect(main.exitCode, main.stdout).toBe(0)
    const sessionId = main.outputs['session-id'] as string
    expect(main.outputs.summary).toBe(lastDevinMessage(devin, sessionId).message)
    // One poll that sees the end, then one read of the messages (v1 carries them in the session's answer).
    expect(devin.requests.all().map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /v1/sessions',
      `GET /v1/sessions/${sessionId}`,
      `GET /v1/sessions/${sessionId}`
    ])
    expect(main.summary).toContain("### Devin's latest message")
    expectNoSecrets(main, [V1_KEY, TEST_GITHUB_TOKEN])
  })

  it.concurrent('warns once, naming the permission, when the messages cannot be read, and still succeeds', async () => {
    const devin = await emulator({ scenario: 'waiting_for_user-at-once', forbidden: ['list-messages'] })
    const github = await fakeGitHub({ Codertocat: 'write' })
    const { main } = await runBundledAction(step(devin, github, 'issue_comment', commentCreated('@devin please fix the typo'), WAIT))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs.outcome).toBe('blocked')
    expect(main.outputs.summary).toBeUndefined()
    expect(main.warnings).toHaveLength(1)
    expect(main.warnings[0]).toMatch(/^Could not read Devin's messages in session devin-\w+, so the summary output is empty: .*ViewOrgSessions/)
    expect(messageLists(devin)).toBe(1)
    // No question to show: the comment says Devin waits, and nobody is mentioned.
    expect(github.comments.get(1)).toHaveLength(1)
  })
})
