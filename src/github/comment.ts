import { createHash } from 'node:crypto'
import { formatDuration } from '../duration.js'
import { escapeText, link } from '../report/markdown.js'
import type { Report } from '../report/report.js'
import type { GitHub, ThreadComment } from './client.js'

const MARKER_PREFIX = '<!-- devin-session-action:'

/**
 * The hidden marker of the one comment a workflow job keeps on a thread. It is derived from the
 * workflow, the job and the idempotency key, so each (thread, job, key) has its own comment and a
 * later run finds it again instead of posting another.
 */
export function commentMarker(workflow: string, job: string, idempotencyKey: string | undefined): string {
  const digest = createHash('sha256').update(`${workflow}\n${job}\n${idempotencyKey ?? ''}`).digest('hex')
  return `${MARKER_PREFIX}${digest.slice(0, 16)} -->`
}

const OUTCOME_WORDS: Record<string, string> = {
  running: '⏳ Devin is working',
  finished: '✅ Devin finished',
  blocked: '✋ Devin is waiting for input',
  error: '❌ The session stopped with an error',
  suspended: '⏸️ The session was suspended',
  exited: '⏹️ The session ended',
  timeout: '⌛ The wait timed out'
}

/** Keeps a mention in text from pinging anyone when it is posted as a comment. */
function noMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, '@\u200b')
}

/**
 * The comment's markdown for what the report knows: the session link, where it stands, its pull
 * requests and ACUs, and on failure what failed with a link to the run. Pure; built from a report
 * whose outside text is already redacted.
 */
export function commentBody(report: Report, marker: string, runUrl: string): string {
  const lines = [marker, '### Devin session', '']
  const { session } = report
  if (session !== undefined) {
    const state = OUTCOME_WORDS[report.outcome ?? 'running'] ?? `Outcome: ${report.outcome}`
    const detail = session.statusDetail !== undefined ? `${session.status} / ${session.statusDetail}` : session.status
    lines.push(`${state}: ${link(session.id, session.url)} (status \`${escapeText(detail)}\`)`)
    if (report.isNew === false) lines.push('', `Continued an existing session${report.messageSent ? ' and sent it the new message' : ''}.`)
    if (session.pullRequests.length > 0) {
      lines.push('', '**Pull requests**', ...session.pullRequests.map((pr) => `- ${link(pr.url, pr.url)}${pr.state !== null ? ` (${escapeText(pr.state)})` : ''}`))
    }
    const facts = [
      session.acusConsumed !== undefined ? `ACUs consumed: ${session.acusConsumed}` : '',
      report.waitedMs !== undefined ? `waited ${formatDuration(report.waitedMs)}` : ''
    ].filter(Boolean)
    if (facts.length > 0) lines.push('', facts.join(' · '))
  }
  if (report.failure !== undefined) {
    lines.push('', `**The step failed:** ${noMentions(escapeText(report.failure.split('\n')[0] ?? ''))}`)
  }
  if (runUrl !== '') lines.push('', `<sub>${link('Workflow run', runUrl)}</sub>`)
  return `${lines.join('\n')}\n`
}

/**
 * The one comment a workflow job keeps on a thread: found again by its marker, created when there is
 * none, edited after that. A comment that cannot be written is a warning, once; the run goes on.
 */
export class LivingComment {
  private id: number | undefined
  private found = false
  private disabled = false
  private lastBody = ''

  constructor(
    private readonly github: GitHub,
    private readonly issueNumber: number,
    private readonly marker: string,
    private readonly warn: (message: string) => void
  ) {}

  /** Writes the body, unless it is what the comment already says. */
  async write(body: string): Promise<void> {
    if (this.disabled || body === this.lastBody) return
    try {
      if (!this.found) {
        this.id = findMarked(await this.github.listComments(this.issueNumber), this.marker)?.id
        this.found = true
      }
      if (this.id === undefined) this.id = (await this.github.createComment(this.issueNumber, body)).id
      else await this.github.updateComment(this.id, body)
      this.lastBody = body
    } catch (error) {
      this.disabled = true
      const message = error instanceof Error ? error.message : String(error)
      this.warn(
        `Could not write the comment on #${this.issueNumber} (${message}). Give the job "pull-requests: write" and "issues: write" permissions, or set comment: false.`
      )
    }
  }
}

/**
 * The marked comment to edit. Only comments by an app account (github-actions[bot] and the like)
 * count: anyone can paste the marker into a comment of their own, and the action must not take that
 * comment over.
 */
function findMarked(comments: ThreadComment[], marker: string): ThreadComment | undefined {
  return comments.find((comment) => comment.authorType === 'Bot' && comment.body.startsWith(marker))
}
