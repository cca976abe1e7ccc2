import type { Outcome } from './session.js'

// A Devin Review's shape and what its status means, apart from the client (review.ts), so the report can name
// them without reaching the HTTP layer.

/** A review as the action sees it. */
export interface Review {
  prUrl: string
  /** The commit reviewed (40 hex), when Devin says. */
  commitSha?: string
  prNumber?: number
  /** `github.com/owner/repo`. */
  repoPath?: string
  /** `pending`, `running`, `completed`, `errored`, `cancelled`, `skipped`; other values are tolerated. */
  status: string
  /** ISO date-time, when Devin says. */
  createdAt?: string
}

/** Statuses a review does not leave. */
export const FINAL_REVIEW_STATUSES: ReadonlySet<string> = new Set(['completed', 'errored', 'cancelled', 'skipped'])

/** The run's outcome for a review status: completed → finished, errored → error, cancelled and skipped → exited, else still working. */
export function reviewOutcome(status: string): Outcome {
  switch (status) {
    case 'completed':
      return 'finished'
    case 'errored':
      return 'error'
    case 'cancelled':
    case 'skipped':
      return 'exited'
    default:
      return 'running'
  }
}
