import { MAX_POLL_INTERVAL_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import { DevinApiError } from './errors.js'
import type { Clock } from './http.js'

/**
 * The one polling loop of the action, for a session (wait.ts) and for a Devin Review (review-wait.ts): they differ
 * in what is read and when it is over, never in how often Devin is asked or how an outage is told.
 */

/** The interval grows up to 4× while nothing changes, and never past poll-interval's own bound (2 minutes). */
const MAX_GROWTH = 4

export interface PollOptions {
  timeoutMs: number
  /** The first polling interval; it grows while nothing changes. */
  pollIntervalMs: number
}

export interface PollDeps<T> {
  clock: Clock
  info(message: string): void
  warning(message: string): void
  /** Called after every successful poll, so the latest state is reported even if the step fails later. */
  onPoll(item: T): void
}

/** What is polled: one read, how to tell a change, what to say about it, and when the wait is over. */
export interface Polled<T> {
  /** "session", "review": how the log names it. */
  noun: string
  /** One read (one request, no retries of its own); a failure that is not transient ends the wait. */
  read(deadline: number): Promise<T>
  fingerprint(item: T): string
  /** Log lines for a change (previous undefined on the first read). */
  describeChange(previous: T | undefined, next: T): string[]
  isOver(item: T): boolean
  /** Whether the start counts as the first state seen (a first read that matches it is no change); else the first read is. */
  startIsSeen?: boolean
}

export interface PollResult<T> {
  item: T
  /** False when the deadline came first. */
  over: boolean
  waitedMs: number
  /** When polling kept failing until the deadline: what failed, for how long, and the last error, in a sentence. */
  pollFailure?: string
}

/**
 * A poll failure that a later poll may not have: a network failure, a 429, a 5xx, or a success
 * answer that could not be read (a proxy's HTML page, JSON cut off, a body without a status).
 */
function isTransient(error: unknown): error is DevinApiError {
  if (!(error instanceof DevinApiError)) return false
  const { status } = error
  return status === undefined || status === 429 || status >= 500 || (status >= 200 && status < 300)
}

/** A run of polls that failed one after the other, to say plainly what went on when it lasts until the deadline. */
interface FailedRun {
  /** When the item was last read (or the wait began). */
  since: number
  polls: number
  statuses: Set<number | undefined>
  last: string
  retryAfterMs: number
}

/** "Devin's API answered HTTP 503 to every poll for the last 30m (25 polls)…", from a run of failed polls. */
function describeFailedRun(run: FailedRun, now: number, noun: string): string {
  const [only] = run.statuses
  const answered =
    run.statuses.size === 1 && only !== undefined && (only < 200 || only >= 300)
      ? `Devin's API answered HTTP ${only}`
      : `Devin's API could not be read (${[...run.statuses].map((status) => (status === undefined ? 'no answer' : status < 300 ? `unreadable HTTP ${status} answers` : `HTTP ${status}`)).join(', ')})`
  const span = run.polls === 1 ? 'to the last poll' : `to every poll for the last ${formatDuration(now - run.since)} (${run.polls} polls)`
  return `${answered} ${span}, so the ${noun}'s state at the deadline is unknown. The last error: ${run.last}`
}

/**
 * Polls until the item's wait is over or the timeout passes. The interval starts at poll-interval, doubles while
 * nothing changes (up to 4×, at most two minutes) and falls back to the start on any change, so a long quiet wait
 * costs few requests and a change is seen within one current interval. Each poll is one request: a transient
 * failure (network, 429, 5xx, an unreadable answer) is retried by the next poll, the first after poll-interval (or
 * Retry-After) and later ones at a growing interval, as for a quiet wait, so an outage costs no more requests than
 * a quiet wait. Any other failure (a 404: the item is gone) ends the wait.
 */
export async function pollUntil<T>(start: T, polled: Polled<T>, options: PollOptions, deps: PollDeps<T>): Promise<PollResult<T>> {
  const { clock } = deps
  const began = clock.now()
  const deadline = began + options.timeoutMs
  const base = options.pollIntervalMs
  const longest = Math.max(base, Math.min(base * MAX_GROWTH, MAX_POLL_INTERVAL_MS))
  let interval = base
  let item = start
  let last: string | undefined = polled.startIsSeen === true ? polled.fingerprint(start) : undefined
  let failed: FailedRun | undefined
  // When the item was last read: an outage is counted from there, the last moment its state was known.
  let lastRead = began

  for (;;) {
    const pause = Math.min(Math.max(interval, failed?.retryAfterMs ?? 0), deadline - clock.now())
    if (pause <= 0) break
    await clock.sleep(pause)
    let next: T
    try {
      next = await polled.read(deadline)
    } catch (error) {
      if (!isTransient(error)) throw error
      failed ??= { since: lastRead, polls: 0, statuses: new Set(), last: '', retryAfterMs: 0 }
      failed.polls++
      failed.statuses.add(error.status)
      failed.last = error.message
      failed.retryAfterMs = error.retryAfterMs ?? 0
      if (failed.polls === 1) {
        deps.warning(`Could not read the ${polled.noun} this time; still waiting. (${error.message})`)
        interval = base
      } else {
        // Only the first failure of a run is an annotation; the rest are log lines, and come less often.
        deps.info(`Still could not read the ${polled.noun} (${failed.polls} polls in a row): ${error.message}`)
        interval = Math.min(interval * 2, longest)
      }
      continue
    }
    if (failed !== undefined) deps.info(`Read the ${polled.noun} again after ${failed.polls} failed ${failed.polls === 1 ? 'poll' : 'polls'}.`)
    failed = undefined
    lastRead = clock.now()
    const print = polled.fingerprint(next)
    if (print !== last) {
      for (const line of polled.describeChange(last === undefined ? undefined : item, next)) deps.info(line)
      interval = base
      last = print
    } else {
      interval = Math.min(interval * 2, longest)
    }
    item = next
    deps.onPoll(item)
    if (polled.isOver(item)) return { item, over: true, waitedMs: clock.now() - began }
  }
  const pollFailure = failed === undefined ? undefined : describeFailedRun(failed, clock.now(), polled.noun)
  return { item, over: false, waitedMs: clock.now() - began, pollFailure }
}
