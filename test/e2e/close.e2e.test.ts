import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// end-on-close through the committed bundle: a closed pull request or issue opens nothing and ends the live
// sessions this repository opened for that thread, found by the thread's tag in the emulator. What is sent to
// Devin (the request log), and what the user sees (outputs, log, summary, the thread's comment, exit code).

const API_KEY = 'cog_e2eCloseKeyNeverPrinted0123456789ab'
const ORG = 'org-e2e-close'
const SESSIONS = `/v3/organizations/${ORG}/sessions`
/** The repository of @octokit/webhooks-examples' pull_request.closed and issues payloads (Codertocat/Hello-World). */
const REPO_ID = 186853002
const REPO = 'Codertocat/Hello-World'
const PR = 2
const ISSUE = 1
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' }, { timeoutMs: 30_000 })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Review this pull request.', ...extra }
}

/** Every request Devin got, as `METHOD path`. */
function sent(devin: Emulator): string[] {
  return devin.requests.all().map((r) => `${r.method} ${r.path}`)
}

const thread = (number: number, repoId = REPO_ID) => `gh-thread:${repoId}#${number}`
const repoTag = (repoId = REPO_ID) => `gh-repo:${repoId}`

/**
 * The sessions of the case: two live on the thread (one waiting for the user), one that already exited there,
 * one live on another thread of the repository, and one live on the same number in another repository.
 */
function seedThread(devin: Emulator, number: number): { live: string[]; others: string[] } {
  const [working, waiting, exited, otherThread, otherRepo] = devin.store.seed([
    { tags: [repoTag(), thread(number)], created_at: Math.floor(Date.now() / 1_000) - 60 },
    { tags: [repoTag(), thread(number)], status: 'running', status_detail: 'waiting_for_user' },
    { tags: [repoTag(), thread(number)], status: 'exit', status_detail: null },
    { tags: [repoTag(), thread(number + 40)] },
    { tags: [repoTag(99), thread(number, 99)] }
  ])
  const ids = [working, waiting, exited, otherThread, otherRepo].map((session) => session?.session_id ?? '')
  return { live: ids.slice(0, 2), others: ids.slice(2) }
}

function closedPullRequest(): Record<string, unknown> {
  return examplePayload('pull_request', 'closed')
}

/** @octokit/webhooks-examples has no issues.closed payload: its issues.reopened one, closed again as GitHub sends it. */
function closedIssue(): Record<string, unknown> {
  const payload = examplePayload('issues', 'reopened') as { action: string; issue: { state: string; closed_at: string | null } }
  payload.action = 'closed'
  payload.issue.state = 'closed'
  payload.issue.closed_at = '2019-05-15T15:25:00Z'
  return payload
}

describe('end-on-close through the bundle', { timeout: 30_000 }, () => {
  it.concurrent('a closed pull request ends its two live sessions with one list and two DELETEs, creates nothing, and says so in the comment', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    const { live, others } = seedThread(devin, PR)
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin)
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // Newest first: the waiting session was seeded after the working one.
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`, `DELETE ${SESSIONS}/${live[1]}`, `DELETE ${SESSIONS}/${live[0]}`])
    expect(devin.requests.all()[0]?.query).toMatchObject({ tags: [thread(PR)] })
    for (const id of live) expect(devin.store.get(id)?.status).toBe('exit')
    for (const id of others.slice(1)) expect(devin.store.get(id)?.status).toBe('running')
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '2' })
    expect(main.outputs['session-id']).toBeUndefined()
    for (const id of live) expect(main.stdout).toContain(`Ended session ${id} (https://app.devin.ai/sessions/${id}): pull request #2 was closed.`)
    expect(main.stdout).toContain(`Pull request #2 was closed: ended 2 of its 2 live sessions (tagged ${thread(PR)}).`)
    expect(main.warnings).toEqual([])
    expect(main.summary).toContain('### Pull request #2 closed')
    expect(main.summary).toContain(`Pull request #2 was closed, so the action ended its 2 live sessions (tagged \`${thread(PR)}\`):`)
    for (const id of live) expect(main.summary).toContain(`- [${id}](https://app.devin.ai/sessions/${id})`)
    expect(main.summary).toContain('Outcome `ended`, `ended-sessions`: 2.')
    // One comment, created since none was there, listing both sessions.
    const comments = github.comments.get(PR) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('⏹️ Pull request #2 was closed, so the action ended its 2 live Devin sessions:')
    for (const id of live) expect(comments[0]?.body).toContain(`- [${id}](https://app.devin.ai/sessions/${id})`)
    expect(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toHaveLength(1)
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])
  })

  it.concurrent('a closed issue ends its live sessions, with no permission check (a bot may close it too)', async () => {
    const devin = await emulator()
    // Nobody has any permission here: the close job never asks.
    const github = await fakeGitHub({}, { repository: REPO })
    const { live } = seedThread(devin, ISSUE)
    const payload = closedIssue() as { sender: { login: string; type: string } }
    payload.sender = { ...payload.sender, login: 'stale[bot]', type: 'Bot' }
    const { main } = await runBundledAction({
      event: 'issues',
      payload,
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { prompt: '' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin).sort()).toEqual([`GET ${SESSIONS}`, ...live.map((id) => `DELETE ${SESSIONS}/${id}`)].sort())
    expect(devin.requests.all()[0]?.query).toMatchObject({ tags: [thread(ISSUE)] })
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '2' })
    expect(github.requests.some((r) => r.path.includes('/collaborators/'))).toBe(false)
    expect(github.comments.get(ISSUE)?.[0]?.body).toContain('⏹️ Issue #1 was closed, so the action ended its 2 live Devin sessions:')
  })

  it.concurrent('adds to the step comment it finds, erasing nothing, and a session that stopped between the list and the DELETE is no error', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    const { live } = seedThread(devin, PR)
    const gone = live[1] as string
    // Devin ends the session, then answers the DELETE as it does for one that had already exited.
    devin.faults.add({
      method: 'DELETE',
      path: new RegExp(`/sessions/${gone}$`),
      kind: 'status',
      status: 400,
      acted: true,
      body: { detail: 'Devin session already exited' }
    })
    // The first run (opened) left its comment: same workflow, job and step, so the close run edits it.
    const opened = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'opened'),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'end-on-close': 'true' })
    })
    expect(opened.main.exitCode, opened.main.stdout).toBe(0)
    const createdId = opened.main.outputs['session-id'] as string
    devin.requests.clear()
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin)
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // The session the opened run created is live on the thread too: three DELETEs, and the stopped one read once more.
    const deletes = sent(devin).filter((request) => request.startsWith('DELETE'))
    expect(deletes.sort()).toEqual([createdId, ...live].map((id) => `DELETE ${SESSIONS}/${id}`).sort())
    expect(sent(devin).filter((request) => request.startsWith('GET'))).toEqual([`GET ${SESSIONS}`, `GET ${SESSIONS}/${gone}`])
    expect(sent(devin).some((request) => request.startsWith('POST'))).toBe(false)
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '2' })
    expect(main.stdout).toContain(`Session ${gone} had already stopped:`)
    expect(main.stdout).toContain('ended 2 of its 3 live sessions')
    expect(main.errors).toEqual([])
    const comments = github.comments.get(PR) ?? []
    expect(comments).toHaveLength(1)
    // The comment keeps what the opened run wrote (its session line, the outcome) and gains two notes: one for its
    // own session, and the list of the sessions without a comment of their own.
    const body = comments[0]?.body ?? ''
    expect(body).toContain(`<!-- devin-session-action:session ${createdId} -->`)
    expect(body).toContain('⏹️ Pull request #2 was closed, so the action ended this session.')
    expect(body).toContain('⏹️ Pull request #2 was closed, so the action ended its live Devin session:')
    expect(body).toContain(`[${live[0]}]`)
    expect(body).not.toContain(gone)
    expect(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toHaveLength(1)
    expect(github.requests.filter((r) => r.method === 'PATCH')).not.toHaveLength(0)
  })

  it.concurrent('with no live session: ended-sessions 0, one list, no DELETE and no comment', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    devin.store.seed([
      { tags: [thread(PR)], status: 'exit', status_detail: null },
      { tags: [thread(PR)], status: 'suspended', status_detail: 'inactivity' }
    ])
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin)
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`])
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '0' })
    expect(main.stdout).toContain(`Pull request #2 was closed; no live session of it was found (tagged ${thread(PR)}).`)
    expect(github.requests).toEqual([])
  })

  it.concurrent('a fork pull request closed without api-key (GitHub withholds secrets) is a visible skip, not a failure', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    seedThread(devin, PR)
    const payload = closedPullRequest() as { pull_request: { head: { repo: { full_name: string } } } }
    payload.pull_request.head.repo.full_name = 'forker/Hello-World'
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload,
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'api-key': '' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([])
    expect(main.outputs.outcome).toBe('skipped')
    expect(main.outputs['skip-reason']).toBe(
      'api-key is empty, so the live Devin sessions of pull request #2 were not ended. GitHub gives no secrets to pull_request runs from forks (or Dependabot); a workflow on pull_request_target gets them.'
    )
    expect(main.outputs['ended-sessions']).toBeUndefined()
    expect(main.warnings).toHaveLength(1)
    expect(main.warnings[0]).toContain('Skipped, nothing was sent to Devin: api-key is empty')
    expect(main.summary).toContain('Skipped: api-key is empty')
    expect(github.requests).toEqual([])
  })

  it.concurrent('fails, after ending the others, naming the session Devin refused to end', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    const { live } = seedThread(devin, PR)
    const refused = live[1] as string
    devin.faults.add({ method: 'DELETE', path: new RegExp(`/sessions/${refused}$`), kind: 'status', status: 403 })
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin)
    })
    expect(main.exitCode).toBe(1)
    expect(devin.store.get(live[0] as string)?.status).toBe('exit')
    expect(devin.store.get(refused)?.status).toBe('running')
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '1' })
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]).toContain(`Could not end session ${refused} of pull request #2, which was closed. It is still live and may go on spending`)
    expect(main.errors[0]).toContain('403')
    const body = github.comments.get(PR)?.[0]?.body ?? ''
    expect(body).toContain('⏹️ Pull request #2 was closed, so the action ended its live Devin session:')
    expect(body).toContain(`**The step failed:** Could not end session ${refused}`)
  })

  it.concurrent('dry-run sends nothing to Devin and names the tag a real run would list', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    seedThread(devin, PR)
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'dry-run': 'true' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([])
    expect(main.outputs.outcome).toBe('dry-run')
    expect(main.stdout).toContain(
      `Dry run: nothing was sent to Devin. A real run would list the sessions tagged ${thread(PR)} and end each live one, because pull request #2 was closed.`
    )
    expect(main.summary).toContain(`Dry run: nothing was sent to Devin. A real run would list the sessions tagged \`${thread(PR)}\` and end each live one.`)
    expect(github.requests).toEqual([])
  })

  it.concurrent('tracking-tags: false finds nothing to end: ended-sessions 0 and one warning that says why, nothing sent', async () => {
    const devin = await emulator()
    seedThread(devin, PR)
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO },
      inputs: inputs(devin, { 'tracking-tags': 'false', comment: 'false' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([])
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '0' })
    expect(main.warnings).toEqual([
      'Pull request #2 was closed, but its live Devin sessions cannot be found and none was ended: tracking-tags is false, so sessions carry no thread tag to find them by.'
    ])
  })

  it.concurrent('end-on-close: false runs the open job on a closed pull request, as before: it opens a session and ends nothing', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    const { live } = seedThread(devin, PR)
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: closedPullRequest(),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'end-on-close': 'false' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    // What the open job does on any pull_request event today: it opens a session with the prompt.
    expect(sent(devin)).toEqual([`POST ${SESSIONS}`])
    for (const id of live) expect(devin.store.get(id)?.status).toBe('running')
    expect(main.outputs).toMatchObject({ outcome: 'running', 'is-new-session': 'true' })
    expect(main.outputs['ended-sessions']).toBeUndefined()
  })
})
