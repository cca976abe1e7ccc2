import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../emulator/server.ts'
import type { FaultSpec } from '../emulator/faults.ts'
import { DevinHttp } from '../src/devin/http.js'
import { openSession } from '../src/devin/open.js'
import { createV3Api } from '../src/devin/v3.js'
import { idempotencyTag } from '../src/request.js'
import { fakeClock } from './helpers/clock.js'

// Randomized fault injection against the emulator over a real loopback connection: failures before
// and after the create reaches the server, 429s with Retry-After, 5xx, timeouts, a lagging list and
// flaky look-ups. Each run must end with exactly one session for its tag, and it must be the one the
// action reports. The clock is shared with the emulator, so backoff and list lag cost no real time.

const RUNS = 60
const SEED = Number(process.env.FAULT_SEED ?? 20261123)

/** A small seeded generator, so a failing run can be replayed with FAULT_SEED. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const CREATE = { method: 'POST', path: '^/v3/organizations/org-1/sessions$' }
const LIST = { method: 'GET', path: '^/v3/organizations/org-1/sessions$' }

/** The create faults a run draws from: each may or may not leave a session behind. */
const CREATE_FAULTS: ((random: () => number) => FaultSpec)[] = [
  () => ({ ...CREATE, kind: 'drop-before' }),
  () => ({ ...CREATE, kind: 'drop-after' }),
  (random) => ({ ...CREATE, kind: 'status', status: 500, acted: random() < 0.5 }),
  (random) => ({ ...CREATE, kind: 'status', status: [502, 503, 504][Math.floor(random() * 3)] as number, acted: random() < 0.5 }),
  (random) => ({ ...CREATE, kind: 'status', status: 429, retryAfter: 1 + Math.floor(random() * 3), acted: random() < 0.3 }),
  () => ({ ...CREATE, kind: 'delay', ms: 400 })
]

const clock = fakeClock()
let emulator: Emulator

beforeAll(async () => {
  emulator = await startEmulator({ orgId: 'org-1', now: () => clock.now(), scenario: 'forever-working' })
})
afterAll(async () => {
  await emulator.close()
})

describe('exactly once under injected faults', () => {
  it(`opens exactly one session, the one reported, in ${RUNS} randomized runs (seed ${SEED})`, async () => {
    const random = mulberry32(SEED)
    const http = new DevinHttp(
      { baseUrl: emulator.url, apiKey: 'cog_fault_injection_key', requestTimeoutMs: 250 },
      { fetch: globalThis.fetch, clock, random, debug: () => undefined }
    )
    const api = createV3Api(http, 'org-1')
    const tally = { faults: 0, acted: 0, adopted: 0, recreated: 0 }

    for (let run = 0; run < RUNS; run++) {
      emulator.faults.clear()
      const lag = [0, 0, 1_500, 4_000, 9_000][Math.floor(random() * 5)] as number
      emulator.configure({ listLagMs: lag })
      const faults = Array.from({ length: Math.floor(random() * 4) }, () =>
        (CREATE_FAULTS[Math.floor(random() * CREATE_FAULTS.length)] as (r: () => number) => FaultSpec)(random)
      )
      for (const fault of faults) emulator.faults.add(fault)
      if (random() < 0.3) emulator.faults.add({ ...LIST, kind: 'status', status: 503, times: 1 + Math.floor(random() * 2) })
      tally.faults += faults.length

      const tag = idempotencyTag(`run-${run}`, 'octo/repo')
      const warnings: string[] = []
      const reported: string[] = []
      const opened = await openSession(
        api,
        { kind: 'create', request: { prompt: `Run ${run}`, tags: [tag] }, tag, reuse: random() < 0.3 },
        clock.now() + 180_000,
        { clock, random, info: () => undefined, warning: (m) => warnings.push(m), onSession: (s) => reported.push(s.id) }
      )

      emulator.configure({ listLagMs: 0 })
      const sessions = emulator.store.query({ tags: [tag] })
      const context = `run ${run}: lag ${lag} ms, faults ${JSON.stringify(faults.map((f) => ('status' in f ? `${f.kind}:${f.status}${f.acted ? ':acted' : ''}` : f.kind)))}`
      expect(
        sessions.map((s) => s.session_id),
        context
      ).toEqual([opened.session.id])
      expect(reported, context).toEqual([opened.session.id])
      expect(opened.isNew, context).toBe(true)
      const creates = emulator.requests.filter('POST', CREATE.path).length
      tally.acted += faults.some((f) => f.kind === 'drop-after' || f.kind === 'delay' || ('acted' in f && f.acted === true)) ? 1 : 0
      tally.adopted += warnings.length > 0 && creates === warnings.length ? 1 : 0
      tally.recreated += creates > 1 ? 1 : 0
      emulator.requests.clear()
    }

    // The draw must actually exercise both sides: sessions adopted after an ambiguous failure, and
    // creates sent again after a failure that left nothing behind.
    expect(tally.faults).toBeGreaterThan(RUNS)
    expect(tally.adopted).toBeGreaterThan(5)
    expect(tally.recreated).toBeGreaterThan(5)
  })
})
