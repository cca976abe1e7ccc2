import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import type { Emulator } from '../../emulator/server.ts'
import { examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// reconcile through the bundle: a pull request run that does not wait leaves its comment (and a check run) showing
// the session at work; a later `reconcile: true` run on a `schedule` event brings them up to date from Devin, with
// the requests it prints, and a second one with nothing changed writes nothing to GitHub.

const API_KEY = 'cog_e2eReconcileKeyNeverPrinted012345678'
const ORG = 'org-e2e-reconcile'
const SESSIONS = `/v3/organizations/${ORG}/sessions`
/** The repository, pull request and head of @octokit/webhooks-examples' pull_request.opened payload. */
const REPO_ID = '186853002'
const REPO = 'Codertocat/Hello-World'
const PR = 2
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' }, { timeoutMs: 30_000 })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, ...extra }
}

/** Every request Devin got, as `METHOD path`. */
function sent(devin: Emulator): string[] {
  return devin.requests.all().map((r) => `${r.method} ${r.path}`)
}

/** The GitHub requests from `from` on, as `METHOD path`. */
function githubSent(github: FakeGitHub, from: number): string[] {
  return github.requests.slice(from).map((r) => `${r.method} ${r.path}`)
}

/**
 * A pull request run with `wait: none`, as the recipe has it: it opens the session and leaves its comment. The check
 * run it would keep with `check-run: true` is put in the fake GitHub as that run leaves it: in progress, named Devin,
 * on the payload's head, its external id the session.
 */
async function openWithoutWaiting(devin: Emulator, github: FakeGitHub): Promise<string> {
  const { main } = await runBundledAction({
    event: 'pull_request',
    payload: examplePayload('pull_request', 'opened'),
    env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url },
    inputs: inputs(devin, { wait: 'none' })
  })
  expect(main.exitCode, main.stdout).toBe(0)
  const id = main.outputs['session-id'] as string
  expect(github.comments.get(PR)?.[0]?.body).toContain(`⏳ Devin is working: [${id}]`)
  github.checkRuns.push({
    id: 700,
    name: 'Devin',
    head_sha: HEAD,
    status: 'in_progress',
    conclusion: null,
    external_id: id,
    details_url: `https://app.devin.ai/sessions/${id}`,
    output: { title: 'Devin is working', summary: 'Devin is working.' },
    started_at: new Date().toISOString(),
    completed_at: null
  })
  return id
}

/** A `schedule` run with `reconcile: true`: the runner sets GITHUB_REPOSITORY_ID; the payload names only the schedule. */
function reconcile(devin: Emulator, github: FakeGitHub, extra: Record<string, string> = {}) {
  return runBundledAction({
    event: 'schedule',
    payload: { schedule: '*/10 * * * *' },
    env: { GITHUB_REPOSITORY: REPO, GITHUB_REPOSITORY_ID: REPO_ID, GITHUB_API_URL: github.url, GITHUB_RUN_ID: '5150' },
    inputs: inputs(devin, { reconcile: 'true', ...extra })
  })
}

describe('reconcile through the bundle', { timeout: 60_000 }, () => {
  it.concurrent('completes the check run and edits the comment of a session that finished; a second run writes nothing', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    // The pull request has not moved since the session was opened for its head.
    github.pulls.set(PR, { headSha: HEAD })
    const id = await openWithoutWaiting(devin, github)
    devin.store.apply(id, {
      status: 'running',
      status_detail: 'finished',
      acus_consumed: 2.5,
      message: 'Reviewed the pull request: two suggestions, no blocker.'
    })
    // A session of another repository, finished, with a comment and a check run on the same thread number and head:
    // its list tag is another repository's, so it is never looked at.
    const [other] = devin.store.seed([{ tags: ['gh-repo:99', 'gh-thread:99#2', `gh-sha:${HEAD}`], status: 'exit', status_detail: null }])
    const otherId = other?.session_id ?? ''
    github.checkRuns.push({ ...(github.checkRuns[0] as (typeof github.checkRuns)[number]), id: 701, external_id: otherId })
    devin.requests.clear()
    const before = github.requests.length

    const { main } = await reconcile(devin, github)
    expect(main.exitCode, main.stdout).toBe(0)
    // One list by this repository's tag, one read of the finished session's messages; nothing created or sent.
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`, `GET ${SESSIONS}/${id}/messages`])
    expect(devin.requests.all()[0]?.query).toMatchObject({ tags: [`gh-repo:${REPO_ID}`] })
    // The pull request's head is read too: a check run a later run put on a newer head is brought up to date as well.
    expect(githubSent(github, before)).toEqual([
      `GET /repos/${REPO}/pulls/${PR}`,
      `GET /repos/${REPO}/issues/${PR}/comments`,
      `GET /repos/${REPO}/commits/${HEAD}/check-runs`,
      `PATCH /repos/${REPO}/issues/comments/${github.comments.get(PR)?.[0]?.id}`,
      `PATCH /repos/${REPO}/check-runs/700`
    ])
    expect(main.outputs).toEqual({ reconciled: '1' })
    const [run, otherRun] = github.checkRuns
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'Devin finished' } })
    expect(run?.output.summary).toContain('Reviewed the pull request: two suggestions, no blocker.')
    expect(otherRun).toMatchObject({ status: 'in_progress', conclusion: null })
    const comments = github.comments.get(PR) ?? []
    expect(comments).toHaveLength(1)
    const body = comments[0]?.body ?? ''
    expect(body).toContain(`✅ Devin finished: [${id}](https://app.devin.ai/sessions/${id}) (status \`running / finished\`)`)
    expect(body).toContain("**Devin's latest message:**\n\n> Reviewed the pull request: two suggestions, no blocker.")
    expect(body).toContain('ACUs consumed: 2.5')
    expect(main.stdout).toContain(`Listed 1 sessions tagged gh-repo:${REPO_ID}; 1 are working, waiting, or changed in the last 24 hours.`)
    expect(main.stdout).toContain(`Updated session ${id} (https://app.devin.ai/sessions/${id}): comment on #2, check run completed success.`)
    expect(main.stdout).toContain('Reconciled 1 of 1 sessions. Requests: Devin lists 1, Devin GETs 1, GitHub reads 3, GitHub writes 2.')
    expect(main.summary).toContain('## Devin sessions reconciled')
    expect(main.summary).toContain('Requests: Devin lists 1 · Devin GETs 1 · GitHub reads 3 · GitHub writes 2')
    expect(main.warnings).toEqual([])
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])

    // Nothing changed since: the list alone, and no write to GitHub.
    devin.requests.clear()
    const edited = body
    const second = github.requests.length
    const again = await reconcile(devin, github)
    expect(again.main.exitCode, again.main.stdout).toBe(0)
    expect(sent(devin)).toEqual([`GET ${SESSIONS}`])
    expect(githubSent(github, second).filter((line) => !line.startsWith('GET '))).toEqual([])
    expect(again.main.outputs).toEqual({ reconciled: '0' })
    expect(github.comments.get(PR)?.[0]?.body).toBe(edited)
    expect(again.main.stdout).toContain('Reconciled 0 of 1 sessions. Requests: Devin lists 1, Devin GETs 0, GitHub reads 3, GitHub writes 0.')
  })

  it.concurrent('shows the question of a blocked session in the comment and mentions the user once', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({ Codertocat: 'write' }, { repository: REPO })
    // The pull request has not moved since the session was opened for its head.
    github.pulls.set(PR, { headSha: HEAD })
    const id = await openWithoutWaiting(devin, github)
    devin.store.apply(id, { status: 'running', status_detail: 'waiting_for_user', message: 'Should the review cover the docs too?' })

    const { main } = await reconcile(devin, github)
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs).toEqual({ reconciled: '1' })
    const comments = github.comments.get(PR) ?? []
    expect(comments).toHaveLength(2)
    expect(comments[0]?.body).toContain(`✋ Devin is waiting for input: [${id}]`)
    expect(comments[0]?.body).toContain('**Devin is asking:**\n\n> Should the review cover the docs too?')
    expect(comments[1]?.body).toMatch(new RegExp(`^<!-- devin-session-action:question ${id} [A-Za-z0-9_-]+ -->\\n@codertocat Devin is waiting for your answer`))
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'action_required' })

    const again = await reconcile(devin, github)
    expect(again.main.exitCode, again.main.stdout).toBe(0)
    expect(again.main.outputs).toEqual({ reconciled: '0' })
    expect(github.comments.get(PR)).toHaveLength(2)
  })

  it.concurrent('lists nothing in a dry run', async () => {
    const devin = await emulator()
    const github = await fakeGitHub({}, { repository: REPO })
    const { main } = await reconcile(devin, github, { 'dry-run': 'true' })
    expect(main.exitCode, main.stdout).toBe(0)
    expect(sent(devin)).toEqual([])
    expect(github.requests).toEqual([])
    expect(main.outputs).toEqual({ outcome: 'dry-run' })
    expect(main.stdout).toContain(`Dry run: nothing was sent to Devin or GitHub. A real run would list the sessions tagged gh-repo:${REPO_ID}`)
  })
})
