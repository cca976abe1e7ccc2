import { type Session, classifySession } from '../devin/session.js'

/**
 * Which of this repository's sessions a reconcile run brings up to date, and where their comment and check run
 * are, as pure functions of the sessions listed by the repository's tag (`gh-repo:`).
 */

/** Sessions changed longer ago than this are left alone (unless still working or waiting): nothing moves them. */
export const RECONCILE_WINDOW_SEC = 24 * 3_600

/** The most sessions one reconcile run looks at; the rest wait for the next run, the most recently changed first. */
export const MAX_RECONCILED_SESSIONS = 100

/** When the session last changed, as far as the API says: its update time, else its creation time. */
function lastChange(session: Session): number | undefined {
  return session.updatedAt ?? session.createdAt
}

/**
 * Whether Devin is still working on the session or waiting for a person: its state can change without anyone
 * touching it (it finishes, asks, or is suspended). A finished session is live for reuse (a message continues
 * it), but it changes only when someone messages it, and that moves its update time into the window.
 */
function mayChangeBySelf(session: Session): boolean {
  if (session.isArchived) return false
  const outcome = classifySession(session)
  return outcome === 'running' || outcome === 'blocked'
}

/** The sessions a run reconciles (at most MAX_RECONCILED_SESSIONS, the most recently changed first), and how many are left for the next run. */
export function sessionsToReconcile(listed: readonly Session[], nowSec: number): { kept: Session[]; left: number } {
  const since = nowSec - RECONCILE_WINDOW_SEC
  const candidates = listed.filter((session) => {
    const changed = lastChange(session)
    return mayChangeBySelf(session) || (changed !== undefined && changed >= since)
  })
  // Ties broken by id, so two runs over the same list pick the same sessions.
  candidates.sort((a, b) => (lastChange(b) ?? 0) - (lastChange(a) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return { kept: candidates.slice(0, MAX_RECONCILED_SESSIONS), left: Math.max(0, candidates.length - MAX_RECONCILED_SESSIONS) }
}

/** The pull request or issue number of the session's `gh-thread:<repoId>#<number>` tag for this repository; undefined when it has none. */
export function threadOfSession(session: Session, repoId: string): number | undefined {
  const prefix = `gh-thread:${repoId}#`
  for (const tag of session.tags) {
    if (!tag.startsWith(prefix)) continue
    const number = Number(tag.slice(prefix.length))
    if (Number.isSafeInteger(number) && number > 0 && /^\d+$/.test(tag.slice(prefix.length))) return number
  }
  return undefined
}

/** The login of the session's `gh-user:<repoId>/<login>` tag for this repository (the user who caused its run); undefined when it has none. */
export function userOfSession(session: Session, repoId: string): string | undefined {
  const prefix = `gh-user:${repoId}/`
  const tag = session.tags.find((one) => one.startsWith(prefix) && one.length > prefix.length)
  return tag?.slice(prefix.length)
}
