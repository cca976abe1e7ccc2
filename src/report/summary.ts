import { formatDuration } from '../action/duration.js'
import { describeFigure, formatAcus } from '../policy/budget.js'
import { quoteDevin } from './devin-words.js'
import { codeBlock, escapeCell, escapeText, link } from './markdown.js'
import type { Report } from './report.js'
import { threadNoteMarkdown } from './thread-note.js'

/**
 * Markdown for the job summary: the session link and what happened (outcome, status, ACUs, time
 * waited, pull requests, structured output), also when the step failed. Pure; the caller writes it.
 */
export function summaryMarkdown(report: Report): string {
  // ---- devin review ----
  if (report.review !== undefined) return reviewSummaryMarkdown(report)
  // ---- end of devin review ----
  const lines: string[] = []
  const heading = report.reconcile !== undefined ? 'Devin sessions reconciled' : 'Devin session'
  lines.push(`## ${report.dryRun !== undefined || report.outcome === 'dry-run' ? `${heading} (dry run)` : heading}`, '')

  if (report.failure !== undefined) {
    const [first = '', ...rest] = report.failure.split('\n')
    lines.push(`**The step failed.** ${escapeText(first)}`, '')
    if (rest.length > 0) lines.push(...rest.map((line) => escapeText(line)), '')
  }

  if (report.outcome === 'skipped') {
    // A budget skip has listed sessions, but created and messaged none.
    const raise = report.budget?.raise
    const after = raise !== undefined ? `No session was created or messaged. Raise \`${raise}\` to allow more.` : 'Nothing was sent to Devin.'
    lines.push(`Skipped: ${escapeText(report.skipReason ?? '')} ${after}`, '')
  }
  lines.push(...budgetMarkdown(report))

  if (report.restricted !== undefined) {
    lines.push(
      `**Restricted session:** ${escapeText(report.restricted.reason)}. No secrets (\`secret_ids: []\`), no session secrets, no bypass of approvals, at most ${report.restricted.maxAcuLimit} ACUs.`,
      ''
    )
  }

  const { session } = report
  if (session !== undefined) {
    const how =
      report.isNew === false
        ? report.thread?.kind === 'follow-up' || report.thread?.kind === 'new-commits'
          ? 'Continued on this thread (message sent)'
          : report.messageSent
            ? 'Reused (message sent)'
            : 'Reused'
        : 'Created by this run'
    lines.push('| | |', '|---|---|')
    lines.push(`| Session | ${link(session.id, session.url)} |`)
    lines.push(`| Outcome | \`${report.outcome ?? 'running'}\`${report.terminated ? ' (the action ended the session)' : ''} |`)
    lines.push(`| Status | \`${escapeCell(session.status)}\`${session.statusDetail !== undefined ? ` (\`${escapeCell(session.statusDetail)}\`)` : ''} |`)
    // A session this run neither created nor messaged (a reconcile run's) says nothing of how it was reached.
    if (report.isNew !== undefined || report.messageSent !== undefined) lines.push(`| Session was | ${how} |`)
    if (session.acusConsumed !== undefined) lines.push(`| ACUs consumed | ${session.acusConsumed} |`)
    if (report.waitedMs !== undefined) lines.push(`| Time waited | ${formatDuration(report.waitedMs)} |`)
    if (report.apiVersion !== undefined) lines.push(`| API | ${report.apiVersion} |`)
    lines.push('')
    if (report.thread !== undefined) lines.push(threadNoteMarkdown(report.thread), '')
    if (report.stale?.stale === true) {
      lines.push(
        `**The pull request has moved on:** the session was last asked about \`${report.stale.askedSha}\`; its head is now \`${report.stale.headSha}\`.`,
        ''
      )
    }
    // The question is Devin's latest message: shown once, under the heading that says what it asks of the reader.
    if (report.question !== undefined) lines.push('### Devin is asking', '', ...quoteDevin(report.question.text, Number.POSITIVE_INFINITY), '')
    else if (report.summary !== undefined) lines.push("### Devin's latest message", '', ...quoteDevin(report.summary, Number.POSITIVE_INFINITY), '')
    if (session.pullRequests.length > 0) {
      lines.push('### Pull requests', '')
      for (const pr of session.pullRequests) lines.push(`- ${link(pr.url, pr.url)}${pr.state !== null ? ` (${escapeText(pr.state)})` : ''}`)
      lines.push('')
    }
    if (session.structuredOutput !== undefined && session.structuredOutput !== null) {
      lines.push('### Structured output', '', ...structuredOutputMarkdown(session.structuredOutput), '')
    }
  } else if (report.unconfirmedTag !== undefined) {
    lines.push(`Devin may have created a session that the action could not confirm: look for the tag \`${escapeCell(report.unconfirmedTag)}\` in Devin.`, '')
  } else if (report.failure !== undefined && report.closed === undefined && report.reconcile === undefined) {
    // A close (end-on-close) and a reconcile open nothing by design: that is no news on their failure.
    lines.push('No session was opened.', '')
  }

  // ---- end-on-close: the thread that was closed and the sessions ended ----
  lines.push(...endedMarkdown(report))
  // ---- end of end-on-close ----
  // ---- reconcile ----
  lines.push(...reconcileMarkdown(report))
  // ---- end of reconcile ----

  const dryRun = report.dryRun
  if (dryRun !== undefined) {
    lines.push('| | |', '|---|---|', '| Outcome | `dry-run` |', '')
    lines.push('Nothing was sent to Devin. This is what the action would have done:', '')
    if ('continueSession' in dryRun) {
      lines.push(`Continue session \`${escapeCell(dryRun.continueSession)}\`${dryRun.message !== undefined ? ' and send it the message.' : '.'}`, '')
    } else {
      lines.push(...codeBlock('json', `${dryRun.method} ${decodeURI(dryRun.url)}\n${JSON.stringify(dryRun.body, null, 2)}`), '')
    }
  }
  return `${lines.join('\n')}\n`
}

// ---- end-on-close ----
/** A closed thread (the close job): what was looked for, and the sessions ended with links; or sessions ended otherwise. */
function endedMarkdown(report: Report): string[] {
  const { closed } = report
  const ended = report.ended ?? []
  if (closed === undefined && ended.length === 0) return []
  const lines = [closed === undefined ? '### Ended sessions' : `### ${capitalized(closed.thread)} closed`, '']
  if (closed !== undefined) {
    const thread = capitalized(closed.thread)
    const tag = closed.tag === undefined ? '' : `\`${escapeCell(closed.tag)}\``
    if (report.outcome === 'dry-run') {
      lines.push(
        closed.tag === undefined
          ? `Dry run: nothing was sent to Devin. A real run could end nothing: ${escapeText(closed.unfindable ?? '')}.`
          : `Dry run: nothing was sent to Devin. A real run would list the sessions tagged ${tag} and end each live one.`
      )
    } else if (closed.tag === undefined) {
      lines.push(`${thread} was closed, but its live sessions cannot be found and none was ended: ${escapeText(closed.unfindable ?? '')}.`)
    } else if (report.outcome === 'ended') {
      lines.push(
        ended.length === 0
          ? `${thread} was closed: no live session of it was found (tagged ${tag}).`
          : `${thread} was closed, so the action ended ${ended.length === 1 ? 'its live session' : `its ${ended.length} live sessions`} (tagged ${tag}):`
      )
    }
    lines.push('')
  }
  if (ended.length > 0) lines.push(...ended.map((session) => `- ${link(session.sessionId, session.url)}`), '')
  if (report.outcome === 'ended') lines.push(`Outcome \`ended\`, \`ended-sessions\`: ${ended.length}.`, '')
  return lines
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
// ---- end of end-on-close ----

// ---- reconcile ----
/** A reconcile run: what it listed and looked at, the sessions it updated with what it wrote, and its requests. */
function reconcileMarkdown(report: Report): string[] {
  const run = report.reconcile
  if (run === undefined) return []
  const tag = `\`${escapeCell(run.tag)}\``
  if (report.outcome === 'dry-run') {
    return [
      `Dry run: nothing was sent to Devin or GitHub. A real run would list the sessions tagged ${tag} and bring the comment and check run of each one that is working, waiting, or changed in the last 24 hours up to date.`,
      ''
    ]
  }
  const lines: string[] = []
  if (run.listed !== undefined) {
    const left = run.left !== undefined && run.left > 0 ? `; ${run.left} left for the next run` : ''
    lines.push(`Listed ${run.listed} sessions tagged ${tag}; looked at ${run.kept ?? 0} (working, waiting, or changed in the last 24 hours)${left}.`, '')
  }
  if (run.updated.length > 0) {
    lines.push(`Updated ${run.updated.length}:`, '', ...run.updated.map((one) => `- ${link(one.sessionId, one.url)}: ${escapeText(one.wrote.join(', '))}`), '')
  }
  const requests = run.requests
  if (requests !== undefined) {
    lines.push(
      `Requests: Devin lists ${requests.devinLists} · Devin GETs ${requests.devinGets} · GitHub reads ${requests.githubReads} · GitHub writes ${requests.githubWrites}`,
      ''
    )
  }
  if (report.reconciled !== undefined) lines.push(`\`reconciled\`: ${report.reconciled}.`, '')
  return lines
}
// ---- end of reconcile ----

// ---- devin review ----
/** How a review's outcome reads in the summary and the comment. */
export const REVIEW_OUTCOME_WORDS: Record<string, string> = {
  running: 'Devin Review is reviewing',
  finished: 'Devin Review completed',
  error: 'Devin Review errored',
  exited: 'Devin Review ended without a review',
  timeout: 'The wait timed out'
}

/** A Devin Review run: the pull request and commit, the review's status and outcome, how it was reached; a skip, a dry run, a failure. */
function reviewSummaryMarkdown(report: Report): string {
  const review = report.review ?? {}
  const dry = report.outcome === 'dry-run'
  const lines = [`## ${dry ? 'Devin Review (dry run)' : 'Devin Review'}`, '']
  if (report.failure !== undefined) {
    const [first = '', ...rest] = report.failure.split('\n')
    lines.push(`**The step failed.** ${escapeText(first)}`, '')
    if (rest.length > 0) lines.push(...rest.map((line) => escapeText(line)), '')
  }
  if (report.outcome === 'skipped') lines.push(`Skipped: ${escapeText(report.skipReason ?? '')} Nothing was sent to Devin.`, '')
  const { current } = review
  if (current !== undefined || dry) {
    lines.push('| | |', '|---|---|')
    if (review.prUrl !== undefined) lines.push(`| Pull request | ${link(`#${review.pullRequest ?? ''}`, review.prUrl)} |`)
    const commit = current?.commitSha ?? review.headSha
    if (commit !== undefined) lines.push(`| Commit | \`${escapeCell(commit)}\` |`)
    if (current !== undefined) {
      lines.push(`| Status | \`${escapeCell(current.status)}\` |`)
      lines.push(`| Outcome | \`${report.outcome ?? 'running'}\` (${REVIEW_OUTCOME_WORDS[report.outcome ?? 'running'] ?? escapeCell(report.outcome ?? '')}) |`)
      if (report.isNew !== undefined)
        lines.push(`| Review was | ${report.isNew ? 'Asked for by this run' : 'Adopted: Devin already had a review of this commit'} |`)
      if (report.waitedMs !== undefined) lines.push(`| Time waited | ${formatDuration(report.waitedMs)} |`)
    } else lines.push('| Outcome | `dry-run` |')
    if (report.apiVersion !== undefined) lines.push(`| API | ${report.apiVersion} |`)
    lines.push('')
  } else if (report.failure !== undefined) {
    lines.push('No review of this commit is known to the action.', '')
  }
  if (dry && report.dryRun !== undefined && !('continueSession' in report.dryRun)) {
    lines.push('Nothing was sent to Devin. A real run would first look up the review of this commit:', '')
    if (review.lookUp !== undefined) lines.push(...codeBlock('text', `${review.lookUp.method} ${decodeURI(review.lookUp.url)}`), '')
    lines.push('and, when Devin has none, ask for one:', '')
    lines.push(...codeBlock('json', `${report.dryRun.method} ${decodeURI(report.dryRun.url)}\n${JSON.stringify(report.dryRun.body, null, 2)}`), '')
  }
  return `${lines.join('\n')}\n`
}
// ---- end of devin review ----

/** What the budgets and the live-session cap counted, and the limit they gave the session. */
function budgetMarkdown(report: Report): string[] {
  const budget = report.budget
  if (budget === undefined || budget.figures.length === 0) return []
  const lines = ['### Budgets', '', ...budget.figures.map((figure) => `- ${escapeText(describeFigure(figure))}`)]
  if (budget.go && budget.maxAcuLimit !== undefined) lines.push(`- \`max_acu_limit\` of this session: ${budget.maxAcuLimit}`)
  if (budget.remaining !== undefined) lines.push(`- \`budget-remaining\`: ${formatAcus(budget.remaining)} ACUs`)
  return [...lines, '']
}

/** A flat object as a two-column table; anything else as a JSON block. */
function structuredOutputMarkdown(output: unknown): string[] {
  const isFlat =
    output !== null &&
    typeof output === 'object' &&
    !Array.isArray(output) &&
    Object.keys(output).length > 0 &&
    Object.values(output).every((value) => value === null || typeof value !== 'object')
  if (!isFlat) return codeBlock('json', JSON.stringify(output, null, 2))
  return ['| field | value |', '|---|---|', ...Object.entries(output).map(([key, value]) => `| ${escapeCell(key)} | ${escapeCell(String(value))} |`)]
}
