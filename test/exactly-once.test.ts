import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../emulator/server.ts'
import type { FaultSpec } from '../emulator/faults.ts'
import { DevinHttp } from '../src/devin/http.js'
import { UnconfirmedSessionError, openSession } from '../src/devin/open.js'
import { createV3Api } from '../src/devin/v3.js'
import { idempotencyTag } from '../src/policy/tags.js'
import { fakeClock } from './helpers/clock.js'
import { SimulatedDevin } from './helpers/simulated-devin.js'

// Randomized fault injection against the emulator over a real loopback connection: failures before
// and after the create reaches the server, 429s with Retry-After, 5xx, timeouts, a list that lags
// (up to well past the old 15 s of look-ups) and flaky look-ups. The create is sent once. Each run
// must end with at most one session for its tag: the one the action reports, or none and an error
// naming the tag. The clock is shared with the emulator, so backoff and list lag cost no real time.

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
  it(`sends one create and leaves at most one session, the one reported (or none, and says so), in ${RUNS} randomized runs (seed ${SEED})`, async () => {
    const random = mulberry32(SEED)
    const http = new DevinHttp(
      { baseUrl: emulator.url, apiKey: 'cog_fault_injection_key', requestTimeoutMs: 250 },
      { fetch: globalThis.fetch, clock, random, debug: () => undefined }
    )
    const api = createV3Api(http, 'org-1')
    const tally = { faults: 0, adopted: 0, unconfirmed: 0, longLag: 0 }

    for (let run = 0; run < RUNS; run++) {
      emulator.faults.clear()
      const lag = [0, 0, 1_500, 4_000, 9_000, 20_000, 45_000][Math.floor(random() * 7)] as number
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
      const opening = openSession(api, { kind: 'create', request: { prompt: `Run ${run}`, tags: [tag] }, tag, reuse: random() < 0.3 }, clock.now() + 180_000, {
        clock,
        info: () => undefined,
        warning: (m) => warnings.push(m),
        onSession: (s) => reported.push(s.id)
      })
      const opened = await opening.catch((error: unknown) => {
        if (error instanceof UnconfirmedSessionError) return undefined
        throw error
      })

      emulator.configure({ listLagMs: 0 })
      const sessions = emulator.store.query({ tags: [tag] })
      const context = `run ${run}: lag ${lag} ms, faults ${JSON.stringify(faults.map((f) => ('status' in f ? `${f.kind}:${f.status}${f.acted ? ':acted' : ''}` : f.kind)))}`
      expect(emulator.requests.filter('POST', CREATE.path).length, context).toBe(1)
      if (opened === undefined) {
        // Only a create that never took effect may end unconfirmed: the look-ups lasted to the deadline.
        expect(sessions, context).toEqual([])
        expect(reported, context).toEqual([])
        tally.unconfirmed++
      } else {
        expect(
          sessions.map((s) => s.session_id),
          context
        ).toEqual([opened.session.id])
        expect(reported, context).toEqual([opened.session.id])
        expect(opened.isNew, context).toBe(true)
        if (warnings.length > 0) tally.adopted++
        if (warnings.length > 0 && lag > 15_000) tally.longLag++
      }
      emulator.requests.clear()
    }

    // The draw must actually exercise every side: sessions adopted after an ambiguous failure, also
    // behind a list lagging longer than 15 s, and failures that left nothing behind.
    expect(tally.faults).toBeGreaterThan(RUNS)
    expect(tally.adopted).toBeGreaterThan(5)
    expect(tally.longLag).toBeGreaterThan(2)
    expect(tally.unconfirmed).toBeGreaterThan(2)
  })

  // The randomized runs may or may not draw it, so the request timeout has a case of its own: the create
  // reaches Devin and acts, and the answer comes after the request timeout (1 s here, so a busy machine still
  // gets the request to the server in time; 60 s in the action). The list lags, on the shared clock.
  it('opens exactly one session after a request timeout: the create acted, answered too late, and its session is adopted', async () => {
    emulator.faults.clear()
    emulator.requests.clear()
    emulator.configure({ listLagMs: 2_000 })
    emulator.faults.add({ ...CREATE, kind: 'delay', ms: 3_000 })
    const http = new DevinHttp(
      { baseUrl: emulator.url, apiKey: 'cog_fault_injection_key', requestTimeoutMs: 1_000 },
      { fetch: globalThis.fetch, clock, random: () => 0.5, debug: () => undefined }
    )
    const tag = idempotencyTag('request-timeout', 'octo/repo')
    const warnings: string[] = []
    const opened = await openSession(
      createV3Api(http, 'org-1'),
      { kind: 'create', request: { prompt: 'Time out', tags: [tag] }, tag, reuse: false },
      clock.now() + 180_000,
      {
        clock,
        info: () => undefined,
        warning: (m) => warnings.push(m),
        onSession: () => undefined
      }
    )
    emulator.configure({ listLagMs: 0 })
    const sessions = emulator.store.query({ tags: [tag] })
    expect(emulator.requests.filter('POST', CREATE.path)).toHaveLength(1)
    expect(sessions.map((s) => s.session_id)).toEqual([opened.session.id])
    expect(opened.isNew).toBe(true)
    expect(warnings.some((w) => w.startsWith('The request to create the session may have reached Devin'))).toBe(true)
  })
})

// Runs with the same idempotency-key racing, every interleaving played out on one virtual clock
// (test/helpers/simulated-devin.ts): two or three runs started together, 150 ms apart or a second
// apart; a list that shows sessions at once, 2 s or 5 s late; every order of session ids (which
// decides between sessions created in the same second); and any one look-up answered 300 ms late.
// Whatever the interleaving, one live session must remain, every run must report it, only its
// creator as new, and every run whose session lost must have ended it and said which one won.
describe('runs with the same idempotency-key started together', () => {
  const TAG = idempotencyTag('nightly', 'octo/repo')
  const IDS = ['devin-a', 'devin-b', 'devin-c']

  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items]
    return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
  }

  async function race(starts: number[], lagMs: number, ids: string[], late?: { run: number; list: number }) {
    const sim = new SimulatedDevin(lagMs)
    const runs = starts.map((startMs, run) => {
      let lists = 0
      const api = sim.api([ids[run] as string], (op) => {
        const slow = op === 'list' && late?.run === run && late.list === lists
        if (op === 'list') lists++
        return { toServerMs: 50, toClientMs: slow ? 350 : 50 }
      })
      const log: string[] = []
      const reported: { id: string; isNew: boolean }[] = []
      const opened = sim.start(startMs, () =>
        openSession(api, { kind: 'create', request: { prompt: 'Nightly triage', tags: [TAG] }, tag: TAG, reuse: true }, sim.now + 180_000, {
          clock: sim.clock,
          info: (m) => log.push(`info: ${m}`),
          warning: (m) => log.push(`warning: ${m}`),
          onSession: (session, isNew) => reported.push({ id: session.id, isNew })
        })
      )
      return { id: ids[run] as string, log, reported, opened }
    })
    await sim.run()
    return { sim, runs: await Promise.all(runs.map(async (run) => ({ ...run, opened: await run.opened }))) }
  }

  const STARTS: Record<string, number[]> = { together: [0, 0, 0], '150 ms apart': [0, 150, 300], 'a second apart': [0, 1_000, 2_000] }
  for (const count of [2, 3]) {
    for (const [when, starts] of Object.entries(STARTS)) {
      for (const lagMs of [0, 2_000, 5_000]) {
        it(`${count} runs started ${when}, list lag ${lagMs} ms: one live session remains, and every run reports it`, async () => {
          const lates = [undefined, ...Array.from({ length: count }, (_, run) => [0, 1, 2, 3].map((list) => ({ run, list }))).flat()]
          for (const ids of permutations(IDS.slice(0, count))) {
            for (const late of lates) {
              const { sim, runs } = await race(starts.slice(0, count), lagMs, ids, late)
              const context = `ids ${ids.join(',')}, late ${JSON.stringify(late)}`
              const live = sim.sessions.filter((s) => s.status !== 'exit')
              expect(
                live.map((s) => s.id),
                context
              ).toHaveLength(1)
              const winner = live[0]?.id as string
              for (const run of runs) {
                expect(run.opened.session.id, context).toBe(winner)
                expect(run.reported.at(-1), context).toEqual({ id: winner, isNew: run.id === winner })
                if (run.id !== winner && sim.sessions.some((s) => s.id === run.id)) {
                  expect(run.log, context).toContain(
                    `warning: Devin session ${winner} also has this idempotency-key and is older (another run opened it at the same time; the oldest live session with the key wins): this run uses it and ends its own duplicate ${run.id}.`
                  )
                }
              }
            }
          }
        })
      }
    }
  }

  it('settles creates in the same second on the session id: the later create with the smaller id wins', async () => {
    // Run 0 creates first, with the larger id, and sees only its own session; run 1's first look-up is
    // answered late, so it creates later in the same second, with the smaller id.
    const { sim, runs } = await race([0, 60], 0, ['devin-b', 'devin-a'], { run: 1, list: 0 })
    expect(sim.sessions.map((s) => [s.id, s.status])).toEqual([
      ['devin-b', 'exit'],
      ['devin-a', 'new']
    ])
    expect(runs.map((run) => [run.opened.session.id, run.opened.isNew])).toEqual([
      ['devin-a', false],
      ['devin-a', true]
    ])
  })
})
