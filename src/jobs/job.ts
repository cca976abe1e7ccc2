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

/**
 * The check run that stands for the session on the pull request's head (check-run: true): written in the
 * background as the report changes, finished by main.ts at the end of the step.
 */
export interface SessionCheckRun {
  /** Creates the check run once the session is known; later writes only when its status or title changes. */
  refresh(): void
  /**
   * Writes the run's last word (completed with the conclusion when the outcome has one, a budget skip as
   * skipped; its summary the job summary's content) unless the check run already says it, and waits for
   * every write. Never throws: a write that fails is one warning.
   */
  finish(): Promise<void>
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
  /** Writes the outputs that changed and refreshes the thread comment and the check run. */
  publish(): void
  /** The thread comment, once a job has one; main.ts refreshes it on failure and awaits it at the end. */
  comment?: ThreadComment
  /** The check run, once a job has one; main.ts refreshes it with the outputs and finishes it at the end. */
  checkRun?: SessionCheckRun
}
