import type { Trigger } from '../event/trigger.js'
import { quoteUserText } from './sanitize.js'

/**
 * The messages a run sends to a thread's live session instead of opening another: a follow-up comment's
 * instruction, and the note that new commits were pushed. What users wrote is quoted as data, as in prompts;
 * the SHAs come from the payload only when they are 40 hex digits (trigger.ts checks), so nothing else passes.
 */

/** A gated `@devin` comment on a thread whose session is live: who asked, where, and what (quoted). */
export function followUpMessage(trigger: Trigger, instruction: string | undefined): string {
  const comment = trigger.comment
  const author = comment?.author || trigger.actor
  const thread = trigger.pullRequest ?? trigger.issue
  const kind = trigger.pullRequest !== undefined ? 'pull request' : 'issue'
  return [
    `${author} followed up on ${kind} #${thread?.number ?? ''} of ${trigger.repo}${comment?.url ? ` in ${comment.url}` : ''}.`,
    '',
    quoteUserText(`What ${author} asked`, instruction ?? comment?.body ?? ''),
    '',
    `Do what they ask where it is reasonable for this repository, and reply on the ${kind} with what you did.`
  ].join('\n')
}

/** The compare view from the old head to the new one, when the push says where it started. */
export function compareUrl(trigger: Trigger): string | undefined {
  const commits = trigger.newCommits
  if (commits?.before === undefined || /^0+$/.test(commits.before) || trigger.repo === '') return undefined
  return `${trigger.serverUrl}/${trigger.repo}/compare/${commits.before}...${commits.after}`
}

/** New commits on a pull request whose session is live (on-new-commits: message). */
export function newCommitsMessage(trigger: Trigger): string {
  const pr = trigger.pullRequest
  const head = trigger.newCommits?.after ?? pr?.headSha ?? ''
  const compare = compareUrl(trigger)
  return [
    `New commits were pushed to pull request #${pr?.number ?? ''} of ${trigger.repo}${pr?.url ? ` (${pr.url})` : ''}.`,
    `The head is now ${head}${trigger.newCommits?.before !== undefined ? ` (it was ${trigger.newCommits.before})` : ''}.`,
    ...(compare !== undefined ? [`What changed: ${compare}`] : []),
    '',
    'Take the new commits into account: review them too, and update what you said or did where they change it.'
  ].join('\n')
}
