/**
 * Devin Review in the emulator (devin-api.md §9.2): reviews of a pull request's commits, asked for with
 * `POST …/pr-reviews {pr_url}` (always the pull request's latest commit) and read with `GET …/pr-reviews?pr_url=
 * &commit_sha=` (the latest review of that commit; 404 when none). A review moves one status further on every
 * GET that returns it, never on a clock, so a test predicts what its N-th poll sees, as sessions do.
 */
import { createHash } from 'node:crypto'

export interface StoredReview {
  pr_url: string
  commit_sha: string
  pr_number: number
  repo_path: string
  status: string
  created_at: string
}

/** How reviews go: the statuses a new review walks through. `unknown-status` uses a value the docs do not list. */
export const REVIEW_SCRIPTS: Record<string, readonly string[]> = {
  completes: ['pending', 'running', 'completed'],
  errors: ['pending', 'running', 'errored'],
  cancelled: ['pending', 'cancelled'],
  'forever-running': ['pending', 'running'],
  'unknown-status': ['pending', 'thinking', 'completed']
}

/** A GitHub pull request URL: `https://github.com/{owner}/{repo}/pull/{number}`. */
const PR_URL = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/pull\/(\d+)$/

export class ReviewStore {
  /** The script new reviews follow (a key of REVIEW_SCRIPTS). */
  script = 'completes'
  /** The head commit of each pull request, as GitHub would report it; a pull request not set gets a hash of its URL. */
  readonly heads = new Map<string, string>()
  readonly #reviews: { review: StoredReview; step: number; script: readonly string[] }[] = []
  readonly #now: () => number

  // No parameter property: the emulator runs as TypeScript with types stripped, which does not support them.
  constructor(now: () => number) {
    this.#now = now
  }

  /** Whether the text is a pull request URL the emulator accepts. */
  static isPullRequestUrl(url: string): boolean {
    return PR_URL.test(url)
  }

  headOf(prUrl: string): string {
    return this.heads.get(prUrl) ?? createHash('sha1').update(prUrl).digest('hex')
  }

  /** Asks for a review of the pull request's latest commit: a new review every time (whether Devin dedupes is unconfirmed). */
  request(prUrl: string): StoredReview {
    const match = PR_URL.exec(prUrl)
    if (match === null) throw new Error(`pr_url must be a GitHub pull request URL, got ${prUrl}`)
    const script = REVIEW_SCRIPTS[this.script] ?? (REVIEW_SCRIPTS.completes as readonly string[])
    const review: StoredReview = {
      pr_url: prUrl,
      commit_sha: this.headOf(prUrl),
      pr_number: Number(match[2]),
      repo_path: `github.com/${match[1]}`,
      status: script[0] ?? 'pending',
      created_at: new Date(this.#now()).toISOString()
    }
    this.#reviews.push({ review, step: 0, script })
    return { ...review }
  }

  /** The latest review of the commit (the pull request's head when none is given), moved one status on; undefined when none. */
  find(prUrl: string, commitSha: string | undefined): StoredReview | undefined {
    const sha = commitSha ?? this.headOf(prUrl)
    const entry = this.#reviews.findLast((one) => one.review.pr_url === prUrl && one.review.commit_sha === sha)
    if (entry === undefined) return undefined
    const next = entry.script[entry.step + 1]
    if (next !== undefined) {
      entry.step++
      entry.review.status = next
    }
    return { ...entry.review }
  }

  /** Every review asked for, oldest first (copies). */
  all(): StoredReview[] {
    return this.#reviews.map((entry) => ({ ...entry.review }))
  }

  clear(): void {
    this.#reviews.length = 0
    this.heads.clear()
  }
}
