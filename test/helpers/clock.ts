import type { Clock } from '../../src/devin/http.js'

/** A clock whose sleeps return at once and move time forward, recording each pause. */
export interface FakeClock extends Clock {
  sleeps: number[]
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start
  const clock: FakeClock = {
    sleeps: [],
    now: () => now,
    sleep: async (ms) => {
      clock.sleeps.push(ms)
      now += ms
    }
  }
  return clock
}
