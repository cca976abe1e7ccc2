import { checkConclusion } from '../policy/check-conclusion.js'
import type { Report } from './report.js'
import { REVIEW_OUTCOME_WORDS, summaryMarkdown } from './summary.js'

/** GitHub's limit on a check run's `output.summary`. */
export const MAX_CHECK_SUMMARY = 65_535

const TITLES: Record<string, string> = {
  running: 'Devin is working',
  finished: 'Devin finished',
  blocked: 'Devin is waiting for input',
  error: 'The session stopped with an error',
  suspended: 'The session was suspended',
  exited: 'The session ended',
  timeout: 'The wait timed out',
  skipped: 'Skipped: over budget'
}

/** What a check run shows for a report: its status and conclusion, a title, and the job summary's content. */
export interface CheckRunContent {
  status: 'in_progress' | 'completed'
  conclusion?: string
  title: string
  summary: string
}

/**
 * The check run's content for what the report knows, built from a report whose outside text is already
 * redacted: completed when the outcome has a conclusion, else in progress; the summary is the job summary's
 * markdown, cut to GitHub's 65,535 characters with a note. Pure.
 */
export function checkRunContent(report: Report): CheckRunContent {
  const conclusion = checkConclusion(report)
  const stale = report.stale?.stale === true && conclusion === 'neutral' && report.outcome !== 'exited'
  // ---- devin review: the title speaks of the review ----
  if (report.review !== undefined) {
    return {
      status: conclusion === undefined ? 'in_progress' : 'completed',
      ...(conclusion !== undefined ? { conclusion } : {}),
      title: REVIEW_OUTCOME_WORDS[report.outcome ?? 'running'] ?? `Outcome: ${report.outcome}`,
      summary: capSummary(summaryMarkdown(report))
    }
  }
  // ---- end of devin review ----
  const title = stale ? 'The pull request moved past the commit Devin was asked about' : (TITLES[report.outcome ?? 'running'] ?? `Outcome: ${report.outcome}`)
  return {
    status: conclusion === undefined ? 'in_progress' : 'completed',
    ...(conclusion !== undefined ? { conclusion } : {}),
    title,
    summary: capSummary(summaryMarkdown(report))
  }
}

/** The summary within GitHub's limit, cut on a line where it can be, with a note of what was left out. */
function capSummary(markdown: string): string {
  if (markdown.length <= MAX_CHECK_SUMMARY) return markdown
  const note = '\n\n_… cut to fit the check run; the job summary has all of it._\n'
  let kept = markdown.slice(0, MAX_CHECK_SUMMARY - note.length)
  const lastLine = kept.lastIndexOf('\n')
  if (lastLine > kept.length / 2) kept = kept.slice(0, lastLine)
  // A surrogate pair cut in half would be an invalid character.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1)
  return `${kept}${note}`
}
