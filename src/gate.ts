import type { Settings } from './inputs.js'
import type { Trigger } from './trigger.js'

/** Repository permission levels, least first. */
export const PERMISSION_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

export const COMMENT_EVENTS: ReadonlySet<string> = new Set(['issue_comment', 'pull_request_review_comment', 'pull_request_review'])
export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target'])

export type GateDecision =
  | { run: true; warnings: string[] }
  | {
      run: false
      /** The `skip-reason` output: the kind of refusal, a colon, and the details. */
      reason: string
    }

export interface GateDeps {
  /** The user's permission on the repository ("read" … "admin"), or undefined when GitHub does not know them as a collaborator. */
  permissionOf(user: string): Promise<string | undefined>
}

/** The phrase as a word: not inside another word or handle, in any case. */
function phrasePattern(phrase: string): RegExp {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_-])`, 'iu')
}

/** Whether the event is one that runs only when its text mentions the trigger phrase. */
export function needsPhrase(trigger: Trigger): boolean {
  if (COMMENT_EVENTS.has(trigger.event)) return true
  return trigger.event === 'issues' && (trigger.action === 'opened' || trigger.action === 'edited')
}

/** The text the trigger phrase is looked for in: the comment, or the issue's title and body. */
function phraseText(trigger: Trigger): string {
  if (trigger.comment !== undefined) return trigger.comment.body
  if (trigger.issue !== undefined) return `${trigger.issue.title}\n${trigger.issue.body}`
  return ''
}

/**
 * What the user asked for: the text after the trigger phrase (or, when nothing follows it, the text
 * without the phrase). Undefined on events that are not driven by a phrase.
 */
export function instructionOf(trigger: Trigger, phrase: string): string | undefined {
  if (!needsPhrase(trigger)) return undefined
  const text = phraseText(trigger)
  if (phrase === '') return text.trim()
  const match = phrasePattern(phrase).exec(text)
  if (match === null) return undefined
  const after = text.slice(match.index + match[0].length).replace(/^[\s,:;.!-]+/, '').trim()
  return after !== '' ? after : `${text.slice(0, match.index)}${text.slice(match.index + match[0].length)}`.trim()
}

/**
 * Decides, before anything is sent to Devin, whether this trigger may open a session: bots, forks,
 * the trigger phrase, then the triggering user's permission (the one GitHub call, made only when
 * needed). Each refusal is a reason a person can act on.
 */
export async function decide(trigger: Trigger, github: Settings['github'], deps: GateDeps): Promise<GateDecision> {
  const warnings: string[] = []
  const user = trigger.actor
  let trustedBot = false

  // The account type comes from GitHub; a "[bot]" suffix in a name proves nothing.
  if (trigger.actorType === 'Bot') {
    const name = user.replace(/\[bot\]$/i, '').toLowerCase()
    const allowed = github.allowedBots.map((bot) => bot.replace(/\[bot\]$/i, '').toLowerCase())
    if (allowed.includes('*')) {
      warnings.push(`allowed-bots is "*": the bot ${user} may start Devin sessions, as may any other bot.`)
      trustedBot = true
    } else if (allowed.includes(name)) {
      trustedBot = true
    } else {
      return { run: false, reason: `bot: ${user} is a bot; add it to allowed-bots to let it start Devin sessions.` }
    }
  }

  const pr = trigger.pullRequest
  const fromFork = PULL_REQUEST_EVENTS.has(trigger.event) && pr !== undefined && pr.isFork
  if (fromFork && !github.allowForks) {
    return {
      run: false,
      reason: `fork: pull request #${pr.number} comes from a fork. A maintainer can comment ${github.triggerPhrase || 'on it'} to start a session, or set allow-forks: true.`
    }
  }

  if (needsPhrase(trigger)) {
    if (trigger.action === 'deleted') return { run: false, reason: 'no trigger phrase: the comment was deleted.' }
    if (github.triggerPhrase !== '' && instructionOf(trigger, github.triggerPhrase) === undefined) {
      const what = trigger.comment !== undefined ? 'the comment' : 'the issue'
      return { run: false, reason: `no trigger phrase: ${what} does not mention ${github.triggerPhrase}.` }
    }
  }

  const checkPermission = !trustedBot && (COMMENT_EVENTS.has(trigger.event) || trigger.event === 'issues' || fromFork)
  if (checkPermission) {
    const permission = await deps.permissionOf(user)
    const required = github.requiredPermission
    if (permission === undefined) {
      return { run: false, reason: `permission: ${user} is not a collaborator of ${trigger.repo}; required-permission is ${required}.` }
    }
    if ((PERMISSION_RANK[permission] ?? 0) < (PERMISSION_RANK[required] ?? 3)) {
      return { run: false, reason: `permission: ${user} has ${permission} permission on ${trigger.repo}; required-permission is ${required}.` }
    }
  }
  return { run: true, warnings }
}
