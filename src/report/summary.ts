import type { Report } from './report.js'

/** Markdown for the job summary: the session link and what happened, including on failure. Pure. */
export function summaryMarkdown(report: Report): string {
  const lines: string[] = []
  const title = report.dryRun !== undefined ? 'Devin session (dry run)' : 'Devin session'
  lines.push(`## ${title}`, '')

  if (report.failure !== undefined) {
    lines.push(`**The step failed.** ${escapeText(report.failure.split('\n')[0] ?? '')}`, '')
    const rest = report.failure.split('\n').slice(1)
    if (rest.length > 0) lines.push(...rest.map((line) => escapeText(line)), '')
  }

  const { session } = report
  if (session !== undefined) {
    const how = report.isNew === false ? (report.messageSent ? 'Reused (message sent)' : 'Reused') : 'Created by this run'
    lines.push('| | |', '|---|---|')
    lines.push(`| Session | [${escapeCell(session.id)}](${encodeURI(session.url)}) |`)
    lines.push(`| Outcome | \`${report.outcome ?? 'running'}\` |`)
    lines.push(`| Status | \`${escapeCell(session.status)}\`${session.statusDetail !== undefined ? ` (\`${escapeCell(session.statusDetail)}\`)` : ''} |`)
    lines.push(`| Session was | ${how} |`)
    if (session.acusConsumed !== undefined) lines.push(`| ACUs consumed | ${session.acusConsumed} |`)
    if (report.apiVersion !== undefined) lines.push(`| API | ${report.apiVersion} |`)
    lines.push('')
  } else if (report.failure !== undefined) {
    lines.push('No session was opened.', '')
  }

  const dryRun = report.dryRun
  if (dryRun !== undefined) {
    lines.push('Nothing was sent to Devin. This is what the action would have done:', '')
    if ('continueSession' in dryRun) {
      lines.push(`Continue session \`${escapeCell(dryRun.continueSession)}\`${dryRun.message !== undefined ? ' and send it the message.' : '.'}`, '')
    } else {
      lines.push('```json', `${dryRun.method} ${decodeURI(dryRun.url)}`, JSON.stringify(dryRun.body, null, 2).replaceAll('```', '` ` `'), '```', '')
    }
  }
  return `${lines.join('\n')}\n`
}

/** Text that cannot break out of its line into markdown structure or HTML. */
function escapeText(text: string): string {
  return text.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))
}

function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
