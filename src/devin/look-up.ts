import { RECONCILE_FIRST_PAUSE_MS, RECONCILE_MAX_PAUSE_MS } from '../action/constants.js'
import type { DevinApi } from './api.js'
import type { Clock } from './http.js'
import type { Session } from './session.js'

export interface LookUp {
  /** The sessions of the look-up that satisfied the condition; undefined when the deadline came first. */
  found: Session[] | undefined
  /** How long the looking took. */
  tookMs: number
  lookUps: number
}

/**
 * Lists the sessions carrying a tag until `done` holds for them or the deadline passes. The list can lag
 * behind a create for longer than any fixed number of tries would cover, so the looking goes on to the
 * deadline, with pauses that grow from the first to the largest (RECONCILE_*_PAUSE_MS), the last look-up
 * at the deadline itself. A look-up that fails (after its own retries) throws.
 */
export async function lookUpByTag(api: DevinApi, tag: string, done: (sessions: Session[]) => boolean, deadline: number, clock: Clock): Promise<LookUp> {
  const started = clock.now()
  let pause = RECONCILE_FIRST_PAUSE_MS
  for (let lookUps = 1; ; lookUps++) {
    const sessions = await api.listByTag(tag, deadline)
    if (done(sessions)) return { found: sessions, tookMs: clock.now() - started, lookUps }
    const left = deadline - clock.now()
    if (left <= 0) return { found: undefined, tookMs: clock.now() - started, lookUps }
    await clock.sleep(Math.min(pause, left))
    pause = Math.min(pause * 2, RECONCILE_MAX_PAUSE_MS)
  }
}
