import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import type { FakeGitHub } from '../../emulator/github/server.ts'
import { type StepOptions, examplePayload } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import { bundledSuite } from './harness.js'

// Devin Review (devin-review: true) through the bundle, on the real pull_request.opened payload (Codertocat/Hello-World
// #2), with the Devin emulator's pr-reviews and the fake GitHub: one review per head commit, also when the POST is
// dropped after Devin acted on it. Each test has its own servers.

const API_KEY = 'cog_e2eReviewKeyNeverPrinted01234567'
const ORG = 'org-e2e'
const REPO = 'Codertocat/Hello-World'
const PR_URL = 'https://github.com/Codertocat/Hello-World/pull/2'
/** The head of pull request #2 in the example payload. */
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'

const { emulator, fakeGitHub, runBundledAction } = bundledSuite({ orgId: ORG })

function step(devin: Emulator, github: FakeGitHub, inputs: Record<string, string>): StepOptions {
  return {
    event: 'pull_request',
    payload: examplePayload('pull_request', 'opened'),
    env: { GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url, GITHUB_WORKFLOW: 'Devin Review' },
    inputs: { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, 'devin-review': 'true', ...inputs }
  }
}

async function servers(): Promise<{ devin: Emulator; gh: FakeGitHub }> {
  const devin = await emulator()
  devin.store.reviews.heads.set(PR_URL, HEAD)
  const gh = await fakeGitHub({ Codertocat: 'write' })
  gh.pulls.set(2, { headSha: HEAD })
  return { devin, gh }
}

const posts = (devin: Emulator) => devin.requests.filter('POST', /\/pr-reviews$/)

describe('Devin Review through the bundle', { timeout: 90_000 }, () => {
  it.concurrent('asks once and waits for the completed review (wait: stopped); a second run on the same head adopts it', async () => {
    const { devin, gh } = await servers()
    const inputs = { wait: 'stopped', 'poll-interval': '5s', 'check-run': 'true' }
    const { main } = await runBundledAction(step(devin, gh, inputs))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(main.outputs).toMatchObject({ 'review-status': 'completed', outcome: 'finished', 'is-new-session': 'true' })
    expect(main.outputs['session-id'] ?? '').toBe('')
    expect(posts(devin)).toHaveLength(1)
    expect(posts(devin)[0]?.body).toEqual({ pr_url: PR_URL })
    expect(devin.store.reviews.all()).toEqual([expect.objectContaining({ commit_sha: HEAD, status: 'completed' })])
    expect(gh.checkRuns).toHaveLength(1)
    expect(gh.checkRuns[0]).toMatchObject({
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'success',
      external_id: `devin-review:${HEAD}`,
      output: { title: 'Devin Review completed' }
    })
    const comment = gh.comments.get(2)?.[0]?.body ?? ''
    expect(comment).toContain('### Devin Review')
    expect(comment).toContain(`✅ Devin Review completed: commit \`${HEAD}\` (status \`completed\`)`)
    expect(main.summary).toContain('| Status | `completed` |')
    expect(main.warnings).toEqual([])
    expectNoSecrets(main, [API_KEY, TEST_GITHUB_TOKEN])

    const again = await runBundledAction(step(devin, gh, inputs))
    expect(again.main.exitCode, again.main.stdout).toBe(0)
    expect(again.main.outputs).toMatchObject({ 'review-status': 'completed', outcome: 'finished', 'is-new-session': 'false' })
    expect(posts(devin)).toHaveLength(1)
    expect(devin.store.reviews.all()).toHaveLength(1)
    // The same step keeps its one comment and its one check run on the commit.
    expect(gh.comments.get(2)).toHaveLength(1)
    expect(gh.comments.get(2)?.[0]?.body).toContain('Devin already had a review of this commit; this run adopted it.')
    expect(gh.checkRuns).toHaveLength(1)
  })

  it.concurrent('a POST dropped after Devin took it: the review it made is found and adopted, never asked for twice', async () => {
    const { devin, gh } = await servers()
    devin.faults.add({ method: 'POST', path: /\/pr-reviews$/, kind: 'drop-after' })
    const { main } = await runBundledAction(step(devin, gh, { wait: 'stopped', 'poll-interval': '5s' }))
    expect(main.exitCode, main.stdout).toBe(0)
    expect(posts(devin)).toHaveLength(1)
    expect(devin.store.reviews.all()).toHaveLength(1)
    expect(main.outputs).toMatchObject({ 'review-status': 'completed', outcome: 'finished', 'is-new-session': 'true' })
    expect(main.stdout).toContain('looking it up by its commit instead of asking again')
  })

  it.concurrent('a v1 key is an input error naming v3, and nothing is sent to Devin', async () => {
    const { devin, gh } = await servers()
    const { main } = await runBundledAction(step(devin, gh, { 'api-key': 'apk_user_e2eReviewV1Key0123456789' }))
    expect(main.exitCode).toBe(1)
    expect(main.stdout).toContain('devin-review: Devin Review is in the v3 API only, and an apk_ key selects v1. Accepted: a cog_ key (v3).')
    expect(devin.requests.all()).toEqual([])
    expect(devin.store.reviews.all()).toEqual([])
  })
})
