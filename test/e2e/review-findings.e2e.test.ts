import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { examplePayload } from '../../scripts/lib/action-runner.ts'
import { bundledSuite } from './harness.js'

// Findings of an adversarial review of "One conversation per thread" and "The session as a check run, and
// reconcile", through the bundle. Each test states what a user sees when the problem is fixed.

const API_KEY = 'cog_e2eAdversarialReviewKeyNeverShown0123'
const ORG = 'org-e2e-adversarial'
const REPO = 'Codertocat/Hello-World'
/** Codertocat/Hello-World in @octokit/webhooks-examples: its id, and the head before and after the synchronize push of pull request #2. */
const REPO_ID = '186853002'
const OLD_HEAD = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e'
const NEW_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' }, { timeoutMs: 30_000 })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, ...extra }
}

describe('adversarial review findings, through the bundle', { timeout: 60_000 }, () => {
  it.concurrent("a follow-up skipped by a budget does not put a passing check run over the session's action_required one", async () => {
    // The session on pull request #1 waits for input: its check run (the one the merge box shows as "Devin") is
    // completed action_required. A writer answers with an @devin comment, but the pull request is over its
    // budget: nothing is sent. The run then creates a second "Devin" check run on the same head, completed
    // skipped; GitHub takes the latest check run of a name for the merge box and required checks, and skipped
    // passes, so the pull request now merges while Devin still waits. The check run stands for the session
    // ("A later run on the same session ... updates the session's check run on that commit instead of adding
    // another"); a skip that sent nothing must not replace its verdict.
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    github.pulls.set(1, { headSha: NEW_HEAD })
    const [waiting] = devin.store.seed([
      {
        tags: [`gh-repo:${REPO_ID}`, `gh-thread:${REPO_ID}#1`, `gh-sha:${NEW_HEAD}`],
        status: 'running',
        status_detail: 'waiting_for_user',
        acus_consumed: 12
      }
    ])
    const id = waiting?.session_id ?? ''
    github.checkRuns.push({
      id: 900,
      name: 'Devin',
      head_sha: NEW_HEAD,
      status: 'completed',
      conclusion: 'action_required',
      external_id: id,
      details_url: `https://app.devin.ai/sessions/${id}`,
      output: { title: 'Devin is waiting for input', summary: 'Devin is asking.' },
      started_at: new Date().toISOString(),
      completed_at: new Date().toISOString()
    })
    const payload = examplePayload('issue_comment', 'created') as Record<string, any>
    payload.comment.body = '@devin yes, cover the docs too'
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' }
    const { main } = await runBundledAction({
      event: 'issue_comment',
      payload,
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'check-run': 'true', 'budget-per-pr': '10' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs).toMatchObject({ outcome: 'skipped' })
    const devinRuns = github.checkRuns.filter((run) => run.head_sha === NEW_HEAD && run.name === 'Devin')
    // The latest "Devin" check run on the head is what GitHub shows: it must still say the session waits.
    expect(devinRuns.at(-1)).toMatchObject({ conclusion: 'action_required' })
  })

  it.concurrent("the action's own mention comment, posted with a personal token, is not taken for a request (trigger-phrase empty)", async () => {
    // With a personal github-token (README: "or by the user a personal github-token acts as"), the comments the
    // action posts are the user's and GitHub sends issue_comment events for them. With trigger-phrase empty
    // ("every comment triggers"), the mention comment of a question comes back as a follow-up: its text is sent to
    // the session, which resumes, asks again, gets mentioned again, and so on while ACUs are spent.
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    const [waiting] = devin.store.seed([{ tags: [`gh-repo:${REPO_ID}`, `gh-thread:${REPO_ID}#1`], status: 'running', status_detail: 'waiting_for_user' }])
    const id = waiting?.session_id ?? ''
    const payload = examplePayload('issue_comment', 'created') as Record<string, any>
    payload.comment.body = `<!-- devin-session-action:question ${id} q-1 -->\n@Codertocat Devin is waiting for your answer in session [${id}](https://app.devin.ai/sessions/${id}).\n`
    const { main } = await runBundledAction({
      event: 'issue_comment',
      payload,
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'trigger-phrase': '' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.requests.all().filter((request) => request.method === 'POST')).toEqual([])
    expect(main.outputs).toMatchObject({ outcome: 'skipped' })
  })

  it.concurrent("merging a pull request keeps Devin's review in the thread's comment when end-on-close ends its finished session", async () => {
    // A review run waited and Devin finished: the comment shows the outcome, Devin's latest message and the ACUs.
    // The pull request is merged (a closed event); a finished session is live, so end-on-close ends it. The session's
    // comment keeps Devin's review and gains one line saying why the session ended.
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    github.pulls.set(2, { headSha: NEW_HEAD })
    const env = { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url }
    const opened = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'opened'),
      env,
      inputs: inputs(devin, { wait: 'stopped', 'poll-interval': '5s' })
    })
    expect(opened.main.exitCode, opened.main.stdout).toBe(0)
    expect(opened.main.outputs.outcome).toBe('finished')
    const summary = opened.main.outputs.summary ?? ''
    expect(summary).not.toBe('')
    const before = github.comments.get(2)?.[0]?.body ?? ''
    expect(before).toContain("**Devin's latest message:**")

    const closed = await runBundledAction({ event: 'pull_request', payload: examplePayload('pull_request', 'closed'), env, inputs: inputs(devin) })
    expect(closed.main.exitCode, closed.main.stdout).toBe(0)
    expect(closed.main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '1' })
    const after = github.comments.get(2)?.[0]?.body ?? ''
    expect(after).toContain('Pull request #2 was closed, so the action ended this session.')
    expect(after).toContain("**Devin's latest message:**")
  })

  it.concurrent('reconcile completes the check run a synchronize run (on-new-commits: message) put on the new head', async () => {
    // The README's recipe pair: pull_request (opened, synchronize) with check-run: true and wait: none, and a
    // schedule with reconcile: true. The session was opened for the old head; a push messages it (the default
    // on-new-commits), and the synchronize run puts the session's check run on the NEW head, the one the merge box
    // shows. Reconcile must complete that one when the session stops, or a required check stays pending forever.
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    github.pulls.set(2, { headSha: NEW_HEAD })
    const [session] = devin.store.seed([{ tags: [`gh-repo:${REPO_ID}`, `gh-thread:${REPO_ID}#2`, `gh-sha:${OLD_HEAD}`, `gh-user:${REPO_ID}/codertocat`] }])
    const id = session?.session_id ?? ''
    const push = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'synchronize'),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'check-run': 'true', wait: 'none' })
    })
    expect(push.main.exitCode, push.main.stdout).toBe(0)
    expect(push.main.outputs).toMatchObject({ 'session-id': id, 'is-new-session': 'false' })
    const onNewHead = github.checkRuns.filter((run) => run.head_sha === NEW_HEAD)
    expect(onNewHead).toHaveLength(1)
    expect(onNewHead[0]).toMatchObject({ status: 'in_progress', external_id: id })

    devin.store.apply(id, { status: 'running', status_detail: 'finished', message: 'Reviewed the new commits too.' })
    const { main } = await runBundledAction({
      event: 'schedule',
      payload: { schedule: '*/10 * * * *' },
      env: { GITHUB_REPOSITORY: REPO, GITHUB_REPOSITORY_ID: REPO_ID, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '5150' },
      inputs: inputs(devin, { reconcile: 'true' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(github.checkRuns.find((run) => run.head_sha === NEW_HEAD)).toMatchObject({ status: 'completed', conclusion: 'success' })
  })

  it.concurrent('reconcile keeps the neutral conclusion of a check run completed stale (the pull request moved on)', async () => {
    // A run waited, Devin finished, but the pull request's head had moved past the commit it asked about: the
    // contract's mapping makes the check run neutral. Nothing changes afterwards; a reconcile run must not turn it
    // into success (a review of a commit nobody merges), nor spend a messages read and a write on it.
    const devin = await emulator({ scenario: 'finished-at-once' })
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    github.pulls.set(2, { headSha: OLD_HEAD })
    const opened = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'opened'),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin, { 'check-run': 'true', wait: 'stopped', 'poll-interval': '5s' })
    })
    expect(opened.main.exitCode, opened.main.stdout).toBe(0)
    expect(opened.main.outputs).toMatchObject({ outcome: 'finished', stale: 'true' })
    expect(github.checkRuns).toHaveLength(1)
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' })

    const writes = github.requests.filter((request) => request.method !== 'GET').length
    const { main } = await runBundledAction({
      event: 'schedule',
      payload: { schedule: '*/10 * * * *' },
      env: { GITHUB_REPOSITORY: REPO, GITHUB_REPOSITORY_ID: REPO_ID, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '5150' },
      inputs: inputs(devin, { reconcile: 'true' })
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' })
    expect(github.requests.filter((request) => request.method !== 'GET').length).toBe(writes)
    expect(main.outputs).toEqual({ reconciled: '0' })
  })

  it.concurrent("a reconcile run that could not read Devin's messages does not lose the question for the runs after it", async () => {
    // The session waits for the user. The first reconcile run cannot read the session's messages (one refusal): it
    // warns and writes nothing, so the next run still sees the change, reads the messages, shows the question and
    // mentions the user.
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    github.pulls.set(2, { headSha: NEW_HEAD })
    const env = { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url }
    const opened = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'opened'),
      env,
      inputs: inputs(devin, { wait: 'none' })
    })
    expect(opened.main.exitCode, opened.main.stdout).toBe(0)
    const id = opened.main.outputs['session-id'] ?? ''
    devin.store.apply(id, { status: 'running', status_detail: 'waiting_for_user', message: 'Should the review cover the docs too?' })
    devin.faults.add({ method: 'GET', path: new RegExp(`/sessions/${id}/messages$`), kind: 'status', status: 403 })
    const reconcileEnv = { ...env, GITHUB_REPOSITORY_ID: REPO_ID, GITHUB_RUN_ID: '5150' }
    const schedule = { schedule: '*/10 * * * *' }
    const first = await runBundledAction({ event: 'schedule', payload: schedule, env: reconcileEnv, inputs: inputs(devin, { reconcile: 'true' }) })
    expect(first.main.exitCode, first.main.stdout).toBe(0)
    expect(first.main.warnings.join('\n')).toContain("Could not read Devin's messages")

    const second = await runBundledAction({ event: 'schedule', payload: schedule, env: reconcileEnv, inputs: inputs(devin, { reconcile: 'true' }) })
    expect(second.main.exitCode, second.main.stdout).toBe(0)
    const comments = github.comments.get(2) ?? []
    expect(comments[0]?.body).toContain('**Devin is asking:**')
    expect(comments.some((comment) => comment.body.includes('Devin is waiting for your answer'))).toBe(true)
  })

  it.concurrent('a close whose DELETE ended the session but lost the answer counts the session as ended by this run', async () => {
    // The DELETE reaches Devin and ends the session; the connection drops before the answer. The request helper
    // retries the DELETE (retry: safe), Devin answers 400 "already exited", and the re-read shows it exited. This
    // run ended it: ended-sessions must say 1 and the thread's comment must list it, not "had already stopped".
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    const [session] = devin.store.seed([{ tags: [`gh-repo:${REPO_ID}`, `gh-thread:${REPO_ID}#2`] }])
    const id = session?.session_id ?? ''
    devin.faults.add({ method: 'DELETE', path: new RegExp(`/sessions/${id}$`), kind: 'drop-after' })
    const { main } = await runBundledAction({
      event: 'pull_request',
      payload: examplePayload('pull_request', 'closed'),
      env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
      inputs: inputs(devin)
    })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(devin.store.get(id).status).toBe('exit')
    expect(main.outputs).toMatchObject({ outcome: 'ended', 'ended-sessions': '1' })
    expect(github.comments.get(2)?.[0]?.body ?? '').toContain(id)
  })
})
