import { COMMENT_EVENTS, PULL_REQUEST_EVENTS } from '../event/gate.js'
import { quoteUserText } from './sanitize.js'
import type { Trigger } from '../event/trigger.js'

/** Issue actions that have a default prompt. */
const ISSUE_ACTIONS: ReadonlySet<string> = new Set(['opened', 'edited', 'labeled', 'assigned'])

/**
 * The event's default prompt, used when `prompt` and `prompt-file` are empty; undefined for events
 * without one (schedule, workflow_dispatch, push, …). Everything users wrote is quoted as data.
 */
export function defaultPrompt(trigger: Trigger, instruction: string | undefined): string | undefined {
  const { pullRequest: pr, issue, repo } = trigger
  if (COMMENT_EVENTS.has(trigger.event) && trigger.comment !== undefined) {
    const thread = pr ?? issue
    if (thread === undefined) return undefined
    const kind = pr !== undefined ? 'pull request' : 'issue'
    return [
      `${trigger.comment.author || trigger.actor} asked for your help on ${kind} #${thread.number} of ${repo}: ${thread.url}`,
      '',
      quoteUserText(`The ${kind}'s title`, thread.title),
      '',
      quoteUserText(`What ${trigger.comment.author || trigger.actor} asked`, instruction ?? trigger.comment.body),
      '',
      `Do what they ask where it is reasonable for this repository, and reply on the ${kind} with what you did.`
    ].join('\n')
  }
  if (PULL_REQUEST_EVENTS.has(trigger.event) && pr !== undefined) {
    const head = pr.headSha !== undefined ? `Head commit: ${pr.headSha}.` : ''
    const base = pr.baseRef !== undefined ? ` Base branch: ${pr.baseRef}.` : ''
    // Whoever opens the pull request names its branch: the name is their text, quoted like the title.
    const branch = pr.headRef !== undefined ? ['', quoteUserText("The pull request's head branch name", pr.headRef)] : []
    return [
      `Review pull request #${pr.number} of ${repo}: ${pr.url}`,
      `${head}${base}`.trim(),
      '',
      quoteUserText("The pull request's title", pr.title),
      ...branch,
      '',
      'Review the changes for correctness, security and maintainability, and post your review on the pull request.'
    ]
      .filter((line, index) => index !== 1 || line !== '')
      .join('\n')
  }
  if (trigger.event === 'issues' && issue !== undefined && ISSUE_ACTIONS.has(trigger.action ?? '')) {
    return [
      `Work on issue #${issue.number} of ${repo}: ${issue.url}`,
      '',
      quoteUserText("The issue's title", issue.title),
      '',
      quoteUserText("The issue's body", issue.body),
      '',
      'Resolve the issue and open a pull request that references it; if it cannot be done, explain why on the issue.'
    ].join('\n')
  }
  return undefined
}
