import { Input, OPEN_DEADLINE_MS, REQUEST_TIMEOUT_MS } from '../action/constants.js'
import { InputError, type Settings, parseInputs } from '../action/inputs.js'
import { readWorkspaceFile } from '../action/workspace-file.js'
import type { DevinApi } from '../devin/api.js'
import { connect } from '../devin/client.js'
import { endSession } from '../devin/end.js'
import { DevinHttp } from '../devin/http.js'
import type { Session } from '../devin/session.js'
import { type Trigger, threadOf } from '../event/trigger.js'
import type { GitHub, ThreadComment } from '../github/client.js'
import { commentMarker, findMarked, findSessionComment } from '../github/comment.js'
import { link } from '../report/markdown.js'
import { threadTag } from '../policy/tags.js'
import { liveThreadSessions } from '../policy/thread.js'
import type { JobContext } from './job.js'
import { threadComment } from './thread-comment.js'

/** Events whose `closed` action closes a thread (a pull request or an issue). */
const CLOSING_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target', 'issues'])

/** Whether the run is about a pull request or issue that was just closed: main.ts then runs the close job when `end-on-close` wants it. */
export function closesThread(trigger: Trigger): boolean {
  return CLOSING_EVENTS.has(trigger.event) && trigger.action === 'closed'
}

/**
 * The close job (`end-on-close`): a closed pull request or issue opens nothing; the live sessions this repository
 * opened for it, found by the thread's tag, are ended so they stop spending. Choices:
 * - No permission gate. Who may close a thread is GitHub's rule (its author, or triage and up), and ending only
 *   stops spending, on this repository's sessions of this thread alone; a bot that closes threads (a stale bot)
 *   ends them too.
 * - An empty api-key is a visible skip, not a failure: GitHub gives no secrets to `pull_request` runs from forks,
 *   and the run cannot do better. Every other bad input still fails as an input error.
 * - A dry run sends nothing to Devin, not even the list: it says which tag a real run would list.
 * - Without the action's tags (tracking-tags: false) or a repository id nothing can be found: 0 ended, one warning.
 * - Budgets do not apply: ending spends nothing.
 * Suspended sessions are not live (liveThreadSessions) and are left alone: they spend nothing until a message
 * wakes them.
 */
export async function closeJob(ctx: JobContext, trigger: Trigger): Promise<void> {
  const { deps, report, publish, secrets, redactor } = ctx
  const { runner } = deps
  const redact = redactor.text
  const thread = threadOf(trigger)
  const threadName = thread === undefined ? `the ${trigger.event} thread` : `${thread.kind} #${thread.number}`
  // The same, at the start of a sentence.
  const ThreadName = `${threadName.charAt(0).toUpperCase()}${threadName.slice(1)}`

  const settings = await closeSettings(ctx, trigger)
  if (settings === undefined) {
    report.outcome = 'skipped'
    report.skipReason = `api-key is empty, so the live Devin sessions of ${threadName} were not ended. GitHub gives no secrets to pull_request runs from forks (or Dependabot); a workflow on pull_request_target gets them.`
    // A warning, not a line of the log: the thread's sessions go on spending until someone ends them.
    runner.warning(redact(`Skipped, nothing was sent to Devin: ${report.skipReason}`))
    publish()
    return
  }
  // The inputs' warnings are about what a create or a message would do; this job does neither, so they are
  // left to the runs that do, and the one warning a close can give (nothing can be found) stands out.
  report.apiVersion = settings.apiVersion

  const unfindable =
    thread === undefined
      ? `the "${trigger.event}" event's payload names no pull request or issue`
      : !settings.trackingTags
        ? `${Input.TrackingTags} is false, so sessions carry no thread tag to find them by`
        : trigger.repoId === ''
          ? 'the repository id is unknown (neither the payload nor GITHUB_REPOSITORY_ID gives it), and the thread tag is made of it'
          : undefined
  const tag = thread === undefined || unfindable !== undefined ? undefined : threadTag(trigger.repoId, thread.number)
  report.closed = { thread: threadName, tag, unfindable }

  if (settings.dryRun) {
    report.outcome = 'dry-run'
    runner.info(
      tag === undefined
        ? `Dry run: nothing was sent to Devin. A real run would end nothing: ${unfindable}.`
        : `Dry run: nothing was sent to Devin. A real run would list the sessions tagged ${tag} and end each live one, because ${threadName} was closed.`
    )
    publish()
    return
  }

  if (tag === undefined) {
    report.outcome = 'ended'
    report.ended = []
    runner.warning(redact(`${ThreadName} was closed, but its live Devin sessions cannot be found and none was ended: ${unfindable}.`))
    publish()
    return
  }

  const http = new DevinHttp(
    { baseUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
    { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
  )
  const deadline = deps.clock.now() + OPEN_DEADLINE_MS
  let live: Session[]
  let api: DevinApi
  try {
    api = await connect(http, settings, deadline)
    // The default bound (pages of the newest sessions first) is far beyond what one thread collects.
    live = liveThreadSessions(await api.listByTag(tag, deadline))
  } catch (error) {
    throw new Error(
      `${ThreadName} was closed, but its sessions (tagged ${tag}) could not be listed, so none was ended: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error }
    )
  }

  report.outcome = 'ended'
  report.ended = []
  const notEnded: { id: string; why: string }[] = []
  for (const session of live) {
    try {
      const result = await endSession(api, session.id, deadline)
      if (result.failedButEnded !== undefined && result.alreadyStopped === true) {
        // It stopped between the list and the end (Devin: "already exited"): not an error, and not ended by this run.
        runner.info(redact(`Session ${session.id} had already stopped: ${result.failedButEnded}`))
        continue
      }
      report.ended.push({ sessionId: session.id, url: session.url })
      runner.info(redact(`Ended session ${session.id} (${session.url}): ${threadName} was closed.`))
    } catch (error) {
      notEnded.push({ id: session.id, why: error instanceof Error ? error.message : String(error) })
    }
  }
  const count = report.ended.length
  runner.info(
    redact(
      live.length === 0
        ? `${ThreadName} was closed; no live session of it was found (tagged ${tag}).`
        : `${ThreadName} was closed: ended ${count} of its ${live.length} live session${live.length === 1 ? '' : 's'} (tagged ${tag}).`
    )
  )
  // The comment only once a session was ended: it edits the step's comment on the thread, or creates one. Written
  // once, after the loop, and again by main.ts only if the step then fails.
  if (count > 0 && thread !== undefined && settings.github.comment !== 'false') {
    const github = githubFor(ctx, trigger, settings)
    const warn = (message: string) => runner.warning(redact(message))
    // A session's own comment holds what Devin said (its review, its question): it keeps all of it and gains one
    // line saying why the session ended. Only sessions without a comment of their own are listed in the step's.
    const marker = commentMarker(trigger, settings.idempotencyKey)
    // Session ids and links are Devin's answers: the note written into a comment is built from their redacted forms.
    const shown = report.ended.map((one) => ({ sessionId: redact(one.sessionId), url: redact(one.url) }))
    const { uncommented, comments } = await noteOnSessionComments(github, thread.number, shown, `${ThreadName} was closed`, marker, warn)
    if (uncommented.length > 0) {
      if (report.closed !== undefined) report.closed.inStepComment = uncommented.map((one) => one.sessionId)
      // The thread's comments were just read: the step's comment is looked for among them, not read again.
      const known: GitHub = comments === undefined ? github : { ...github, listComments: async () => comments }
      ctx.comment = threadComment(trigger, settings, known, report, redactor, warn)
    }
  }
  publish()

  if (notEnded.length > 0) {
    const names = notEnded.map((failed) => failed.id).join(', ')
    const they = notEnded.length === 1 ? 'It is' : 'They are'
    throw new Error(
      `Could not end ${notEnded.length === 1 ? 'session' : 'sessions'} ${names} of ${threadName}, which was closed. ${they} still live and may go on spending: fix the cause below and re-run the job, or end ${notEnded.length === 1 ? 'it' : 'them'} in Devin.\n` +
        notEnded.map((failed) => `- ${failed.id}: ${failed.why}`).join('\n')
    )
  }
}

/**
 * Notes the ended sessions on the thread without erasing anything: the comment of each ended session that has one
 * (found by the hidden line naming it, trusted authors only) keeps what Devin said and gains a line; the sessions
 * without one are appended as a list to the step's comment when it exists. Returns the sessions still to be listed
 * in a new comment (there is no step comment yet), and the comments read. A comment that cannot be read or written
 * is a warning: the sessions are ended all the same.
 */
async function noteOnSessionComments(
  github: GitHub,
  issueNumber: number,
  ended: { sessionId: string; url: string }[],
  why: string,
  stepMarker: string,
  warn: (message: string) => void
): Promise<{ uncommented: { sessionId: string; url: string }[]; comments?: ThreadComment[] }> {
  let comments: ThreadComment[]
  try {
    comments = await github.listComments(issueNumber)
  } catch (error) {
    warn(
      `Could not read the comments on #${issueNumber} (${error instanceof Error ? error.message : String(error)}); the ended sessions are listed in the job summary.`
    )
    return { uncommented: [] }
  }
  const bodies = new Map<number, string>()
  const append = async (comment: ThreadComment, text: string, what: string): Promise<void> => {
    const body = bodies.get(comment.id) ?? comment.body
    if (body.includes(text)) return
    const next = `${body.replace(/\n+$/, '')}\n\n${text}\n`
    try {
      await github.updateComment(comment.id, next)
      bodies.set(comment.id, next)
    } catch (error) {
      warn(`Could not note on ${what} that it was ended (${error instanceof Error ? error.message : String(error)}).`)
    }
  }
  const uncommented: { sessionId: string; url: string }[] = []
  for (const one of ended) {
    const own = await findSessionComment(github, comments, one.sessionId)
    if (own === undefined) uncommented.push(one)
    else await append(own, `⏹️ ${why}, so the action ended this session.`, `the comment of session ${one.sessionId}`)
  }
  if (uncommented.length === 0) return { uncommented, comments }
  const step = await findMarked(github, comments, stepMarker)
  if (step === undefined) return { uncommented, comments }
  const list = uncommented.map((one) => `- ${link(one.sessionId, one.url)}`).join('\n')
  const what = uncommented.length === 1 ? 'its live Devin session' : `its ${uncommented.length} live Devin sessions`
  await append(step, `⏹️ ${why}, so the action ended ${what}:\n\n${list}`, "the step's comment")
  return { uncommented: [], comments }
}

/** The GitHub client for the thread's comment. */
function githubFor(ctx: JobContext, trigger: Trigger, settings: Settings): GitHub {
  return ctx.deps.github(settings.github.token ?? '', trigger.apiUrl, trigger.repo)
}

/**
 * The inputs, checked as the open job checks them, except that an empty api-key makes the run a skip (undefined):
 * other problems still fail the step, without the api-key's.
 */
async function closeSettings(ctx: JobContext, trigger: Trigger): Promise<Settings | undefined> {
  const { runner } = ctx.deps
  const emptyKey = runner.getInput(Input.ApiKey).trim() === ''
  try {
    return await parseInputs(
      (name) => runner.getInput(name),
      (path) => readWorkspaceFile(trigger.workspace, path),
      // Nothing is prompted on a close: an empty prompt is no problem here.
      { event: trigger.event, hasDefaultPrompt: true }
    )
  } catch (error) {
    if (!emptyKey || !(error instanceof InputError)) throw error
    const others = error.problems.filter((problem) => !problem.startsWith(`${Input.ApiKey}: `))
    if (others.length > 0) throw new InputError(others)
    return undefined
  }
}
