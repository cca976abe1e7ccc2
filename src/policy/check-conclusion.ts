import type { Report } from '../report/report.js'

/**
 * The conclusion of the check run that stands for a session, from what the run knows (the contract's mapping):
 * finished → success, blocked → action_required, error and suspended → failure, timeout → timed_out, exited →
 * neutral, a budget skip → skipped. A review of a head the pull request has moved past (stale) is neutral rather
 * than a success or a wait for input: it speaks for a commit nobody is merging. Undefined while the session works
 * (the check run stays in progress) and for runs no check run stands for (gate skips, dry runs).
 */
export function checkConclusion(report: Pick<Report, 'outcome' | 'budget' | 'stale'>): string | undefined {
  const stale = report.stale?.stale === true
  switch (report.outcome) {
    case 'finished':
      return stale ? 'neutral' : 'success'
    case 'blocked':
      return stale ? 'neutral' : 'action_required'
    case 'error':
    case 'suspended':
      return 'failure'
    case 'timeout':
      return 'timed_out'
    case 'exited':
      return 'neutral'
    case 'skipped':
      return report.budget?.go === false ? 'skipped' : undefined
    default:
      return undefined
  }
}
