import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DevinReviews, openReview, reviewOutcome } from '../../src/devin/review.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'

const BASE = 'https://api.devin.test'
const REVIEWS = '/v3/organizations/org-1/pr-reviews'
const PR = 'https://github.com/o/r/pull/2'
const HEAD = 'a'.repeat(40)
const KEY = 'cog_reviewTestKeyNeverShown0123'

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

function setup() {
  const clock = fakeClock()
  const reviews = new DevinReviews(testHttp(BASE, KEY, clock), 'org-1')
  const log: string[] = []
  return { clock, reviews, deps: { clock, info: (message: string) => log.push(message) }, log }
}

const body = (status: string) => ({ commit_sha: HEAD, created_at: '2026-12-02T04:00:00Z', pr_number: 2, repo_path: 'github.com/o/r', status })

describe('Devin Review, exactly once per head commit', () => {
  it('adopts the review of the head commit when there is one: one GET, no POST', async () => {
    const { reviews, deps, clock } = setup()
    const scope = nock(BASE).get(REVIEWS).query({ pr_url: PR, commit_sha: HEAD }).reply(200, body('running'))
    const opened = await openReview(reviews, PR, HEAD, clock.now() + 180_000, deps)
    expect(opened).toEqual({
      isNew: false,
      review: { prUrl: PR, commitSha: HEAD, prNumber: 2, repoPath: 'github.com/o/r', status: 'running', createdAt: '2026-12-02T04:00:00Z' }
    })
    expect(scope.isDone()).toBe(true)
  })

  it('asks once when there is none (404)', async () => {
    const { reviews, deps, clock } = setup()
    const scope = nock(BASE).get(REVIEWS).query(true).reply(404, { detail: 'No review found' }).post(REVIEWS, { pr_url: PR }).reply(200, body('pending'))
    const opened = await openReview(reviews, PR, HEAD, clock.now() + 180_000, deps)
    expect(opened.isNew).toBe(true)
    expect(opened.review.status).toBe('pending')
    expect(scope.isDone()).toBe(true)
  })

  // A connection dropped after the POST reached Devin is covered end to end, with the emulator's drop-after fault.
  it.each([
    ['a 503', (scope: nock.Interceptor) => scope.reply(503, { detail: 'busy' })],
    ['a 429', (scope: nock.Interceptor) => scope.reply(429, { detail: 'slow down' })]
  ])('never asks twice after %s: it looks the review up by its commit and adopts it', async (_, fail) => {
    const { reviews, deps, clock, log } = setup()
    let posts = 0
    const scope = nock(BASE).get(REVIEWS).query(true).reply(404, {})
    fail(
      scope.post(REVIEWS, () => {
        posts++
        return true
      })
    )
    // The look-ups: not there yet, then there.
    scope.get(REVIEWS).query(true).reply(404, {}).get(REVIEWS).query(true).reply(200, body('pending'))
    const opened = await openReview(reviews, PR, HEAD, clock.now() + 180_000, deps)
    expect(posts).toBe(1)
    expect(opened).toMatchObject({ isNew: true, review: { status: 'pending' } })
    expect(log.at(-1)).toMatch(/^Found the review the request made after .* \(2 look-ups\)\.$/)
  })

  it('fails naming the permission when Devin refuses (403), asking nothing else', async () => {
    const { reviews, deps, clock } = setup()
    nock(BASE).get(REVIEWS).query(true).reply(403, { detail: 'Forbidden' })
    await expect(openReview(reviews, PR, HEAD, clock.now() + 180_000, deps)).rejects.toThrow(/UseReviewManual/)
  })

  it('says so when the review never shows before the deadline', async () => {
    const { reviews, deps, clock } = setup()
    nock(BASE).get(REVIEWS).query(true).reply(404, {}).post(REVIEWS).reply(502, {}).get(REVIEWS).query(true).times(100).reply(404, {})
    await expect(openReview(reviews, PR, HEAD, clock.now() + 60_000, deps)).rejects.toThrow(
      /^Could not confirm whether Devin Review took the request: .*no review of a{40} showed in .* look-ups\)\. Re-running the job adopts the review/
    )
  })

  it('maps review statuses to outcomes, tolerating unknown ones', () => {
    expect(['completed', 'errored', 'cancelled', 'skipped', 'pending', 'running', 'thinking'].map(reviewOutcome)).toEqual([
      'finished',
      'error',
      'exited',
      'exited',
      'running',
      'running',
      'running'
    ])
  })
})
