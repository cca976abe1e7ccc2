import { MAX_POLL_INTERVAL_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import { DevinApiError } from './errors.js'
import type { Clock } from './http.js'
import { type DevinReviews, FINAL_REVIEW_STATUSES, type Review, reviewOutcome } from './review.js'
import type { Outcome } from './session.js'

/** The statuses the documentation lists; any other is tolerated (the review is still working) and said once. */
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['pending', 'running', ...FINAL_REVIEW_STATUSES])

/** The interval grows up to 4× while nothing changes, as a session's wait does, and never past two minutes. */
const MAX_GROWTH = 4

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

/** A failure a later poll may not have: no answer, a 429, a 5xx, or a success answer that could not be read. */
function isTransient(error: unknown): error is DevinApiError {
  if (!(error instanceof DevinApiError)) return false
  const { status } = error
  return status === undefined || status === 429 || status >= 500 || (status >= 200 && status < 300)
}

/**
 * Polls the review of one commit (`GET …/pr-reviews?pr_url=&commit_sha=`, one request a poll) until its status is
 * final (completed, errored, cancelled, skipped) or the timeout passes. The interval starts at poll-interval,
 * doubles while the status stays the same (up to 4×, at most two minutes) and falls back to the start when it
 * changes. A transient failure is retried by the next poll, not by extra requests. A 404 ends the wait: the review
 * Devin showed is gone. A status the documentation does not list is logged once and waited through.
 */
export async function waitForReview(
  reviews: DevinReviews,
  start: Review,
  commitSha: string,
  options: ReviewWaitOptions,
  deps: ReviewWaitDeps
): Promise<ReviewWaitResult> {
  const { clock } = deps
  const began = clock.now()
  if (FINAL_REVIEW_STATUSES.has(start.status)) return { review: start, outcome: reviewOutcome(start.status), waitedMs: 0 }
  const deadline = began + options.timeoutMs
  const base = options.pollIntervalMs
  const longest = Math.max(base, Math.min(base * MAX_GROWTH, MAX_POLL_INTERVAL_MS))
  const unknown = new Set<string>()
  const noteUnknown = (status: string): void => {
    if (KNOWN_STATUSES.has(status) || unknown.has(status)) return
    unknown.add(status)
    deps.info(`Devin Review reports the status "${status}", which the action does not know; it waits on until the status is final.`)
  }
  noteUnknown(start.status)
  let review = start
  let interval = base
  let failed: { polls: number; last: string; retryAfterMs: number } | undefined

  for (;;) {
    const pause = Math.min(Math.max(interval, failed?.retryAfterMs ?? 0), deadline - clock.now())
    if (pause <= 0) break
    await clock.sleep(pause)
    let next: Review | undefined
    try {
      next = await reviews.find(review.prUrl, commitSha, deadline, { attempts: 1 })
    } catch (error) {
      if (!isTransient(error)) throw error
      failed ??= { polls: 0, last: '', retryAfterMs: 0 }
      failed.polls++
      failed.last = error.message
      failed.retryAfterMs = error.retryAfterMs ?? 0
      if (failed.polls === 1) deps.warning(`Could not read the review this time; still waiting. (${error.message})`)
      else deps.info(`Still could not read the review (${failed.polls} polls in a row): ${error.message}`)
      interval = failed.polls === 1 ? base : Math.min(interval * 2, longest)
      continue
    }
    if (next === undefined) {
      throw new Error(
        `The Devin Review of ${commitSha} is gone: Devin answered 404 Not Found when the action read it ${formatDuration(clock.now() - began)} into the wait. It was last seen as "${review.status}": ${review.prUrl}`
      )
    }
    if (failed !== undefined) deps.info(`Read the review again after ${failed.polls} failed ${failed.polls === 1 ? 'poll' : 'polls'}.`)
    failed = undefined
    if (next.status !== review.status) {
      deps.info(`Devin Review: ${review.status} → ${next.status}`)
      noteUnknown(next.status)
      interval = base
    } else {
      interval = Math.min(interval * 2, longest)
    }
    review = next
    deps.onPoll(review)
    if (FINAL_REVIEW_STATUSES.has(review.status)) return { review, outcome: reviewOutcome(review.status), waitedMs: clock.now() - began }
  }
  const pollFailure =
    failed === undefined
      ? undefined
      : `Devin's API could not be read for the last ${failed.polls} ${failed.polls === 1 ? 'poll' : 'polls'}, so the review's status at the deadline is unknown. The last error: ${failed.last}`
  return { review, outcome: 'timeout', waitedMs: clock.now() - began, pollFailure }
}
