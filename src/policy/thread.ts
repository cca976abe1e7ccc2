import { type Session, isLiveSession } from '../devin/session.js'

/**
 * One conversation per thread: which of a pull request's or issue's sessions a run continues, ends or leaves,
 * as pure functions of the sessions listed by the thread's tag (`gh-thread:`). The list is this repository's
 * (the tag holds its id) and re-checked on the client by the adapter.
 */

/** Newest first: by created_at, then by id, so two runs that read the same list pick the same session. */
function newestFirst(a: Session, b: Session): number {
  const byTime = (b.createdAt ?? 0) - (a.createdAt ?? 0)
  return byTime !== 0 ? byTime : b.id < a.id ? -1 : b.id > a.id ? 1 : 0
}

/** The thread's live sessions (working, finished or waiting for a person; not archived), newest first. */
export function liveThreadSessions(listed: readonly Session[]): Session[] {
  return listed.filter(isLiveSession).sort(newestFirst)
}

const SHA_TAG = /^gh-sha:([0-9a-f]{40})$/

/** The pull request head a session was opened for, from its `gh-sha` tag; undefined when it has none. */
export function headOfSession(session: Session): string | undefined {
  for (const tag of session.tags) {
    const match = SHA_TAG.exec(tag)
    if (match !== null) return match[1]
  }
  return undefined
}

/**
 * What a run on a thread does with the thread's live sessions:
 * - `message`: send the instruction (follow-up) or the new-commits note to the newest live session;
 * - `restart`: end the live sessions opened for an older head (known by their `gh-sha` tag), then open one;
 * - `current`: a restart whose new head already has a live session: end the older ones, and continue that one;
 * - `open`: open a new session as if there were no thread (none is live, or the input says `new`).
 */
export type ThreadRoute =
  | { kind: 'message'; session: Session }
  | { kind: 'restart'; end: Session[] }
  /** restart, when a live session was already opened for the new head (a re-run, or another workflow on the same push): it is the one. */
  | { kind: 'current'; session: Session; end: Session[] }
  | { kind: 'open' }

export interface ThreadAsk {
  /** A gated comment (follow-up) or a push to the pull request (on-new-commits). */
  kind: 'follow-up' | 'new-commits'
  /** The input's choice: `follow-up` (message, new) or `on-new-commits` (message, restart, new). */
  choice: 'message' | 'restart' | 'new'
  /** The pull request's head now (new commits): sessions opened for it are not ended by a restart. */
  headSha?: string
}

/**
 * The route for a run, from the thread's listed sessions. A session without a `gh-sha` tag was not opened for
 * a known head, so a restart leaves it alone rather than end work it cannot tell is stale.
 */
export function routeThread(ask: ThreadAsk, listed: readonly Session[]): ThreadRoute {
  const live = liveThreadSessions(listed)
  if (ask.choice === 'new') return { kind: 'open' }
  if (ask.choice === 'restart') {
    const end = live.filter((session) => {
      const head = headOfSession(session)
      return head !== undefined && head !== ask.headSha?.toLowerCase()
    })
    // Opening a second session for a head that already has one would be the duplicate a restart exists to avoid.
    const current = live.find((session) => ask.headSha !== undefined && headOfSession(session) === ask.headSha.toLowerCase())
    return current !== undefined ? { kind: 'current', session: current, end } : { kind: 'restart', end }
  }
  const newest = live[0]
  return newest === undefined ? { kind: 'open' } : { kind: 'message', session: newest }
}
