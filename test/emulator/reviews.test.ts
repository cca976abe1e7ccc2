import { describe, expect, it } from 'vitest'
import { ORG, call, emulator } from './helpers.ts'

const REVIEWS = `/v3/organizations/${ORG}/pr-reviews`
const PR = 'https://github.com/octo-org/octo-repo/pull/7'
const HEAD = 'c'.repeat(40)

describe('Devin Review in the emulator', () => {
  it("reviews the pull request's latest commit, and moves the review one status on per GET", async () => {
    const e = await emulator({ orgId: ORG })
    e.store.reviews.heads.set(PR, HEAD)
    const query = `?pr_url=${encodeURIComponent(PR)}&commit_sha=${HEAD}`
    expect((await call(e, 'GET', `${REVIEWS}${query}`)).status).toBe(404)
    const created = await call(e, 'POST', REVIEWS, { body: { pr_url: PR } })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({ pr_url: PR, commit_sha: HEAD, pr_number: 7, repo_path: 'github.com/octo-org/octo-repo', status: 'pending' })
    expect((await call(e, 'GET', `${REVIEWS}${query}`)).body.status).toBe('running')
    expect((await call(e, 'GET', `${REVIEWS}${query}`)).body.status).toBe('completed')
    expect((await call(e, 'GET', `${REVIEWS}${query}`)).body.status).toBe('completed')
    // Without commit_sha: the pull request's head.
    expect((await call(e, 'GET', `${REVIEWS}?pr_url=${encodeURIComponent(PR)}`)).body.commit_sha).toBe(HEAD)
    expect((await call(e, 'GET', `${REVIEWS}?pr_url=${encodeURIComponent(PR)}&commit_sha=${'d'.repeat(40)}`)).status).toBe(404)
  })

  it('follows the script it is set to, refuses a pr_url that is not a pull request, and answers 403 when review permission is withdrawn', async () => {
    const e = await emulator({ orgId: ORG })
    e.store.reviews.script = 'errors'
    await call(e, 'POST', REVIEWS, { body: { pr_url: PR } })
    const query = `?pr_url=${encodeURIComponent(PR)}`
    await call(e, 'GET', `${REVIEWS}${query}`)
    expect((await call(e, 'GET', `${REVIEWS}${query}`)).body.status).toBe('errored')
    expect((await call(e, 'POST', REVIEWS, { body: { pr_url: 'https://example.com/x' } })).status).toBe(422)
    expect((await call(e, 'GET', REVIEWS)).status).toBe(422)
    const refused = await emulator({ orgId: ORG, forbidden: ['review-create'] })
    const answer = await call(refused, 'POST', REVIEWS, { body: { pr_url: PR } })
    expect(answer.status).toBe(403)
    expect(JSON.stringify(answer.body)).toContain('UseReviewManual')
  })

  it('serves reviews on v3 only', async () => {
    const e = await emulator({ orgId: ORG })
    expect((await call(e, 'POST', `/v3beta1/organizations/${ORG}/pr-reviews`, { body: { pr_url: PR } })).status).toBe(404)
  })
})
