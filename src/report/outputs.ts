import { Output, type OutputName } from '../constants.js'
import type { Report } from './report.js'

/**
 * The step outputs for what the report knows so far. Outputs that depend on a wait are left unset
 * until a wait sets them. Every value passes through `redact`, so no secret can become an output.
 */
export function reportOutputs(report: Report): Partial<Record<OutputName, string>> {
  const outputs: Partial<Record<OutputName, string>> = {}
  const { session } = report
  if (session !== undefined) {
    outputs[Output.SessionId] = session.id
    outputs[Output.SessionUrl] = session.url
    outputs[Output.Status] = session.status
    if (session.statusDetail !== undefined) outputs[Output.StatusDetail] = session.statusDetail
  }
  if (report.isNew !== undefined) outputs[Output.IsNewSession] = String(report.isNew)
  if (report.outcome !== undefined) outputs[Output.Outcome] = report.outcome
  if (report.prompt !== undefined) outputs[Output.Prompt] = report.prompt
  if (report.skipReason !== undefined) outputs[Output.SkipReason] = report.skipReason
  return outputs
}
