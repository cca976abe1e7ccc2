import type { GitHub } from './client.js'
import { findMarked } from './comment.js'
import { link } from '../report/markdown.js'

/**
 * GitHub notifies a user mentioned in a new comment, never one added to a comment by an edit: the living
 * comment, edited all along, cannot call anyone. So a question of Devin gets one short comment of its own that
 * mentions the user and points to the living comment, marked with the session and the question so that no later
 * run posts it again.
 */

const QUESTION_MARKER_PREFIX = '<!-- devin-session-action:question '
/** What may go into the marker: letters, digits, `_` and `-`, so never `-->`. */
const MARKABLE = /^[A-Za-z0-9_-]{1,200}$/
/**
 * A GitHub login as it may be mentioned: letters, digits and hyphens, not starting with a hyphen, at most 39
 * characters. A bot (`name[bot]`) or anything else is not mentioned.
 */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/

/** Whether `login` can be mentioned (a user's login, not an app's). */
export function isMentionable(login: string): boolean {
  return LOGIN.test(login)
}

/** The hidden first line of the mention comment for one question of one session; undefined when either id could break out of it. */
export function questionMarker(sessionId: string, questionId: string): string | undefined {
  if (!MARKABLE.test(sessionId) || !MARKABLE.test(questionId)) return undefined
  return `${QUESTION_MARKER_PREFIX}${sessionId} ${questionId} -->`
}

export interface QuestionMention {
  marker: string
  /** A mentionable login (isMentionable). */
  login: string
  sessionId: string
  sessionUrl: string
  /** The living comment that shows the question, when its address is known. */
  commentUrl?: string
  /** The trigger phrase that sends a reply to the session (follow-up: message), when there is one. */
  replyPhrase?: string
}

/** The mention comment: the marker, then one line for the user. Devin's words are not in it (the living comment quotes them). */
export function mentionBody(mention: QuestionMention): string {
  const session = link(mention.sessionId, mention.sessionUrl)
  const where = mention.commentUrl !== undefined ? `: see ${link('the question', mention.commentUrl)}` : ''
  // The phrase is the workflow author's input; in a code span it mentions nobody, so one with a backtick is left out.
  const phrase = mention.replyPhrase
  const reply =
    phrase !== undefined && phrase !== '' && !phrase.includes('`') ? ` Answer with a comment that starts with \`${phrase}\`, or in the session.` : ''
  return `${mention.marker}\n@${mention.login} Devin is waiting for your answer in session ${session}${where}.${reply}\n`
}

/**
 * Posts the mention comment unless the thread already has it: a comment that starts with the marker, written
 * by an app account or by the token's own user (the trust rule of the living comment, so that a marker pasted
 * by anyone else does not silence the mention). Returns whether it posted; GitHub's failures are thrown.
 */
export async function postMentionOnce(github: GitHub, issueNumber: number, mention: QuestionMention): Promise<boolean> {
  const existing = await findMarked(github, await github.listComments(issueNumber), mention.marker)
  if (existing !== undefined) return false
  await github.createComment(issueNumber, mentionBody(mention))
  return true
}
