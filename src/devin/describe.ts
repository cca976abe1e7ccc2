import type { Session } from './session.js'

/** What each suspension reason means, in words a person reads. */
const SUSPENSION_REASONS: Record<string, string> = {
  inactivity: 'it fell asleep after a period of inactivity',
  user_request: 'a user paused it',
  usage_limit_exceeded: 'a usage limit was reached',
  out_of_credits: 'the organization is out of credits',
  out_of_quota: 'the organization is out of quota',
  no_quota_allocation: 'the organization has no quota allocated',
  payment_declined: 'a payment was declined',
  org_usage_limit_exceeded: "the organization's usage limit was reached",
  user_usage_limit_exceeded: "the user's usage limit was reached",
  total_session_limit_exceeded: 'the limit on sessions was reached',
  error: 'of an error'
}

/** "out_of_credits (the organization is out of credits)", or the bare value when it is new to the action. */
export function describeSuspension(reason: string | undefined): string {
  if (reason === undefined) return 'no reason given'
  const meaning = SUSPENSION_REASONS[reason]
  return meaning === undefined ? reason : `${reason}: ${meaning}`
}

/** One line for where a session stands now. */
export function describeState(session: Session): string {
  const { status, statusDetail } = session
  switch (status) {
    case 'new':
    case 'claimed':
      return 'Devin is starting the session'
    case 'resuming':
      return 'Devin is resuming the session'
    case 'running':
      if (statusDetail === 'finished') return 'Devin finished the task'
      if (statusDetail === 'waiting_for_user') return `Devin is waiting for your input: ${session.url}`
      if (statusDetail === 'waiting_for_approval') return `Devin is waiting for approval of an action: ${session.url}`
      return 'Devin is working'
    case 'suspended':
      return `The session was suspended because ${SUSPENSION_REASONS[statusDetail ?? ''] ?? `of "${statusDetail ?? 'an unknown reason'}"`}`
    case 'error':
      return 'The session stopped with an error'
    case 'exit':
      return 'The session has ended'
    default:
      return `The session is now "${status}"${statusDetail !== undefined ? ` ("${statusDetail}")` : ''}`
  }
}

/**
 * The lines worth logging when a session changes between two polls: its state, each pull request
 * that appeared or changed state, and new structured output. Each change is said once.
 */
export function describeChanges(previous: Session | undefined, next: Session): string[] {
  const lines: string[] = []
  if (previous === undefined || previous.status !== next.status || previous.statusDetail !== next.statusDetail) {
    lines.push(describeState(next))
  }
  const before = new Map((previous?.pullRequests ?? []).map((pr) => [pr.url, pr.state]))
  for (const pr of next.pullRequests) {
    if (!before.has(pr.url)) lines.push(`Devin opened a pull request: ${pr.url}`)
    else if (before.get(pr.url) !== pr.state && pr.state !== null) lines.push(`Pull request ${pr.url} is now ${pr.state}`)
  }
  if (next.structuredOutput !== undefined && JSON.stringify(previous?.structuredOutput) !== JSON.stringify(next.structuredOutput)) {
    lines.push('Devin updated its structured output')
  }
  return lines
}
