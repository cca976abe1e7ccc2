import type { Session } from '../devin/session.js'

/** What the fix-attempt cap decided for a failed run: go, or skip with the reason shown as `skip-reason`. */
export type FixAttemptsVerdict = { go: true; count: number } | { go: false; count: number; reason: string }

/** The pull request (by number) or the branch (by name) the fix attempts are counted for, in words. */
export function describeFixTarget(target: number | string): string {
  return typeof target === 'number' ? `pull request #${target}` : `branch ${target}`
}

/**
 * Whether another session may be opened to fix CI for a pull request or branch: every session this repository
 * opened for it counts, whatever its state (one that ended still spent its try), so a fix loop (Devin's push
 * fails CI again, which opens a session, which pushes …) stops at `max` sessions. Pure: the listed sessions in.
 */
export function judgeFixAttempts(sessions: readonly Session[], target: number | string, max: number): FixAttemptsVerdict {
  const count = new Set(sessions.map((session) => session.id)).size
  if (count < max) return { go: true, count }
  return {
    go: false,
    count,
    reason: `fix attempts: ${describeFixTarget(target)} already had ${count} session${count === 1 ? '' : 's'} to fix CI (max-fix-attempts: ${max}).`
  }
}
