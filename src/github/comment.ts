import { createHash } from 'node:crypto'
import { formatDuration } from '../action/duration.js'
import { describeFigure } from '../policy/budget.js'
import { quoteDevin } from '../report/devin-words.js'
import { escapeText, link } from '../report/markdown.js'
import type { Report } from '../report/report.js'
import { threadNoteMarkdown } from '../report/thread-note.js'
import { type GitHub, type ThreadComment, githubStatus } from './client.js'

const MARKER_PREFIX = '<!-- devin-session-action:'

/**
 * The hidden marker of the one comment a workflow job's step keeps on a thread. It is derived from
 * the workflow, the job, the step and the idempotency key, so each of them has its own comment and a
 * later run finds it again instead of posting another. (Matrix legs share all of these: give each
 * leg its own idempotency-key, or comment: false.)
 */
export function commentMarker(where: { workflow: string; job: string; step: string }, idempotencyKey: string | undefined): string {
  const digest = createHash('sha256')
    .update(`${where.workflow}\n${where.job}\n${where.step}\n${idempotencyKey ?? ''}`)
    .digest('hex')
  return `${MARKER_PREFIX}${digest.slice(0, 16)} -->`
}

const SESSION_MARKER_PREFIX = `${MARKER_PREFIX}session `
/** What a session id may be to go into the hidden marker: `devin-` and letters, digits, `_` or `-`, so never `-->`. */
const MARKABLE_SESSION_ID = /^devin-[A-Za-z0-9_-]{1,200}$/

/**
 * The second hidden line of a comment whose session is known: it names the session, so a later job (the
 * reconcile job) finds the comments of a session by it. The first line stays the step's marker, by which
 * runs of the same step find and edit the same comment whatever session they report. An id that could break
 * out of the HTML comment is not written.
 */
export function sessionMarker(sessionId: string): string | undefined {
  return MARKABLE_SESSION_ID.test(sessionId) ? `${SESSION_MARKER_PREFIX}${sessionId} -->` : undefined
}

const STATE_MARKER_PREFIX = `${MARKER_PREFIX}state `

/**
 * The third hidden line of a comment that names a session: a short hash of what the comment shows that only
 * Devin changes (status, status detail, pull requests, ACUs, outcome). A reconcile run compares it with the
 * session as listed and edits the comment only when they differ, so an unchanged session costs no write and no
 * read of its messages. Devin's words are not in it: they are read only once the state moved (a new question
 * comes with work, and work moves the ACUs).
 */
export function stateMarker(report: Pick<Report, 'session' | 'outcome'>): string | undefined {
  const { session } = report
  if (session === undefined) return undefined
  const shown = [
    session.status,
    session.statusDetail ?? null,
    session.pullRequests.map((pr) => [pr.url, pr.state]),
    session.acusConsumed ?? null,
    report.outcome ?? 'running'
  ]
  const digest = createHash('sha256').update(JSON.stringify(shown)).digest('hex')
  return `${STATE_MARKER_PREFIX}${digest.slice(0, 16)} -->`
}

/** The state line of a comment of the action (its third line, as commentBody writes it), or undefined when it has none. */
export function stateOfComment(body: string): string | undefined {
  const third = body.split(/\r?\n/, 3)[2]
  return third !== undefined && third.startsWith(STATE_MARKER_PREFIX) && /^[0-9a-f]{16} -->$/.test(third.slice(STATE_MARKER_PREFIX.length)) ? third : undefined
}

/** A step marker line, as commentMarker writes it. */
const STEP_MARKER = /^<!-- devin-session-action:[0-9a-f]{16} -->$/

/**
 * The session a comment of the action names, or undefined. Only the comment's second line is read, right after
 * the step marker on the first, as commentBody writes them: a marker quoted further down (in a code block, a
 * reply quoting the comment) does not count. Who wrote the comment is the caller's to check, as LivingComment
 * does: anyone can type both lines at the top of a comment of their own.
 */
export function sessionIdOfComment(body: string): string | undefined {
  const [first, second] = body.split(/\r?\n/, 2)
  if (first === undefined || second === undefined || !STEP_MARKER.test(first)) return undefined
  if (!second.startsWith(SESSION_MARKER_PREFIX) || !second.endsWith(' -->')) return undefined
  const id = second.slice(SESSION_MARKER_PREFIX.length, -' -->'.length)
  return MARKABLE_SESSION_ID.test(id) ? id : undefined
}

/**
 * The most of Devin's words the comment quotes, in characters: escaped, they stay far below GitHub's 65,536
 * characters a comment, and the comment stays short enough to read. The job summary and the `summary` output
 * have more.
 */
export const COMMENT_QUOTE_CHARS = 4_000

const OUTCOME_WORDS: Record<string, string> = {
  running: '⏳ Devin is working',
  finished: '✅ Devin finished',
  blocked: '✋ Devin is waiting for input',
  error: '❌ The session stopped with an error',
  suspended: '⏸️ The session was suspended',
  exited: '⏹️ The session ended',
  timeout: '⌛ The wait timed out'
}

/**
 * Text from outside (Devin's answers, error messages) as it may appear in a comment: no HTML, no
 * backticks to break out of a code span, and no mention that would ping anyone.
 */
function plain(text: string): string {
  return escapeText(text)
    .replace(/`/g, "'")
    .replace(/@(?=[A-Za-z0-9])/g, '@\u200b')
}

/**
 * The comment's markdown for what the report knows: the session link, where it stands, its pull
 * requests and ACUs, and on failure what failed with a link to the run. Pure; built from a report
 * whose outside text is already redacted.
 */
export function commentBody(report: Report, marker: string, runUrl: string): string {
  // ---- devin review ----
  if (report.review !== undefined) return reviewCommentBody(report, marker, runUrl)
  // ---- end of devin review ----
  const { session } = report
  const named = session === undefined ? undefined : sessionMarker(session.id)
  const state = named === undefined ? undefined : stateMarker(report)
  const lines = [marker, ...(named === undefined || state === undefined ? [] : [named, state]), '### Devin session', '']
  if (session !== undefined) {
    const words = OUTCOME_WORDS[report.outcome ?? 'running'] ?? `Outcome: ${report.outcome}`
    const detail = session.statusDetail !== undefined ? `${session.status} / ${session.statusDetail}` : session.status
    lines.push(`${words}: ${link(session.id, session.url)} (status \`${plain(detail)}\`)`)
    if (report.thread !== undefined) lines.push('', threadNoteMarkdown(report.thread))
    else if (report.isNew === false) lines.push('', `Continued an existing session${report.messageSent ? ' and sent it the new message' : ''}.`)
    if (report.restricted !== undefined) {
      lines.push('', `🔒 Restricted session: ${plain(report.restricted.reason)}. It has no secrets and at most ${report.restricted.maxAcuLimit} ACUs.`)
    }
    // The question is Devin's latest message: shown once, under the heading that says what it asks of the reader.
    if (report.question !== undefined) lines.push('', '**Devin is asking:**', '', ...quoteDevin(report.question.text, COMMENT_QUOTE_CHARS))
    else if (report.summary !== undefined) lines.push('', "**Devin's latest message:**", '', ...quoteDevin(report.summary, COMMENT_QUOTE_CHARS))
    if (report.stale?.stale === true) {
      lines.push('', `⚠️ The pull request has moved on: the session was last asked about ${report.stale.askedSha}; its head is now ${report.stale.headSha}.`)
    }
    if (session.pullRequests.length > 0) {
      lines.push(
        '',
        '**Pull requests**',
        ...session.pullRequests.map((pr) => `- ${link(plain(pr.url), pr.url)}${pr.state !== null ? ` (${plain(pr.state)})` : ''}`)
      )
    }
    const facts = [
      session.acusConsumed !== undefined ? `ACUs consumed: ${session.acusConsumed}` : '',
      report.waitedMs !== undefined ? `waited ${formatDuration(report.waitedMs)}` : ''
    ].filter(Boolean)
    if (facts.length > 0) lines.push('', facts.join(' · '))
  }
  // ---- end-on-close: the sessions ended, with why when a closed thread ended them ----
  const listed = report.closed?.inStepComment
  const ended = (report.ended ?? []).filter((one) => listed === undefined || listed.includes(one.sessionId))
  if (ended.length > 0) {
    const thread = report.closed?.thread
    const what = ended.length === 1 ? 'its live Devin session' : `its ${ended.length} live Devin sessions`
    const why = thread === undefined ? 'Ended sessions:' : `${thread.charAt(0).toUpperCase()}${thread.slice(1)} was closed, so the action ended ${what}:`
    if (session !== undefined) lines.push('')
    lines.push(`⏹️ ${why}`, '', ...ended.map((one) => `- ${link(plain(one.sessionId), one.url)}`))
  }
  // ---- end of end-on-close ----
  const budget = report.budget
  if (budget?.go === false) {
    lines.push(`⛔ Skipped: ${plain(report.skipReason ?? '')} No session was created or messaged. Raise \`${budget.raise ?? ''}\` to allow more.`)
  }
  if (budget !== undefined && budget.figures.length > 0) {
    lines.push('', `<sub>Budgets: ${budget.figures.map((figure) => plain(describeFigure(figure))).join(' · ')}</sub>`)
  }
  if (report.failure !== undefined) {
    lines.push('', `**The step failed:** ${plain(report.failure.split('\n')[0] ?? '')}`)
  }
  if (runUrl !== '') lines.push('', `<sub>${link('Workflow run', runUrl)}</sub>`)
  return `${lines.join('\n')}\n`
}

// ---- devin review ----
const REVIEW_OUTCOME_WORDS: Record<string, string> = {
  running: '⏳ Devin Review is reviewing',
  finished: '✅ Devin Review completed',
  error: '❌ Devin Review errored',
  exited: '⏹️ Devin Review ended without a review',
  timeout: '⌛ The wait timed out'
}

/**
 * The comment of a Devin Review run: the commit, the review's status and outcome, whether this run asked for it,
 * and on failure what failed. Only the step's marker is hidden in it: no session to name, so a reconcile run
 * leaves it alone. Pure; built from a redacted report.
 */
function reviewCommentBody(report: Report, marker: string, runUrl: string): string {
  const review = report.review ?? {}
  const lines = [marker, '### Devin Review', '']
  const { current } = review
  if (current !== undefined) {
    const words = REVIEW_OUTCOME_WORDS[report.outcome ?? 'running'] ?? `Outcome: ${plain(report.outcome ?? '')}`
    const commit = current.commitSha ?? review.headSha ?? ''
    lines.push(`${words}: commit \`${plain(commit)}\` (status \`${plain(current.status)}\`)`)
    if (report.isNew !== undefined) {
      lines.push('', report.isNew ? 'This run asked Devin Review for the review.' : 'Devin already had a review of this commit; this run adopted it.')
    }
    if (report.waitedMs !== undefined) lines.push('', `waited ${formatDuration(report.waitedMs)}`)
  }
  if (report.failure !== undefined) lines.push('', `**The step failed:** ${plain(report.failure.split('\n')[0] ?? '')}`)
  if (runUrl !== '') lines.push('', `<sub>${link('Workflow run', runUrl)}</sub>`)
  return `${lines.join('\n')}\n`
}
// ---- end of devin review ----

/**
 * The one comment a workflow job keeps on a thread: found again by its marker, created when there is
 * none, edited after that. A run that reaches a session some other step opened (a follow-up from a comment
 * workflow, a reconcile) edits that session's comment, found by the hidden line that names the session, and
 * keeps the comment's own step marker, so the step that created it still finds it. A comment that cannot be
 * written is a warning, once; the run goes on.
 */
/** Comment writes that may fail and pass on a later try given up after this many in a row. */
const MAX_WRITE_FAILURES = 3

export class LivingComment {
  private id: number | undefined
  private address: string | undefined
  private found = false
  private disabled = false
  private failures = 0
  private lastBody = ''
  /** The body a write could not put on GitHub yet (a failure a later try may not have), for `retry`. */
  private pending: { body: string; sessionId?: string } | undefined
  /** The first line of a comment found by its session, which replaces this step's marker in what is written. */
  private keptMarker: string | undefined

  constructor(
    private readonly github: GitHub,
    private readonly issueNumber: number,
    private readonly marker: string,
    private readonly warn: (message: string) => void
  ) {}

  /** The comment's address on GitHub, once it was found or created. */
  get url(): string | undefined {
    return this.address
  }

  /** Writes the body (whose first line is the step's marker), unless it is what the comment already says. */
  async write(body: string, sessionId?: string): Promise<void> {
    if (this.disabled) return
    try {
      if (!this.found) {
        const comments = await this.github.listComments(this.issueNumber)
        const bySession = sessionId === undefined ? undefined : await findSessionComment(this.github, comments, sessionId)
        if (bySession !== undefined && !bySession.body.startsWith(this.marker)) this.keptMarker = bySession.body.split(/\r?\n/, 1)[0]
        const found = bySession ?? (await findMarked(this.github, comments, this.marker))
        this.id = found?.id
        this.address = found?.url
        this.found = true
      }
      const text = this.keptMarker === undefined ? body : `${this.keptMarker}${body.slice(this.marker.length)}`
      if (text === this.lastBody) return
      if (this.id === undefined) {
        const created = await this.github.createComment(this.issueNumber, text)
        this.id = created.id
        this.address = created.url
      } else await this.github.updateComment(this.id, text)
      this.lastBody = text
      this.failures = 0
      this.pending = undefined
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const status = githubStatus(error)
      // A refusal (no permission, the thread locked or gone) stays; anything else may pass: the comment is looked for
      // again by its marker before the next write (a create whose answer was lost is found, not posted twice).
      if ((status !== undefined && status >= 400 && status < 500) || ++this.failures >= MAX_WRITE_FAILURES) {
        this.disabled = true
        this.pending = undefined
        this.warn(
          `Could not write the comment on #${this.issueNumber} (${message}). Give the job "pull-requests: write" and "issues: write" permissions, or set comment: false.`
        )
        return
      }
      this.found = false
      this.pending = { body, sessionId }
      this.warn(`Could not write the comment on #${this.issueNumber} (${message}). It is written again with the next change, and at the end of the run.`)
    }
  }

  /** Writes again what a failed write could not (bounded: a few failures in a row end the trying). */
  async retry(): Promise<void> {
    while (this.pending !== undefined && !this.disabled) await this.write(this.pending.body, this.pending.sessionId)
  }
}

/** The action's own comment that names the session on its second line (sessionIdOfComment). */
export function findSessionComment(github: GitHub, comments: ThreadComment[], sessionId: string): Promise<ThreadComment | undefined> {
  return findTrusted(github, comments, (comment) => sessionIdOfComment(comment.body) === sessionId)
}

/**
 * The action's own comment that starts with the marker (the living comment to edit, a mention already posted).
 */
export function findMarked(github: GitHub, comments: ThreadComment[], marker: string): Promise<ThreadComment | undefined> {
  return findTrusted(github, comments, (comment) => comment.body.startsWith(marker))
}

/**
 * The action's own comment among those `marked` picks. Anyone can paste a marker into a comment of their own,
 * and the action must not take that over: only a comment by an app account (github-actions[bot] and the like),
 * or by the very user a personal token acts as, counts.
 */
async function findTrusted(github: GitHub, comments: ThreadComment[], marked: (comment: ThreadComment) => boolean): Promise<ThreadComment | undefined> {
  const candidates = comments.filter(marked)
  const byApp = candidates.find((comment) => comment.authorType === 'Bot')
  if (byApp !== undefined || candidates.length === 0) return byApp
  const self = await github.viewer()
  return self === undefined ? undefined : candidates.find((comment) => comment.authorLogin === self)
}
