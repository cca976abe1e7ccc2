import { Output, type OutputName } from '../action/constants.js'
import { formatAcus } from '../policy/budget.js'
import type { Report } from './report.js'

/**
 * The step outputs for what the report knows so far: everything about the session from the latest
 * answer Devin gave (after a wait, the last poll). The caller redacts values before writing them.
 */
export function reportOutputs(report: Report): Partial<Record<OutputName, string>> {
  const outputs: Partial<Record<OutputName, string>> = {}
  const { session } = report
  if (session !== undefined) {
    outputs[Output.SessionId] = session.id
    outputs[Output.SessionUrl] = session.url
    outputs[Output.Status] = session.status
    outputs[Output.StatusDetail] = session.statusDetail ?? ''
    outputs[Output.PullRequests] = JSON.stringify(session.pullRequests.map(({ url, state }) => ({ url, state })))
    outputs[Output.PullRequestUrl] = session.pullRequests[0]?.url ?? ''
    outputs[Output.StructuredOutput] =
      session.structuredOutput === undefined || session.structuredOutput === null ? '' : JSON.stringify(session.structuredOutput)
    outputs[Output.AcusConsumed] = String(session.acusConsumed ?? 0)
  }
  if (report.isNew !== undefined) outputs[Output.IsNewSession] = String(report.isNew)
  if (report.outcome !== undefined) outputs[Output.Outcome] = report.outcome
  if (report.prompt !== undefined) outputs[Output.Prompt] = report.prompt
  if (report.skipReason !== undefined) outputs[Output.SkipReason] = report.skipReason
  if (report.budget?.remaining !== undefined) outputs[Output.BudgetRemaining] = formatAcus(report.budget.remaining)
  if (report.ended !== undefined) outputs[Output.EndedSessions] = String(report.ended.length)
  if (report.summary !== undefined) outputs[Output.Summary] = report.summary
  if (report.reconciled !== undefined) outputs[Output.Reconciled] = String(report.reconciled)
  if (report.stale !== undefined) outputs[Output.Stale] = String(report.stale.stale)
  // ---- devin review: no session, so session-id, session-url, status and acus-consumed stay empty ----
  if (report.review?.current !== undefined) outputs[Output.ReviewStatus] = report.review.current.status
  // ---- end of devin review ----
  return outputs
}
