import type { Settings } from './inputs.js'
import type { Trigger } from './trigger.js'

/** Repository permission levels, least first. */
export const PERMISSION_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

export const COMMENT_EVENTS: ReadonlySet<string> = new Set(['issue_comment', 'pull_request_review_comment', 'pull_request_review'])
export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target'])

/**
 * Events only people with write access (or the repository's own schedule) can cause: they need no
 * permission check. Every other event not handled below is checked, the cautious default.
 */
const TRUSTED_EVENTS: ReadonlySet<string> = new Set(['push', 'schedule', 'workflow_dispatch', 'workflow_call', 'repository_dispatch', 'merge_group'])

/** The actions of comment and issue events that may start a session. */
const COMMENT_ACTIONS: ReadonlySet<string> = new Set(['created', 'edited', 'submitted'])

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

/**
 * The part of markdown a person wrote as their own words: quoted lines (a reply that quotes someone
 * else's request), code and HTML comments are left out, so none of them can trigger a session.
 */
export function ownWords(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .split('\n')
    .filter((line) => !/^ {0,3}>/.test(line))
    .join('\n')
}

/** Whether the event is one that runs only when its text mentions the trigger phrase. */
export function needsPhrase(trigger: Trigger): boolean {
  if (COMMENT_EVENTS.has(trigger.event)) return true
  return trigger.event === 'issues' && (trigger.action === 'opened' || trigger.action === 'edited')
}

/** The text the trigger phrase is looked for in: the comment, or the issue's title and body. */
function phraseText(trigger: Trigger, previous = false): string {
  if (trigger.comment !== undefined) return previous ? (trigger.edit?.previousBody ?? '') : trigger.comment.body
  if (trigger.issue !== undefined) {
    if (!previous) return `${trigger.issue.title}\n${trigger.issue.body}`
    return `${trigger.edit?.previousTitle ?? trigger.issue.title}\n${trigger.edit?.previousBody ?? trigger.issue.body}`
  }
  return ''
}

function mentions(text: string, phrase: string): RegExpExecArray | null {
  return phrasePattern(phrase).exec(ownWords(text))
}

/**
 * What the user asked for: the text after the trigger phrase (or, when nothing follows it, the text
 * without the phrase), from their own words only. Undefined on events that are not driven by a phrase.
 */
export function instructionOf(trigger: Trigger, phrase: string): string | undefined {
  if (!needsPhrase(trigger)) return undefined
  const text = ownWords(phraseText(trigger))
  if (phrase === '') return text.trim()
  const match = phrasePattern(phrase).exec(text)
  if (match === null) return undefined
  const after = text
    .slice(match.index + match[0].length)
    .replace(/^[\s,:;.!-]+/, '')
    .trim()
  return after !== '' ? after : `${text.slice(0, match.index)}${text.slice(match.index + match[0].length)}`.trim()
}

/**
 * Who must hold the permission: whoever caused the event and whoever wrote the text it carries, so
 * a maintainer editing or dismissing a stranger's words does not lend them permission. Labelling or
 * assigning an issue is the labeller's decision: only they are checked.
 */
function usersToCheck(trigger: Trigger): string[] {
  const labelled = trigger.event === 'issues' && (trigger.action === 'labeled' || trigger.action === 'assigned')
  const writer = labelled
    ? undefined
    : (trigger.comment?.author ??
      (trigger.event === 'issues' ? trigger.issue?.author : undefined) ??
      (PULL_REQUEST_EVENTS.has(trigger.event) ? trigger.pullRequest?.author : undefined))
  return [...new Set([trigger.actor, writer].filter((user): user is string => user !== undefined && user !== ''))]
}

/**
 * Decides, before anything is sent to Devin, whether this trigger may open a session: bots, forks,
 * the trigger phrase, then the permission of the users behind it (GitHub calls made only when
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

  if (COMMENT_EVENTS.has(trigger.event) && !COMMENT_ACTIONS.has(trigger.action ?? '')) {
    return { run: false, reason: `no trigger phrase: the comment was ${trigger.action ?? 'changed'}, not written or edited.` }
  }
  if (needsPhrase(trigger) && github.triggerPhrase !== '') {
    const what = trigger.comment !== undefined ? 'the comment' : 'the issue'
    if (instructionOf(trigger, github.triggerPhrase) === undefined) {
      return { run: false, reason: `no trigger phrase: ${what} does not mention ${github.triggerPhrase}.` }
    }
    // An edit runs only when it adds the phrase; editing other words of a request already made must not repeat it.
    if (trigger.action === 'edited' && mentions(phraseText(trigger, true), github.triggerPhrase) !== null) {
      return { run: false, reason: `no trigger phrase: the edit did not add ${github.triggerPhrase}; ${what} already mentioned it.` }
    }
  }

  const checkPermission = !trustedBot && !TRUSTED_EVENTS.has(trigger.event) && !(PULL_REQUEST_EVENTS.has(trigger.event) && !fromFork)
  if (checkPermission) {
    const required = github.requiredPermission
    for (const person of usersToCheck(trigger)) {
      const permission = await deps.permissionOf(person)
      if (permission === undefined) {
        return { run: false, reason: `permission: ${person} is not a collaborator of ${trigger.repo}; required-permission is ${required}.` }
      }
      if ((PERMISSION_RANK[permission] ?? 0) < (PERMISSION_RANK[required] ?? 3)) {
        return { run: false, reason: `permission: ${person} has ${permission} permission on ${trigger.repo}; required-permission is ${required}.` }
      }
    }
  }
  return { run: true, warnings }
}
