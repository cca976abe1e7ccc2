import { formatDuration } from '../action/duration.js'
import type { Clock } from './http.js'
import { pollUntil } from './poll.js'
import { type DevinReviews, FINAL_REVIEW_STATUSES, type Review, reviewOutcome } from './review.js'
import type { Outcome } from './session.js'

/** The statuses the documentation lists; any other is tolerated (the review is still working) and said once. */
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['pending', 'running', ...FINAL_REVIEW_STATUSES])

export interface ReviewWaitOptions {
  timeoutMs: number
  /** The first polling interval; it grows while the status stays the same. */
  pollIntervalMs: number
}

export interface ReviewWaitDeps {
  clock: Clock
  info(message: string): void
  warning(message: string): void
  /** Called after every successful poll, so the latest status is reported even if the step fails later. */
  onPoll(review: Review): void
}

export interface ReviewWaitResult {
  review: Review
  /** The mapped outcome of the final status (reviewOutcome), or `timeout` when the deadline came first. */
  outcome: Outcome
  waitedMs: number
  /** When polling kept failing until the deadline: how often, and the last error. */
  pollFailure?: string
}

/**
 * Polls the review of one commit (`GET …/pr-reviews?pr_url=&commit_sha=`; pollUntil: one request a poll, the
 * interval growing while the status stays the same, transient failures retried by the next poll) until its status
 * is final (completed, errored, cancelled, skipped) or the timeout passes. A 404 ends the wait: the review Devin
 * showed is gone. A status the documentation does not list is logged once and waited through.
 */
export async function waitForReview(
  reviews: DevinReviews,
  start: Review,
  commitSha: string,
  options: ReviewWaitOptions,
  deps: ReviewWaitDeps
): Promise<ReviewWaitResult> {
  if (FINAL_REVIEW_STATUSES.has(start.status)) return { review: start, outcome: reviewOutcome(start.status), waitedMs: 0 }
  const began = deps.clock.now()
  const unknown = new Set<string>()
  const unknownNote = (status: string): string[] => {
    if (KNOWN_STATUSES.has(status) || unknown.has(status)) return []
    unknown.add(status)
    return [`Devin Review reports the status "${status}", which the action does not know; it waits on until the status is final.`]
  }
  for (const line of unknownNote(start.status)) deps.info(line)
  let seen = start
  const result = await pollUntil(
    start,
    {
      noun: 'review',
      async read(deadline) {
        const next = await reviews.find(start.prUrl, commitSha, deadline, { attempts: 1 })
        if (next !== undefined) return next
        throw new Error(
          `The Devin Review of ${commitSha} is gone: Devin answered 404 Not Found when the action read it ${formatDuration(deps.clock.now() - began)} into the wait. It was last seen as "${seen.status}": ${start.prUrl}`
        )
      },
      fingerprint: (review) => review.status,
      describeChange: (previous, next) => [`Devin Review: ${previous?.status ?? start.status} → ${next.status}`, ...unknownNote(next.status)],
      isOver: (review) => FINAL_REVIEW_STATUSES.has(review.status),
      startIsSeen: true
    },
    options,
    {
      ...deps,
      onPoll(review) {
        seen = review
        deps.onPoll(review)
      }
    }
  )
  return {
    review: result.item,
    outcome: result.over ? reviewOutcome(result.item.status) : 'timeout',
    waitedMs: result.waitedMs,
    pollFailure: result.pollFailure
  }
}
