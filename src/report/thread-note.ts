import { escapeCell, link } from './markdown.js'
import type { ThreadNote } from './report.js'

/**
 * One markdown line for what the thread step did (a follow-up, new commits, a restart), for the comment and the
 * job summary alike. Logins are written without `@`, so a comment edit mentions nobody; SHAs and URLs come from
 * the payload (checked) and the action.
 */
export function threadNoteMarkdown(note: ThreadNote): string {
  switch (note.kind) {
    case 'follow-up':
      return `💬 Follow-up ${link('comment', note.commentUrl)}${note.author !== '' ? ` by ${escapeCell(note.author)}` : ''} sent to this session (follow-up: message).`
    case 'new-commits':
      return `🔁 Told the session about new commits: head \`${note.headSha.slice(0, 12)}\`${note.compareUrl !== undefined ? ` (${link('changes', note.compareUrl)})` : ''} (on-new-commits: message).`
    case 'restart':
      return `🔁 New session for head \`${note.headSha.slice(0, 12)}\`${note.ended.length > 0 ? `; ended ${note.ended.map((id) => `\`${escapeCell(id)}\``).join(', ')}, opened for an older head` : ''} (on-new-commits: restart).`
  }
}
