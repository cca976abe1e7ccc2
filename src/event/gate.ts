import type { Settings } from '../action/inputs.js'
import { type OwnWords, ownWords } from './markdown.js'
import type { Trigger } from './trigger.js'

/** Repository permission levels, least first. */
export const PERMISSION_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

/** Events that carry a comment a user wrote: each runs only when the comment mentions the trigger phrase. */
export const COMMENT_EVENTS: ReadonlySet<string> = new Set([
  'issue_comment',
  'pull_request_review_comment',
  'pull_request_review',
  'commit_comment',
  'discussion_comment'
])
export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target'])

/**
 * Events only people with write access (or the repository's own schedule) can cause: they need no
 * permission check. Every other event not handled below is checked, the cautious default.
 */
const TRUSTED_EVENTS: ReadonlySet<string> = new Set(['push', 'schedule', 'workflow_dispatch', 'workflow_call', 'repository_dispatch', 'merge_group'])

/** The actions of comment events that may start a session. */
const COMMENT_ACTIONS: ReadonlySet<string> = new Set(['created', 'edited', 'submitted'])

/** The actions that post a user's text as an issue or discussion: like a comment, they need the phrase. */
const POSTING_ACTIONS: Record<string, ReadonlySet<string>> = {
  issues: new Set(['opened', 'edited']),
  discussion: new Set(['created', 'edited'])
}

/** Actions that are a maintainer's decision about someone else's text (a label, an assignee): only they are checked. */
const DECIDING_ACTIONS: ReadonlySet<string> = new Set(['labeled', 'assigned'])

/** A user the gate let through only because `allowed-users` lists them: what they lack, for the log. */
export interface RestrictedUser {
  login: string
  /** Their permission on the repository, or undefined when GitHub does not know them as a collaborator. */
  permission: string | undefined
}

export type GateDecision =
  | {
      run: true
      warnings: string[]
      /**
       * Set when a checked user lacks `required-permission` and was admitted by `allowed-users` alone:
       * the run is restricted (policy/restricted.ts). Absent when every checked user holds the permission.
       */
      restricted?: RestrictedUser[]
    }
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
  return POSTING_ACTIONS[trigger.event]?.has(trigger.action ?? '') ?? false
}

/** The text the trigger phrase is looked for in: the comment, or the issue's or discussion's title and body. */
function phraseText(trigger: Trigger, previous = false): string {
  if (trigger.comment !== undefined) return previous ? (trigger.edit?.previousBody ?? '') : trigger.comment.body
  const thread = trigger.issue ?? trigger.discussion
  if (thread !== undefined) {
    // Apart by a blank line, so the title never runs into the body's first paragraph.
    if (!previous) return `${thread.title}\n\n${thread.body}`
    return `${trigger.edit?.previousTitle ?? thread.title}\n\n${trigger.edit?.previousBody ?? thread.body}`
  }
  return ''
}

/** Where the phrase is in the writer's own words, read as CommonMark: in prose only, never in code, HTML or a quote. */
async function mention(text: string, phrase: string): Promise<{ words: OwnWords; match: RegExpExecArray } | undefined> {
  const words = await ownWords(text)
  const match = phrasePattern(phrase).exec(words.prose)
  return match === null ? undefined : { words, match }
}

/**
 * What the user asked for: the text after the trigger phrase (or, when nothing follows it, the text
 * without the phrase), from their own words only: code they wrote stays, as code; quotes and HTML do
 * not. Undefined on events that are not driven by a phrase; the markdown parser is loaded only on
 * events that are.
 */
export async function instructionOf(trigger: Trigger, phrase: string): Promise<string | undefined> {
  if (!needsPhrase(trigger)) return undefined
  if (phrase === '') return (await ownWords(phraseText(trigger))).text.trim()
  const found = await mention(phraseText(trigger), phrase)
  if (found === undefined) return undefined
  const { text } = found.words
  const start = found.match.index
  const end = start + found.match[0].length
  const after = text
    .slice(end)
    .replace(/^[\s,:;.!-]+/, '')
    .trim()
  return after !== '' ? after : `${text.slice(0, start)}${text.slice(end)}`.trim()
}

/**
 * Who must hold the permission: whoever caused the event and whoever wrote the text it carries, so
 * a maintainer editing or dismissing a stranger's words does not lend them permission. Labelling or
 * assigning an issue, pull request or discussion is the labeller's decision: only they are checked.
 */
function usersToCheck(trigger: Trigger): string[] {
  // A workflow run is the work of whoever started it and whoever re-ran it: both must hold the permission.
  const run = trigger.workflowRun
  if (trigger.event === 'workflow_run' && run !== undefined) {
    return [...new Set([run.triggeringActor, run.actor, trigger.actor].filter((user): user is string => user !== undefined && user !== ''))]
  }
  const writer = DECIDING_ACTIONS.has(trigger.action ?? '')
    ? undefined
    : (trigger.comment?.author ??
      (trigger.event === 'issues' ? trigger.issue?.author : undefined) ??
      (trigger.event === 'discussion' ? trigger.discussion?.author : undefined) ??
      (PULL_REQUEST_EVENTS.has(trigger.event) ? trigger.pullRequest?.author : undefined))
  return [...new Set([trigger.actor, writer].filter((user): user is string => user !== undefined && user !== ''))]
}

/** Conclusions of a workflow run that a session is opened to fix. */
export const FIXABLE_CONCLUSIONS: ReadonlySet<string> = new Set(['failure', 'timed_out'])

/**
 * Why a `workflow_run` event opens no session, or undefined when it may: only a completed run that failed or
 * timed out is fixed, and a run of a fork's head (its code is the fork's) only with allow-forks.
 */
function workflowRunRefusal(trigger: Trigger, github: Settings['github']): string | undefined {
  if (trigger.event !== 'workflow_run') return undefined
  const run = trigger.workflowRun
  if (run === undefined) return 'ci: the event has no workflow run.'
  if (trigger.action !== 'completed') return `ci: the workflow run "${run.name}" was ${trigger.action ?? 'changed'}, not completed.`
  if (run.conclusion === undefined || !FIXABLE_CONCLUSIONS.has(run.conclusion)) {
    return `ci: the workflow run "${run.name}" concluded ${run.conclusion ?? 'without a conclusion'}; only failure and timed_out runs are fixed.`
  }
  const fork = run.headRepo === '' || run.headRepo.toLowerCase() !== trigger.repo.toLowerCase()
  if (fork && !github.allowForks) {
    return `fork: the workflow run "${run.name}" ran on ${run.headRepo === '' ? 'a deleted fork' : `${run.headRepo}, a fork`}; set allow-forks: true to fix runs of forks.`
  }
  return undefined
}

/**
 * Decides, before anything is sent to Devin, whether this trigger may open a session: bots, forks,
 * the trigger phrase, then the permission of the users behind it (GitHub calls made only when
 * needed). Each refusal is a reason a person can act on.
 */
export async function decide(trigger: Trigger, github: Settings['github'], deps: GateDeps): Promise<GateDecision> {
  const warnings: string[] = []
  const user = trigger.event === 'workflow_run' ? (trigger.workflowRun?.triggeringActor ?? trigger.actor) : trigger.actor
  let trustedBot = false

  // A failed CI run is fixed only when it failed, and only for this repository's own branches.
  const ciRefusal = workflowRunRefusal(trigger, github)
  if (ciRefusal !== undefined) return { run: false, reason: ciRefusal }

  // The account type comes from GitHub; a "[bot]" suffix in a name proves nothing. On a workflow run, the bot
  // that matters is the one that started it (Dependabot's push), not the sender of the completed event.
  const botType = trigger.event === 'workflow_run' ? (trigger.workflowRun?.triggeringActorType ?? trigger.actorType) : trigger.actorType
  if (botType === 'Bot') {
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

  // The action's own comments (the living comment, a mention of Devin's question) start with its hidden marker:
  // one coming back as an event must not become a request, or a personal token and an empty trigger-phrase would
  // loop (a mention, a follow-up, a new question, a new mention …).
  if (COMMENT_EVENTS.has(trigger.event) && trigger.comment?.fromAction === true) {
    return { run: false, reason: "own comment: the comment is one of this action's own (it starts with its hidden marker)." }
  }
  if (COMMENT_EVENTS.has(trigger.event) && !COMMENT_ACTIONS.has(trigger.action ?? '')) {
    return { run: false, reason: `no trigger phrase: the comment was ${trigger.action ?? 'changed'}, not written or edited.` }
  }
  if (needsPhrase(trigger) && github.triggerPhrase !== '') {
    const what = trigger.comment !== undefined ? 'the comment' : trigger.event === 'discussion' ? 'the discussion' : 'the issue'
    if ((await mention(phraseText(trigger), github.triggerPhrase)) === undefined) {
      return { run: false, reason: `no trigger phrase: ${what} does not mention ${github.triggerPhrase}.` }
    }
    // An edit runs only when it adds the phrase; editing other words of a request already made must not repeat it.
    if (trigger.action === 'edited' && (await mention(phraseText(trigger, true), github.triggerPhrase)) !== undefined) {
      return { run: false, reason: `no trigger phrase: the edit did not add ${github.triggerPhrase}; ${what} already mentioned it.` }
    }
  }

  // Pull requests from a branch of the repository itself are checked too: pushing the branch once took
  // write access, but its author may have lost it since, and the sender of a later event may never have had it.
  // allowed-users relaxes this check only: the phrase, bot and fork rules above have already applied to them.
  const restricted: RestrictedUser[] = []
  if (!trustedBot && !TRUSTED_EVENTS.has(trigger.event)) {
    const required = github.requiredPermission
    const allowedUsers = new Set(github.allowedUsers.map((login) => login.toLowerCase()))
    for (const person of usersToCheck(trigger)) {
      const permission = await deps.permissionOf(person)
      const enough = permission !== undefined && (PERMISSION_RANK[permission] ?? 0) >= (PERMISSION_RANK[required] ?? 3)
      if (enough) continue
      // GitHub logins are case-insensitive; a listed user is let through, and the run is restricted.
      if (allowedUsers.has(person.toLowerCase())) {
        restricted.push({ login: person, permission })
        continue
      }
      if (permission === undefined) {
        return { run: false, reason: `permission: ${person} is not a collaborator of ${trigger.repo}; required-permission is ${required}.` }
      }
      return { run: false, reason: `permission: ${person} has ${permission} permission on ${trigger.repo}; required-permission is ${required}.` }
    }
  }
  return restricted.length > 0 ? { run: true, warnings, restricted } : { run: true, warnings }
}
