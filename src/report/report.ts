import type { WireRequest } from '../devin/api.js'
import type { Review } from '../devin/review-status.js'
import type { ApiVersion, Outcome, Session } from '../devin/session.js'
import type { BudgetVerdict } from '../policy/budget.js'

/** Everything the run has to tell the user, filled in as the pipeline goes. */
export interface Report {
  apiVersion?: ApiVersion
  session?: Session
  isNew?: boolean
  messageSent?: boolean
  outcome?: Outcome
  prompt?: string
  skipReason?: string
  /** How long the step waited on the session, when it waited. */
  waitedMs?: number
  /** The action ended the session (on-timeout: terminate). */
  terminated?: boolean
  /** The request a dry run would have sent, session-secret values already replaced. */
  dryRun?: WireRequest | { continueSession: string; message?: string }
  /** What the budgets and the live-session cap counted, when one is set (a skip when `go` is false). */
  budget?: BudgetVerdict
  /** Why the step failed. */
  failure?: string
  /** Set when the run was let in only by allowed-users: why, and the restricted session's ACU limit. */
  restricted?: { reason: string; maxAcuLimit: number }
  /** The tag of a session whose creation could not be confirmed either way. */
  unconfirmedTag?: string
  /** How the run reached its session through the thread (follow-up, on-new-commits), when it did. */
  thread?: ThreadNote
  /** A closed thread: the live sessions that were ended (`ended-sessions` counts them). */
  ended?: { sessionId: string; url: string }[]
  /** Devin's latest message, read when the run waited (the `summary` output). Capped, redacted on the way out. */
  summary?: string
  /** Devin's question while it waits for the user (notify-on-blocked): the message's id (or a hash of it) and its text. */
  question?: { id: string; text: string }
  /** A reconcile run: how many sessions it brought up to date (the `reconciled` output). */
  reconciled?: number
  /** The pull request's head at the end of a wait, against the commit the session was last asked about. */
  stale?: { askedSha: string; headSha: string; stale: boolean }
  // ---- end-on-close (jobs/close.ts) ----
  /** A run on a closed pull request or issue (the close job): the thread, and how its sessions were looked for. */
  closed?: ClosedThread
  // ---- end of end-on-close ----
  // ---- reconcile (jobs/reconcile.ts) ----
  /** A reconcile run: what it listed, what it updated, and the requests it made. */
  reconcile?: ReconcileRun
  // ---- end of reconcile ----
  // ---- devin review (jobs/review.ts) ----
  /** A Devin Review run (devin-review: true): set when the job starts, filled in as it learns the pull request and the review. */
  review?: ReviewRun
  // ---- end of devin review ----
}

// ---- devin review (jobs/review.ts) ----
/**
 * A Devin Review run. There is no session: `session` stays undefined, `isNew` says whether this run asked for the
 * review (false: adopted), `outcome` is the review's status mapped (reviewOutcome), or timeout, skipped, dry-run.
 */
export interface ReviewRun {
  pullRequest?: number
  /** The pull request's html_url, which Devin Review is asked for and looked up by. */
  prUrl?: string
  /** The head commit the run asked about (the payload's, or GitHub's for a comment). */
  headSha?: string
  /** The review as Devin last showed it. */
  current?: Review
  /** A dry run: the look-up a real run sends first (the POST it would send is `Report.dryRun`). */
  lookUp?: { method: 'GET'; url: string }
}
// ---- end of devin review ----

// ---- end-on-close (jobs/close.ts) ----
/** What the close job looked for; the sessions it ended are in `Report.ended`. */
export interface ClosedThread {
  /** e.g. "pull request #2", "issue #1". */
  thread: string
  /** The tag its sessions are listed by; undefined when they cannot be found. */
  tag?: string
  /** Why the thread's sessions cannot be found (tracking-tags: false, no repository id). */
  unfindable?: string
  /** The ended sessions the step's comment lists: those without a comment of their own (which gets a note instead). */
  inStepComment?: string[]
}
// ---- end of end-on-close ----

// ---- reconcile (jobs/reconcile.ts) ----
/** What a reconcile run did; `Report.reconciled` counts `updated`. */
export interface ReconcileRun {
  /** The tag this repository's sessions are listed by (`gh-repo:<id>`). */
  tag: string
  /** Sessions listed with the tag (undefined in a dry run, which lists nothing). */
  listed?: number
  /** Sessions looked at: working, waiting, or changed in the last 24 hours, at most 100. */
  kept?: number
  /** Sessions past the cap, left for the next run. */
  left?: number
  /** The sessions brought up to date, with what was written for each. */
  updated: { sessionId: string; url: string; wrote: string[] }[]
  /** What the run cost. */
  requests?: ReconcileRequests
}

/** The requests of a reconcile run, by kind. */
export interface ReconcileRequests {
  devinLists: number
  devinGets: number
  githubReads: number
  githubWrites: number
}
// ---- end of reconcile ----

/** What the thread step did instead of opening a new session, or besides it. */
export type ThreadNote =
  | { kind: 'follow-up'; commentUrl: string; author: string }
  | { kind: 'new-commits'; headSha: string; compareUrl?: string }
  | { kind: 'restart'; headSha: string; ended: string[] }
