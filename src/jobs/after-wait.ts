import { redactCredentials } from '../report/credential-patterns.js'
import { CLEANUP_DEADLINE_MS } from '../action/constants.js'
import type { Settings } from '../action/inputs.js'
import type { DevinApi } from '../devin/api.js'
import { type SessionMessage, latestDevinMessage, messageKey } from '../devin/messages.js'
import type { Outcome, Session } from '../devin/session.js'
import type { Trigger } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { isMentionable } from '../github/question-mention.js'
import { capSummary } from '../report/devin-words.js'
import type { JobContext } from './job.js'

/**
 * How long the one read of the session's messages may take, retries included: as long as ending a session may
 * take, so an API that fails after the wait holds the step no longer than that.
 */
export const MESSAGES_DEADLINE_MS = CLEANUP_DEADLINE_MS

const COMMIT_SHA = /^[0-9a-f]{40}$/i

/**
 * What the run learns once its wait is over, each read once: Devin's latest message (the `summary` output), and
 * when Devin waits for the user, its question with one mention of the user who caused the run
 * (notify-on-blocked); and on a pull request, whether its head moved past the commit the run asked about
 * (`stale`). A read that fails is reported and leaves its part empty; the step goes on.
 */
export async function afterWait(
  ctx: JobContext,
  api: DevinApi,
  session: Session,
  outcome: Outcome,
  settings: Settings,
  trigger: Trigger,
  github: GitHub
): Promise<void> {
  const { deps, report, redactor } = ctx
  const { runner } = deps
  const redact = redactor.text

  let question: { id: string; text: string } | undefined
  try {
    const words = devinWords(await api.listMessages(session.id, deps.clock.now() + MESSAGES_DEADLINE_MS), outcome, settings.thread.notifyOnBlocked, redact)
    if (words.summary !== undefined) report.summary = words.summary
    question = words.question
  } catch (error) {
    runner.warning(
      redact(
        `Could not read Devin's messages in session ${session.id}, so the summary output is empty: ${error instanceof Error ? error.message : String(error)}`
      )
    )
  }
  report.question = question

  const stale = await staleness(trigger, github, (message) => runner.info(redact(message)))
  if (stale !== undefined) report.stale = stale
  ctx.publish()

  if (question === undefined || ctx.comment === undefined) return
  const login = causedBy(trigger)
  if (login === undefined) {
    runner.info('Devin is waiting for an answer; no GitHub user caused this run who could be mentioned, so the question is only shown in the comment.')
    return
  }
  // The session's id and address go into a comment: redacted like everything else from Devin's answers.
  const mentioned = await ctx.comment.mentionForQuestion({ sessionId: redact(session.id), sessionUrl: redact(session.url), questionId: question.id, login })
  if (mentioned === 'posted') runner.info(`Devin is waiting for an answer: mentioned @${login} in a new comment.`)
  if (mentioned === 'already-posted') runner.info(`Devin is waiting for an answer: @${login} was already mentioned for this question, so not again.`)
}

/**
 * What the run reports of a session's messages: Devin's latest message as the summary (redacted, then capped),
 * and the same message as the question to mention when Devin waits for the user and notify-on-blocked asks for it.
 */
export function devinWords(
  messages: readonly SessionMessage[],
  outcome: Outcome,
  notifyOnBlocked: boolean,
  redact: (text: string) => string
): { summary?: string; question?: { id: string; text: string } } {
  const latest = latestDevinMessage(messages)
  if (latest === undefined) return {}
  // Redacted before it is capped: a secret cut in half would no longer be recognised. Besides the run's own secrets,
  // credentials recognised by their shape (a token Devin read in the repository and quoted, or a session secret a
  // reconcile job was not given): Devin's words go to a comment anyone who can read the thread sees.
  const text = capSummary(redactCredentials(redact(latest.text)))
  return { summary: text, ...(outcome === 'blocked' && notifyOnBlocked ? { question: { id: messageKey(latest), text } } : {}) }
}

/** The user who caused the run, as they may be mentioned: the triggering comment's author, else the event's sender. */
function causedBy(trigger: Trigger): string | undefined {
  const login = trigger.comment?.author ?? trigger.actor
  return isMentionable(login) ? login : undefined
}

/**
 * The pull request's head now, against the commit the run asked about (the pushed head of a `synchronize`, else
 * the head the trigger names). Read only on a pull request whose asked commit is known; a failed read is an info
 * line and leaves `stale` unset.
 */
async function staleness(
  trigger: Trigger,
  github: GitHub,
  info: (message: string) => void
): Promise<{ askedSha: string; headSha: string; stale: boolean } | undefined> {
  const pr = trigger.pullRequest
  const asked = trigger.newCommits?.after ?? pr?.headSha
  if (pr === undefined || asked === undefined || !COMMIT_SHA.test(asked)) return undefined
  let head: string
  try {
    head = await github.pullHead(pr.number)
  } catch (error) {
    info(`Could not read the head of pull request #${pr.number} (${error instanceof Error ? error.message : String(error)}); the stale output is not set.`)
    return undefined
  }
  if (!COMMIT_SHA.test(head)) {
    info(`GitHub gave no commit SHA as the head of pull request #${pr.number}; the stale output is not set.`)
    return undefined
  }
  const stale = { askedSha: asked.toLowerCase(), headSha: head.toLowerCase(), stale: asked.toLowerCase() !== head.toLowerCase() }
  if (stale.stale) info(`Pull request #${pr.number} has moved on: the session was last asked about ${stale.askedSha}; its head is now ${stale.headSha}.`)
  return stale
}
