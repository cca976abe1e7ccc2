import { RECONCILE_FIRST_PAUSE_MS, RECONCILE_MAX_PAUSE_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import { DevinApiError } from './errors.js'
import type { Clock, DevinHttp } from './http.js'
import { type Review } from './review-status.js'

/**
 * Devin Review (devin-api.md §9.2): a review of a pull request's head commit, asked for with
 * `POST /v3/organizations/{org}/pr-reviews {pr_url}` and looked up with `GET …/pr-reviews?pr_url=&commit_sha=`
 * (404: none). v3 only. There is no idempotency key, and whether a second POST for the same head makes a second
 * review is unconfirmed: the review of a commit is looked up first, and after a POST that may have reached Devin
 * it is looked up again, never asked for twice.
 */

export { FINAL_REVIEW_STATUSES, type Review, reviewOutcome } from './review-status.js'

const PERMISSION = 'UseReviewManual'

/** Reads a review answer, refusing one without the fields the action relies on (retried like a 5xx). */
function readReview(raw: unknown, prUrl: string): Review {
  const record = (raw ?? {}) as Record<string, unknown>
  if (typeof record.status !== 'string') throw new Error('Devin answered a review without a status; check that api-url is the Devin API')
  const sha = typeof record.commit_sha === 'string' && /^[0-9a-f]{40}$/i.test(record.commit_sha) ? record.commit_sha.toLowerCase() : undefined
  return {
    prUrl,
    commitSha: sha,
    prNumber: typeof record.pr_number === 'number' ? record.pr_number : undefined,
    repoPath: typeof record.repo_path === 'string' ? record.repo_path : undefined,
    status: record.status,
    createdAt: typeof record.created_at === 'string' ? record.created_at : undefined
  }
}

/** The pr-reviews endpoints of one organization (v3). */
export class DevinReviews {
  private readonly path: string

  constructor(
    private readonly http: DevinHttp,
    readonly orgId: string
  ) {
    this.path = `/v3/organizations/${encodeURIComponent(orgId)}/pr-reviews`
  }

  /** The URL a review of this pull request is asked for at, for dry runs. */
  describeRequest(prUrl: string): { method: 'POST'; url: string; body: { pr_url: string } } {
    return { method: 'POST', url: this.http.url(this.path), body: { pr_url: prUrl } }
  }

  /** The URL the review of a commit is looked up at, for dry runs. */
  describeLookUp(prUrl: string, commitSha: string): { method: 'GET'; url: string } {
    return { method: 'GET', url: this.http.url(this.path, { pr_url: prUrl, commit_sha: commitSha }) }
  }

  /** The latest review of the commit, or undefined when there is none (404). */
  async find(prUrl: string, commitSha: string, deadline: number, options: { attempts?: number } = {}): Promise<Review | undefined> {
    try {
      return await this.http.request({
        method: 'GET',
        path: this.path,
        query: { pr_url: prUrl, commit_sha: commitSha },
        operation: { description: `look up the Devin Review of ${commitSha.slice(0, 12)}`, permission: PERMISSION },
        retry: 'safe',
        deadline,
        attempts: options.attempts,
        read: (body) => readReview(body, prUrl)
      })
    } catch (error) {
      if (error instanceof DevinApiError && error.status === 404) return undefined
      throw error
    }
  }

  /** Asks for a review of the pull request's latest commit. Not retried once it may have reached Devin: the caller looks it up. */
  async request(prUrl: string, deadline: number): Promise<Review> {
    return this.http.request({
      method: 'POST',
      path: this.path,
      body: { pr_url: prUrl },
      operation: {
        description: 'ask for a Devin Review',
        permission: PERMISSION,
        notFound: `Check org-id ("${this.orgId}") and that Devin can see the pull request (${prUrl}).`
      },
      retry: 'unsafe',
      deadline,
      read: (body) => readReview(body, prUrl)
    })
  }
}

export interface ReviewDeps {
  clock: Clock
  info(message: string): void
}

export interface OpenedReview {
  review: Review
  /** This run asked for it (false: a review of the commit already existed and was adopted). */
  isNew: boolean
}

/**
 * The review of the head commit, asked for exactly once: an existing review of the commit is adopted; otherwise
 * one POST. A POST that may have reached Devin (dropped, 5xx, 429) is never sent again: the review is looked up
 * by its commit until the deadline (pauses growing from 1 s to 15 s), and adopted when it shows.
 */
export async function openReview(reviews: DevinReviews, prUrl: string, headSha: string, deadline: number, deps: ReviewDeps): Promise<OpenedReview> {
  const existing = await reviews.find(prUrl, headSha, deadline)
  if (existing !== undefined) {
    deps.info(`Adopting the Devin Review of ${headSha} (status ${existing.status}); no second review is asked for.`)
    return { review: existing, isNew: false }
  }
  let failure: DevinApiError
  try {
    const review = await reviews.request(prUrl, deadline)
    deps.info(`Asked Devin Review to review ${prUrl} (commit ${review.commitSha ?? headSha}, status ${review.status}).`)
    return { review, isNew: true }
  } catch (error) {
    if (!(error instanceof DevinApiError) || error.reached === 'no') throw error
    failure = error
  }
  const started = deps.clock.now()
  deps.info(`The review request may have reached Devin (${failure.message.replace(/\.$/, '')}); looking it up by its commit instead of asking again.`)
  let pause = RECONCILE_FIRST_PAUSE_MS
  for (let lookUps = 1; ; lookUps++) {
    const found = await reviews.find(prUrl, headSha, deadline)
    if (found !== undefined) {
      deps.info(`Found the review the request made after ${formatDuration(deps.clock.now() - started)} (${lookUps} look-up${lookUps === 1 ? '' : 's'}).`)
      return { review: found, isNew: true }
    }
    const left = deadline - deps.clock.now()
    if (left <= 0) {
      throw new Error(
        `Could not confirm whether Devin Review took the request: it failed (${failure.message.replace(/\.$/, '')}), and no review of ${headSha} showed in ${formatDuration(deps.clock.now() - started)} (${lookUps} look-ups). Re-running the job adopts the review if it exists and asks for one if not.`,
        { cause: failure }
      )
    }
    await deps.clock.sleep(Math.min(pause, left))
    pause = Math.min(pause * 2, RECONCILE_MAX_PAUSE_MS)
  }
}
