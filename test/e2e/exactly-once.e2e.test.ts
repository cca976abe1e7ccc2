import { describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'
import { expectNoSecrets } from './no-secrets.js'
import type { StepResult } from '../../scripts/lib/action-runner.ts'
import { bundledSuite } from './harness.js'

// The action's first promise, through the committed bundle as the runner runs it, against the emulator:
// a list that lags behind a create, runs with one idempotency-key racing, a job cancelled while the
// create is in flight, v1 runs without a key, and reuse after the keyed session ended, on every version.
// Lags and faults are a few seconds at most, so each case takes seconds of real time.

const API_KEY = 'cog_e2eOnceKeyThatMustNeverBePrinted012345'
const V1_KEY = 'apk_user_e2eOnceV1KeyNeverPrinted012345'
const ORG = 'org-e2e'
const SESSIONS = `/v3/organizations/${ORG}/sessions`
const { emulator, runBundledAction } = bundledSuite({ orgId: ORG, scenario: 'forever-working' })

function inputs(devin: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': API_KEY, 'api-url': devin.url, 'org-id': ORG, prompt: 'Triage the nightly failures.', ...extra }
}

function live(devin: Emulator, tag: string) {
  devin.configure({ listLagMs: 0 })
  return devin.store.query({ tags: [tag] }).filter((s) => s.status !== 'exit')
}

function ok(step: StepResult): StepResult {
  expect(step.exitCode, step.stdout).toBe(0)
  expectNoSecrets(step, [API_KEY, V1_KEY, TEST_GITHUB_TOKEN])
  return step
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('exactly once, through the bundle', { timeout: 60_000 }, () => {
  it.concurrent('adopts the session of a dropped create behind a lagging list, and says how long it looked', async () => {
    const devin = await emulator({ listLagMs: 2_500 })
    devin.faults.add({ method: 'POST', path: `^${SESSIONS}$`, kind: 'drop-after' })
    const { main } = await runBundledAction({ inputs: inputs(devin, { tags: 'lagged' }) })
    ok(main)
    expect(devin.requests.count('POST')).toBe(1)
    const [session, ...others] = live(devin, 'lagged')
    expect(others).toEqual([])
    expect(main.outputs).toMatchObject({ 'session-id': session?.session_id, 'is-new-session': 'true' })
    expect(main.stdout).toMatch(
      new RegExp(`Found the session the interrupted request created, after looking for \\d+s \\(\\d+ look-ups\\): ${session?.session_id}: `)
    )
  })

  it.concurrent('three runs with the same idempotency-key started together leave one live session, and every run reports it', async () => {
    const devin = await emulator()
    const runs = await Promise.all([0, 1, 2].map(() => runBundledAction({ inputs: inputs(devin, { 'idempotency-key': 'nightly', tags: 'raced' }) })))
    const steps = runs.map((run) => ok(run.main))
    const remaining = live(devin, 'raced')
    expect(remaining).toHaveLength(1)
    const winner = remaining[0]?.session_id as string
    expect(steps.map((step) => step.outputs['session-id'])).toEqual([winner, winner, winner])
    expect(steps.map((step) => step.outputs['session-url'])).toEqual(Array(3).fill(`https://app.devin.ai/sessions/${winner}`))
    expect(steps.filter((step) => step.outputs['is-new-session'] === 'true')).toHaveLength(1)
    // Every run whose create made a session that lost says so, naming the winner and its own duplicate.
    for (const ended of devin.store.query({ tags: ['raced'] }).filter((s) => s.status === 'exit')) {
      const loser = steps.find((step) => step.stdout.includes(`Opened Devin session ${ended.session_id}:`))
      expect(loser?.warnings).toContain(
        `Devin session ${winner} also has this idempotency-key and is older (another run opened it at the same time; the oldest live session with the key wins): this run uses it and ends its own duplicate ${ended.session_id}.`
      )
      expect(loser?.outputs['is-new-session']).toBe('false')
    }
  })

  it.concurrent('two runs a second apart while the list lags leave one live session, the older one', async () => {
    const devin = await emulator({ listLagMs: 2_000 })
    const first = runBundledAction({ inputs: inputs(devin, { 'idempotency-key': 'nightly', tags: 'lagging-race' }) })
    await sleep(1_000)
    const second = runBundledAction({ inputs: inputs(devin, { 'idempotency-key': 'nightly', tags: 'lagging-race' }) })
    const [a, b] = [ok((await first).main), ok((await second).main)]
    const all = devin.store.query({ tags: ['lagging-race'] })
    const remaining = live(devin, 'lagging-race')
    expect(remaining).toHaveLength(1)
    const winner = remaining[0]?.session_id
    expect([a.outputs['session-id'], b.outputs['session-id']]).toEqual([winner, winner])
    // Exactly one run reports the session as its own.
    expect([a, b].filter((step) => step.outputs['is-new-session'] === 'true')).toHaveLength(1)
    const loser = [a, b].find((step) => step.outputs['is-new-session'] === 'false')
    // Usually the list hid the first session from the second run, so both created and the newer one was ended with a
    // warning. On a busy machine the second run can start late enough to see the first session and reuse it: one
    // session, no race. Either way one session is left, and both runs report it.
    expect(all.length === 1 || all.length === 2).toBe(true)
    if (all.length === 2) {
      expect(loser?.warnings.some((w) => w.startsWith(`Devin session ${winner} also has this idempotency-key and is older`))).toBe(true)
    }
  })

  it.concurrent('ends the session of a create in flight when the job is cancelled, in the post step', async () => {
    const devin = await emulator()
    // Devin makes the session at once but answers only later: the runner cancels the job in between.
    devin.faults.add({ method: 'POST', path: `^${SESSIONS}$`, kind: 'delay', ms: 20_000 })
    const created = async () => {
      for (let i = 0; i < 200 && devin.store.size === 0; i++) await sleep(50)
    }
    const run = await runBundledAction({ inputs: inputs(devin, { tags: 'cancelled' }), cancel: { when: created, signal: 'SIGINT' } })
    expect(run.main.signal).toBe('SIGINT')
    const [session] = devin.store.query({ tags: ['cancelled'] })
    expect(session?.status).not.toBe('exit')
    const post = ok(await run.post())
    expect(post.stdout).toContain(
      `The job was cancelled while a Devin session was being created: ended session ${session?.session_id}, which the create made (terminate-on-cancel): ${session?.url}`
    )
    expect(devin.store.get(session?.session_id as string).status).toBe('exit')
  })

  it.concurrent('v1: runs without an idempotency-key that share a prompt each get their own session', async () => {
    const devin = await emulator()
    const v1 = { ...inputs(devin, { tags: 'scheduled' }), 'api-key': V1_KEY, 'org-id': '' }
    const first = ok((await runBundledAction({ inputs: v1 })).main)
    const second = ok((await runBundledAction({ inputs: v1 })).main)
    expect(devin.requests.filter('POST', '^/v1/sessions$').map((request) => request.body)).not.toContainEqual(
      expect.objectContaining({ idempotent: expect.anything() })
    )
    expect(devin.store.query({ tags: ['scheduled'] })).toHaveLength(2)
    expect(first.outputs['session-id']).not.toBe(second.outputs['session-id'])
    expect([first.outputs['is-new-session'], second.outputs['is-new-session']]).toEqual(['true', 'true'])
  })

  describe.concurrent('a key whose session ended gets a new session, on every version', () => {
    const versions: [string, Record<string, string>][] = [
      ['v3', {}],
      ['v3beta1', { 'api-version': 'v3beta1' }],
      ['v1', { 'api-key': V1_KEY, 'org-id': '' }]
    ]
    const endings: [string, { status: string; status_detail: string | null }][] = [
      ['error', { status: 'error', status_detail: null }],
      ['suspended', { status: 'suspended', status_detail: 'inactivity' }]
    ]
    for (const [version, extra] of versions) {
      for (const [ending, state] of endings) {
        it.concurrent(`${version}: after the keyed session ended with ${ending}`, async () => {
          const devin = await emulator()
          const keyed = { ...inputs(devin, { 'idempotency-key': 'pr-7', tags: 'ended' }), ...extra }
          const first = ok((await runBundledAction({ inputs: keyed })).main)
          const ended = first.outputs['session-id'] as string
          devin.store.apply(ended, state)
          const second = ok((await runBundledAction({ inputs: keyed })).main)
          expect(second.outputs['session-id']).not.toBe(ended)
          expect(second.outputs['is-new-session']).toBe('true')
          expect(second.stdout).toContain(`The last Devin session with this idempotency key, ${ended}, has ended (${ending}`)
          expect(devin.store.query({ tags: ['ended'] })).toHaveLength(2)
        })
      }
    }
  })
})
