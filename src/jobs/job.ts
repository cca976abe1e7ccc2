import type { MainDeps } from '../action/edges.js'
import type { Redactor } from '../report/redact.js'
import type { Report } from '../report/report.js'

/** The comment kept on the thread: refreshed as the report changes, awaited before the step ends. */
export interface ThreadComment {
  refresh(): void
  settled(): Promise<void>
  /**
   * Mentions the user in a new comment on the thread, once per question of Devin (see github/question-mention.ts),
   * after the living comment shows the question. At most once a run; a failure is a warning.
   */
  mentionForQuestion(question: { sessionId: string; sessionUrl: string; questionId: string; login: string }): Promise<MentionResult>
}

/** What came of a mention: posted now, found already posted by an earlier run, or not posted (a warning says why). */
export type MentionResult = 'posted' | 'already-posted' | 'not-posted'

/**
 * What every job gets from main.ts: the edges, the report it fills in, and the means to publish it. A job
 * throws errors whose text says what to fix; main.ts turns them into the step's failure, outputs,
 * comment and summary, so a job never fails the step itself.
 */
export interface JobContext {
  deps: MainDeps
  /** Every secret value of the inputs (already masked), for the Devin client's redaction of error bodies. */
  secrets: string[]
  redactor: Redactor
  report: Report
  /** Writes the outputs that changed and refreshes the thread comment. */
  publish(): void
  /** The thread comment, once a job has one; main.ts refreshes it on failure and awaits it at the end. */
  comment?: ThreadComment
}
