import { Input, OPEN_DEADLINE_MS, REQUEST_TIMEOUT_MS } from '../action/constants.js'
import { type Settings, parseInputs } from '../action/inputs.js'
import { readWorkspaceFile } from '../action/workspace-file.js'
import type { DevinApi } from '../devin/api.js'
import { connect } from '../devin/client.js'
import { DevinHttp } from '../devin/http.js'
import { type Session, classifySession } from '../devin/session.js'
import type { Trigger } from '../event/trigger.js'
import { type GitHubCalls, cachedReads } from '../github/cached-reads.js'
import type { CheckRun, GitHub, ThreadComment } from '../github/client.js'
import { commentBody, findSessionComment, stateMarker, stateOfComment } from '../github/comment.js'
import { isMentionable, postMentionOnce, questionMarker } from '../github/question-mention.js'
import { MAX_RECONCILED_SESSIONS, sessionsToReconcile, threadOfSession, userOfSession } from '../policy/reconcile.js'
import { repoIdTag } from '../policy/tags.js'
import { headOfSession } from '../policy/thread.js'
import { checkRunContent } from '../report/check-run.js'
import { redactReport } from '../report/redact.js'
import type { ReconcileRequests, ReconcileRun, Report } from '../report/report.js'
import { MESSAGES_DEADLINE_MS, devinWords } from './after-wait.js'
import type { JobContext } from './job.js'

/** Pages of this repository's sessions listed at most (100 a page, the newest first). */
const LIST_PAGES = 10

/**
 * The reconcile job (`reconcile: true`, for a `schedule` workflow): opens nothing and sends no message; it brings
 * the living comment and the check run of this repository's recent sessions up to date from Devin, so the runs that
 * opened them need not wait. Choices:
 * - No permission gate: a schedule has no sender to check, and the job only rewrites what the action wrote.
 * - One list of the repository's sessions by its `gh-repo` tag (bounded pages); sessions still working or waiting,
 *   or changed in the last 24 hours, are looked at, at most 100 a run, the most recently changed first.
 * - A session's comment is found on the thread of its `gh-thread` tag by the hidden line that names it (trusted
 *   authors only), its check run on the commit of its `gh-sha` tag by `external_id`; each thread's comments and each
 *   commit's check runs are read once a run. Nothing is ever created in their place (the mention of a question
 *   aside, which is its own comment).
 * - Changed or not: the comment's hidden state line (stateMarker) against the session as listed; the check run's
 *   status, conclusion and title against what they should be. Only a changed session costs a read of its messages
 *   (when Devin stopped or waits, for the summary and the question) and writes. A failing write is a warning and
 *   the run goes on; a list of sessions that fails fails the step (nothing could be done).
 * - `dry-run` lists nothing and says what a real run would list.
 */
export async function reconcileJob(ctx: JobContext, trigger: Trigger): Promise<void> {
  const { deps, report, publish, secrets, redactor } = ctx
  const { runner } = deps
  const redact = redactor.text

  const settings = await parseInputs(
    (name) => runner.getInput(name),
    (path) => readWorkspaceFile(trigger.workspace, path),
    // Nothing is prompted: a reconcile run opens no session.
    { event: trigger.event, hasDefaultPrompt: true }
  )
  report.apiVersion = settings.apiVersion
  if (trigger.repoId === '') {
    throw new Error(
      `${Input.Reconcile}: the repository id is unknown (neither the payload nor GITHUB_REPOSITORY_ID gives it), and this repository's sessions are found by their gh-repo tag, which is made of it. Run the step on GitHub Actions, which sets GITHUB_REPOSITORY_ID.`
    )
  }
  const tag = repoIdTag(trigger.repoId)
  const run: ReconcileRun = { tag, updated: [] }
  report.reconcile = run

  if (settings.dryRun) {
    report.outcome = 'dry-run'
    runner.info(
      `Dry run: nothing was sent to Devin or GitHub. A real run would list the sessions tagged ${tag} (at most ${LIST_PAGES} pages) and bring the comment and check run of each one that is working, waiting, or changed in the last 24 hours up to date (at most ${MAX_RECONCILED_SESSIONS}).`
    )
    publish()
    return
  }

  const requests: ReconcileRequests = { devinLists: 0, devinGets: 0, githubReads: 0, githubWrites: 0 }
  run.requests = requests
  const http = new DevinHttp(
    { baseUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
    { fetch: countedFetch(deps.fetch, requests), clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
  )
  let api: DevinApi
  let listed: Session[]
  try {
    const deadline = deps.clock.now() + OPEN_DEADLINE_MS
    api = await connect(http, settings, deadline)
    listed = await api.listByTag(tag, deadline, { maxPages: LIST_PAGES })
  } catch (error) {
    throw new Error(
      `Could not list this repository's Devin sessions (tagged ${tag}), so no comment or check run was brought up to date: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error }
    )
  }
  const { kept, left } = sessionsToReconcile(listed, Math.floor(deps.clock.now() / 1_000))
  Object.assign(run, { listed: listed.length, kept: kept.length, left })
  runner.info(
    `Listed ${listed.length} sessions tagged ${tag}; ${kept.length} are working, waiting, or changed in the last 24 hours${left > 0 ? `, and ${left} more are left for the next run (at most ${MAX_RECONCILED_SESSIONS} a run)` : ''}.`
  )

  const githubCalls: GitHubCalls = { reads: 0, writes: 0 }
  const github = cachedReads(deps.github(settings.github.token ?? '', trigger.apiUrl, trigger.repo), githubCalls)
  const visit: Visit = { ctx, settings, trigger, api, github }
  for (const session of kept) {
    const wrote = await reconcileSession(visit, session)
    if (wrote.length === 0) continue
    run.updated.push({ sessionId: session.id, url: session.url, wrote })
    runner.info(redact(`Updated session ${session.id} (${session.url}): ${wrote.join(', ')}.`))
  }
  requests.githubReads = githubCalls.reads
  requests.githubWrites = githubCalls.writes
  report.reconciled = run.updated.length
  runner.info(
    `Reconciled ${run.updated.length} of ${kept.length} sessions. Requests: Devin lists ${requests.devinLists}, Devin GETs ${requests.devinGets}, GitHub reads ${requests.githubReads}, GitHub writes ${requests.githubWrites}.`
  )
  publish()
}

/** What every session's visit needs. */
interface Visit {
  ctx: JobContext
  settings: Settings
  trigger: Trigger
  api: DevinApi
  github: GitHub
}

/**
 * Brings one session's comment and check run up to date; returns what it wrote (none when nothing changed, the
 * session has neither, or every write failed).
 */
async function reconcileSession(visit: Visit, session: Session): Promise<string[]> {
  const { ctx, settings, trigger, api, github } = visit
  const { deps, redactor } = ctx
  const { runner } = deps
  const warn = (message: string) => runner.warning(redactor.text(message))
  const number = threadOfSession(session, trigger.repoId)
  const head = headOfSession(session)
  if (number === undefined && head === undefined) {
    runner.debug(redactor.text(`Session ${session.id} has no thread or head tag: nothing of it to update.`))
    return []
  }

  let comment: ThreadComment | undefined
  const checkRuns: CheckRun[] = []
  // The pull request's head now, for a session opened for a head: a run that told the session about new commits
  // (on-new-commits: message) or a follow-up put its check run there, and a check run left on an older commit speaks
  // for a commit nobody merges (stale). A head GitHub cannot give now is not guessed at: the session is left for the
  // next run, rather than its check runs rewritten as if the pull request had not moved.
  let current: string | undefined
  try {
    if (number !== undefined && head !== undefined) current = (await github.pullHead(number)).toLowerCase()
    if (number !== undefined) comment = await findSessionComment(github, await github.listComments(number), session.id)
    for (const sha of new Set([head, current].filter((one): one is string => one !== undefined))) {
      const found = (await github.listCheckRuns(sha, settings.checks.name)).find((one) => one.externalId === session.id)
      if (found !== undefined) checkRuns.push(found)
    }
  } catch (error) {
    warn(
      `Could not read the pull request, comment or check run of session ${session.id} (${error instanceof Error ? error.message : String(error)}), so it was not brought up to date. Give the job "pull-requests: write", "issues: write" and "checks: write" permissions.`
    )
    return []
  }
  if (comment === undefined && checkRuns.length === 0) {
    runner.debug(redactor.text(`Session ${session.id}: no comment of the action and no check run to update.`))
    return []
  }

  const outcome = classifySession(session)
  const report: Report = { apiVersion: settings.apiVersion, session, outcome }
  const shown = redactReport(report, redactor)
  const commentChanged = comment !== undefined && stateOfComment(comment.body) !== stateMarker(shown)
  // Each check run as it should read: one on a commit the pull request has moved past is stale.
  const staleFor = (run: CheckRun): Report['stale'] =>
    current !== undefined && run.headSha.toLowerCase() !== current ? { askedSha: run.headSha, headSha: current, stale: true } : undefined
  const differs = (run: CheckRun, content: ReturnType<typeof checkRunContent>): boolean =>
    run.status !== content.status || (run.conclusion ?? undefined) !== content.conclusion || run.title !== content.title
  const changedRuns = checkRuns.filter((run) => differs(run, checkRunContent({ ...shown, stale: staleFor(run) })))
  const checkChanged = changedRuns.length > 0
  if (!commentChanged && !checkChanged) return []

  // Devin's words only once the state moved, and only when it has stopped or waits: a working session's latest
  // message is a progress note that the next change replaces.
  if (outcome !== 'running') {
    try {
      const words = devinWords(
        await api.listMessages(session.id, deps.clock.now() + MESSAGES_DEADLINE_MS),
        outcome,
        settings.thread.notifyOnBlocked,
        redactor.text
      )
      report.summary = words.summary
      report.question = words.question
    } catch (error) {
      // Nothing is written: the comment's state line would say the change was shown, and the next run would never
      // read the messages again (Devin's question would be lost). The next run tries again.
      warn(
        `Could not read Devin's messages in session ${session.id}, so its comment and check run were left as they are for the next run: ${error instanceof Error ? error.message : String(error)}`
      )
      return []
    }
  }
  const final = redactReport(report, redactor)
  const wrote: string[] = []

  if (comment !== undefined && commentChanged) {
    // The comment keeps its own first line (the marker of the step that created it), so that step still finds it.
    const marker = comment.body.split(/\r?\n/, 1)[0] ?? ''
    try {
      await github.updateComment(comment.id, commentBody(final, marker, trigger.runUrl))
      wrote.push(`comment on #${number}`)
    } catch (error) {
      warn(
        `Could not update the comment of session ${session.id} on #${number} (${error instanceof Error ? error.message : String(error)}). Give the job "pull-requests: write" and "issues: write" permissions.`
      )
    }
  }

  for (const checkRun of changedRuns) {
    const written = checkRunContent({ ...final, stale: staleFor(checkRun) })
    try {
      await github.updateCheckRun(checkRun.id, written)
      wrote.push(`check run ${written.status === 'completed' ? `completed ${written.conclusion ?? ''}` : written.status}`)
    } catch (error) {
      warn(
        `Could not update the check run of session ${session.id} on ${checkRun.headSha} (${error instanceof Error ? error.message : String(error)}). Give the job "checks: write" permission.`
      )
    }
  }

  if (final.question !== undefined && comment !== undefined && number !== undefined) {
    const mentioned = await mentionQuestion(visit, session, number, comment, final.question.id)
    if (mentioned) wrote.push('mention of the question')
  }
  return wrote
}

/**
 * Mentions the user whose run opened the session (its `gh-user` tag) in one new comment for Devin's question,
 * unless the thread already has it (the question's marker). Returns whether it posted; a failure is a warning.
 */
async function mentionQuestion(visit: Visit, session: Session, number: number, comment: ThreadComment, questionId: string): Promise<boolean> {
  const { ctx, settings, trigger, github } = visit
  const { runner } = ctx.deps
  const redact = ctx.redactor.text
  const login = userOfSession(session, trigger.repoId)
  if (login === undefined || !isMentionable(login)) {
    runner.info(
      redact(`Devin is waiting for an answer in session ${session.id}; no user who could be mentioned opened it, so the question is only shown in the comment.`)
    )
    return false
  }
  const sessionId = redact(session.id)
  const marker = questionMarker(sessionId, questionId)
  if (marker === undefined) return false
  const replyPhrase = settings.thread.followUp === 'message' ? settings.github.triggerPhrase : undefined
  try {
    const posted = await postMentionOnce(github, number, { marker, login, sessionId, sessionUrl: redact(session.url), commentUrl: comment.url, replyPhrase })
    if (posted) runner.info(`Devin is waiting for an answer in session ${sessionId}: mentioned @${login} in a new comment on #${number}.`)
    return posted
  } catch (error) {
    runner.warning(
      redact(
        `Could not post the comment that mentions @${login} on #${number} for Devin's question in session ${session.id} (${error instanceof Error ? error.message : String(error)}). Give the job "issues: write" and "pull-requests: write" permissions, or set notify-on-blocked: false.`
      )
    )
    return false
  }
}

/**
 * Devin's fetch, counting what the run sends: a GET of a session list (a page) is a list, every other request
 * (the organization's discovery, a session's messages) a GET. Retries count: they are requests too.
 */
function countedFetch(fetch: typeof globalThis.fetch, requests: ReconcileRequests): typeof globalThis.fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method === 'GET' && url.pathname.endsWith('/sessions')) requests.devinLists++
    else requests.devinGets++
    return fetch(input, init)
  }
}
