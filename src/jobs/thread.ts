import type { Settings } from '../action/inputs.js'
import type { RequestTexts, OpenPlan } from '../ask/request.js'
import { followUpMessage, newCommitsMessage, compareUrl } from '../ask/thread-messages.js'
import type { DevinApi } from '../devin/api.js'
import { endSession } from '../devin/end.js'
import type { Session } from '../devin/session.js'
import { COMMENT_EVENTS, PULL_REQUEST_EVENTS } from '../event/gate.js'
import type { Trigger } from '../event/trigger.js'
import { threadTag } from '../policy/tags.js'
import { type ThreadAsk, routeThread } from '../policy/thread.js'
import type { ThreadNote } from '../report/report.js'

/**
 * One conversation per thread, in the open job: before a new session is opened for a pull request or issue,
 * the thread's live sessions are listed (by `gh-thread:`) and the run may message the newest one instead
 * (a follow-up comment, new commits), or end the ones opened for an older head before opening (restart).
 * The precedence is the contract's: `session-id`, then `idempotency-key`, then the thread, then a new session.
 */

/**
 * What the thread asks of this run, or undefined when the thread has no say: a run given a session or a
 * key, a restricted run (it may message only restricted sessions, and nothing tells them apart on the
 * list, so it opens its own), an event that is neither a comment nor new commits, or a choice of `new`
 * (then nothing is listed, so the run sends exactly the requests it did before).
 */
export function threadAskOf(settings: Settings, trigger: Trigger, restricted: boolean): ThreadAsk | undefined {
  if (settings.sessionId !== undefined || settings.idempotencyKey !== undefined || restricted) return undefined
  let ask: ThreadAsk | undefined
  if (COMMENT_EVENTS.has(trigger.event) && trigger.comment !== undefined && (trigger.pullRequest ?? trigger.issue) !== undefined) {
    ask = { kind: 'follow-up', choice: settings.thread.followUp }
  } else if (PULL_REQUEST_EVENTS.has(trigger.event) && trigger.newCommits !== undefined) {
    ask = { kind: 'new-commits', choice: settings.thread.onNewCommits, headSha: trigger.newCommits.after }
  }
  return ask === undefined || ask.choice === 'new' ? undefined : ask
}

/** The thread step's result: the plan to open with, what to tell the user, and the sessions to end before a restart's create. */
export interface ThreadRouting {
  plan: OpenPlan
  note?: ThreadNote
  end: Session[]
}

/**
 * Lists the thread's sessions and routes the run. A list that fails (after the request helper's retries)
 * fails the step before anything is created: opening a new session beside one that may be live is the
 * pile-up this step exists to prevent, and a re-run settles it.
 */
export async function routeByThread(
  api: DevinApi,
  ask: ThreadAsk,
  trigger: Trigger,
  plan: OpenPlan,
  texts: RequestTexts,
  instruction: string | undefined,
  deadline: number,
  info: (message: string) => void
): Promise<ThreadRouting> {
  const thread = plan.scope.thread
  if (thread === undefined || plan.scope.repoId === '') {
    info('This thread has no repository id or number, so its sessions cannot be looked up: a new session is opened.')
    return { plan, end: [] }
  }
  const tag = threadTag(plan.scope.repoId, thread)
  const input = ask.kind === 'follow-up' ? 'follow-up' : 'on-new-commits'
  let listed: Session[]
  try {
    listed = await api.listByTag(tag, deadline)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new Error(
      `${input} is "${ask.choice}", but the thread's sessions (tagged ${tag}) could not be listed, so nothing was created or sent: ${why.replace(/\.$/, '')}. Re-run the job, or set ${input}: new to open a new session without looking.`,
      { cause: error }
    )
  }
  const route = routeThread(ask, listed)
  if (route.kind === 'open') {
    info(`No live session on this thread (tagged ${tag}): a new session is opened.`)
    return { plan, end: [] }
  }
  if (route.kind === 'restart') {
    const headSha = ask.headSha ?? ''
    if (route.end.length > 0) {
      info(
        `on-new-commits: restart: ${route.end.map((s) => s.id).join(', ')} ${route.end.length === 1 ? 'was' : 'were'} opened for an older head than ${headSha}; ending ${route.end.length === 1 ? 'it' : 'them'}, then opening a new session.`
      )
    }
    return { plan, end: route.end, note: { kind: 'restart', headSha, ended: [] } }
  }
  if (route.kind === 'current') {
    const headSha = ask.headSha ?? ''
    info(
      `on-new-commits: restart: session ${route.session.id} was already opened for ${headSha} (a re-run, or another run on the same push); continuing it instead of opening another.`
    )
    return {
      plan: { kind: 'continue', sessionId: route.session.id, known: route.session, scope: plan.scope },
      end: route.end,
      note: { kind: 'restart', headSha, ended: [] }
    }
  }
  const { session } = route
  // A `message` input, when set, is what the workflow wants sent to a session it reaches again.
  const message = texts.message ?? (ask.kind === 'follow-up' ? followUpMessage(trigger, instruction) : newCommitsMessage(trigger))
  const note: ThreadNote =
    ask.kind === 'follow-up'
      ? { kind: 'follow-up', commentUrl: trigger.comment?.url ?? '', author: trigger.comment?.author || trigger.actor }
      : { kind: 'new-commits', headSha: ask.headSha ?? '', compareUrl: compareUrl(trigger) }
  info(
    `${input}: message: session ${session.id} is live on this thread (tagged ${tag}); sending it the ${ask.kind === 'follow-up' ? 'follow-up' : 'new commits'} instead of opening another.`
  )
  // A re-run of the job would say it all again: only then (a first attempt costs no extra request) the session's
  // messages are read, and a message it already has is not sent twice. The text is the same on every attempt.
  if (trigger.runAttempt !== '1' && (await alreadySent(api, session.id, message, deadline))) {
    info(`Session ${session.id} already has this message (an earlier attempt of this run sent it): not sending it again.`)
    return { plan: { kind: 'continue', sessionId: session.id, known: session, scope: plan.scope }, note, end: [] }
  }
  return { plan: { kind: 'continue', sessionId: session.id, message, known: session, scope: plan.scope }, note, end: [] }
}

/** Whether the session's messages already hold this one from a person; a list that fails counts as no (the message is sent). */
async function alreadySent(api: DevinApi, sessionId: string, message: string, deadline: number): Promise<boolean> {
  try {
    return (await api.listMessages(sessionId, deadline)).some((sent) => sent.from === 'user' && sent.text.trim() === message.trim())
  } catch {
    return false
  }
}

/**
 * Ends the sessions a restart replaces. One that stopped in the meantime counts as ended (endSession re-reads);
 * one that cannot be ended is a warning, not a reason to leave the new commits unreviewed.
 */
export async function endReplaced(api: DevinApi, sessions: Session[], deadline: number, warning: (message: string) => void): Promise<string[]> {
  const ended: string[] = []
  for (const session of sessions) {
    try {
      await endSession(api, session.id, deadline)
      ended.push(session.id)
    } catch (error) {
      warning(
        `Could not end session ${session.id}, opened for an older head (${error instanceof Error ? error.message : String(error)}); it keeps running: ${session.url}`
      )
    }
  }
  return ended
}
