import type { Settings } from '../action/inputs.js'
import { COMMENT_EVENTS, PULL_REQUEST_EVENTS } from '../event/gate.js'
import { type Trigger, threadOf } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { LivingComment, commentBody, commentMarker } from '../github/comment.js'
import { postMentionOnce, questionMarker } from '../github/question-mention.js'
import { type Redactor, redactReport } from '../report/redact.js'
import type { Report } from '../report/report.js'
import type { MentionResult, ThreadComment } from './job.js'

/** Events whose thread gets the living comment under `comment: auto`. */
const THREAD_EVENTS: ReadonlySet<string> = new Set([...PULL_REQUEST_EVENTS, ...COMMENT_EVENTS, 'issues', 'workflow_run'])

/**
 * The comment kept on the pull request or issue, when `comment` asks for one and there is a thread.
 * Writes are queued, so they happen in order and never block the run; the run waits for them at the end.
 */
export function threadComment(
  trigger: Trigger,
  settings: Settings,
  github: GitHub,
  report: Report,
  redactor: Redactor,
  warn: (message: string) => void
): ThreadComment | undefined {
  const mode = settings.github.comment
  const thread = threadOf(trigger)
  if (mode === 'false' || (mode === 'auto' && !THREAD_EVENTS.has(trigger.event))) return undefined
  if (thread === undefined) {
    if (mode === 'true') warn(`comment is true, but the "${trigger.event}" event has no pull request or issue to comment on.`)
    return undefined
  }
  const marker = commentMarker(trigger, settings.idempotencyKey)
  const living = new LivingComment(github, thread.number, marker, warn)
  let queue = Promise.resolve()
  let mentioned = false
  return {
    refresh(): void {
      // A budget skip is news for the thread (why nothing happened, what to raise); the gate's skips are not.
      // Sessions ended (a closed thread) are news too: the close job gets a comment only once it ended one.
      const ended = (report.ended?.length ?? 0) > 0
      // A Devin Review is news once Devin showed it (devin review).
      const reviewed = report.review?.current !== undefined
      if (report.session === undefined && report.failure === undefined && report.budget?.go !== false && !ended && !reviewed) return
      const body = commentBody(redactReport(report, redactor), marker, trigger.runUrl)
      const sessionId = report.session?.id
      queue = queue.then(() => living.write(body, sessionId))
    },
    async settled(): Promise<void> {
      await queue
      // The last word: what a failed write could not put on the thread is tried again before the step ends.
      queue = queue.then(() => living.retry())
      await queue
    },
    async mentionForQuestion({ sessionId, sessionUrl, questionId, login }): Promise<MentionResult> {
      if (mentioned) return 'not-posted'
      mentioned = true
      const marker = questionMarker(sessionId, questionId)
      if (marker === undefined) {
        warn(`Session ${sessionId} cannot be named in a hidden marker on the thread, so @${login} was not mentioned for Devin's question.`)
        return 'not-posted'
      }
      // The mention points to the living comment: it is written (and its address known) first.
      await queue
      const replyPhrase = settings.thread.followUp === 'message' ? settings.github.triggerPhrase : undefined
      try {
        const posted = await postMentionOnce(github, thread.number, { marker, login, sessionId, sessionUrl, commentUrl: living.url, replyPhrase })
        return posted ? 'posted' : 'already-posted'
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        warn(
          `Could not post the comment that mentions @${login} on #${thread.number} for Devin's question (${message}). Give the job "issues: write" and "pull-requests: write" permissions, or set notify-on-blocked: false.`
        )
        return 'not-posted'
      }
    }
  }
}
