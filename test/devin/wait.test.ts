import { describe, expect, it } from 'vitest'
import type { DevinApi } from '../../src/devin/api.js'
import { DevinApiError } from '../../src/devin/errors.js'
import type { Session } from '../../src/devin/session.js'
import { type WaitOptions, waitForSession } from '../../src/devin/wait.js'
import { type FakeClock, fakeClock } from '../helpers/clock.js'

type State = Partial<Session> | Error

const START: Session = { id: 'devin-1', url: 'https://app.devin.ai/sessions/devin-1', status: 'new', tags: [], pullRequests: [], isArchived: false }

/** A Devin whose session goes through the given states, one per GET, staying at the last. */
function scripted(states: State[], clock: FakeClock) {
  const gets: number[] = []
  let index = 0
  const api = {
    version: 'v3',
    async get(id: string) {
      gets.push(clock.now())
      const state = states[Math.min(index, states.length - 1)] as State
      index++
      if (state instanceof Error) throw state
      return { ...START, id, ...state }
    }
  } as unknown as DevinApi
  return { api, gets }
}

async function waitThrough(states: State[], options: Partial<WaitOptions> = {}) {
  const clock = fakeClock()
  const { api, gets } = scripted(states, clock)
  const log: string[] = []
  const polled: Session[] = []
  const result = await waitForSession(
    api,
    START,
    { until: 'stopped', timeoutMs: 3_600_000, pollIntervalMs: 15_000, ...options },
    { clock, info: (m) => log.push(`info: ${m}`), warning: (m) => log.push(`warning: ${m}`), onPoll: (s) => polled.push(s) }
  )
  return { result, log, gets, polled, clock }
}

const working: State = { status: 'running', statusDetail: 'working' }
const PR = { url: 'https://github.com/octo/repo/pull/5', state: 'open' }

describe('waitForSession', () => {
  it('ends at finished with pull requests and structured output, logging each change once', async () => {
    const { result, log, polled } = await waitThrough([
      { status: 'new' },
      working,
      working,
      { ...working, pullRequests: [PR] },
      { status: 'running', statusDetail: 'finished', pullRequests: [{ ...PR, state: 'merged' }], structuredOutput: { summary: 'done' }, acusConsumed: 3 }
    ])
    expect(result.outcome).toBe('finished')
    expect(result.session).toMatchObject({ statusDetail: 'finished', acusConsumed: 3, structuredOutput: { summary: 'done' } })
    expect(log).toEqual([
      'info: Devin is starting the session',
      'info: Devin is working',
      'info: Devin opened a pull request: https://github.com/octo/repo/pull/5',
      'info: Devin finished the task',
      'info: Pull request https://github.com/octo/repo/pull/5 is now merged',
      'info: Devin updated its structured output'
    ])
    expect(polled).toHaveLength(5)
  })

  for (const [detail, text] of [
    ['waiting_for_user', 'Devin is waiting for your input: https://app.devin.ai/sessions/devin-1'],
    ['waiting_for_approval', 'Devin is waiting for approval of an action: https://app.devin.ai/sessions/devin-1']
  ] as const) {
    it(`ends as blocked at ${detail}`, async () => {
      const { result, log } = await waitThrough([working, { status: 'running', statusDetail: detail }])
      expect(result.outcome).toBe('blocked')
      expect(log.at(-1)).toBe(`info: ${text}`)
    })
  }

  it('ends as error on status error and on suspended with error', async () => {
    expect((await waitThrough([working, { status: 'error' }])).result.outcome).toBe('error')
    expect((await waitThrough([working, { status: 'suspended', statusDetail: 'error' }])).result.outcome).toBe('error')
  })

  const reasons: [string, string][] = [
    ['inactivity', 'it fell asleep after a period of inactivity'],
    ['user_request', 'a user paused it'],
    ['usage_limit_exceeded', 'a usage limit was reached'],
    ['out_of_credits', 'the organization is out of credits'],
    ['out_of_quota', 'the organization is out of quota'],
    ['no_quota_allocation', 'the organization has no quota allocated'],
    ['payment_declined', 'a payment was declined'],
    ['org_usage_limit_exceeded', "the organization's usage limit was reached"],
    ['user_usage_limit_exceeded', "the user's usage limit was reached"],
    ['total_session_limit_exceeded', 'the limit on sessions was reached']
  ]
  for (const [reason, meaning] of reasons) {
    it(`ends as suspended for ${reason}, and says why`, async () => {
      const { result, log } = await waitThrough([working, { status: 'suspended', statusDetail: reason }])
      expect(result.outcome).toBe('suspended')
      expect(result.session.statusDetail).toBe(reason)
      expect(log.at(-1)).toBe(`info: The session was suspended because ${meaning}`)
    })
  }

  it('ends as exited on exit', async () => {
    const { result, log } = await waitThrough([working, { status: 'exit' }])
    expect(result.outcome).toBe('exited')
    expect(log.at(-1)).toBe('info: The session has ended')
  })

  it('treats an unknown status as still working, and names it', async () => {
    const { result, log } = await waitThrough([
      { status: 'hibernating', statusDetail: 'dreaming' },
      { status: 'running', statusDetail: 'finished' }
    ])
    expect(result.outcome).toBe('finished')
    expect(log[0]).toBe('info: The session is now "hibernating" ("dreaming")')
  })

  it('with wait: pull-request, ends when a pull request appears while Devin works on', async () => {
    const { result, gets } = await waitThrough([working, working, { ...working, pullRequests: [PR] }, { status: 'running', statusDetail: 'finished' }], {
      until: 'pull-request'
    })
    expect(result.outcome).toBe('running')
    expect(result.session.pullRequests).toEqual([PR])
    expect(gets).toHaveLength(3)
  })

  it('with wait: structured-output, ends when structured output appears, or when the session stops', async () => {
    const early = await waitThrough([working, { ...working, structuredOutput: { ok: true } }], { until: 'structured-output' })
    expect(early.result).toMatchObject({ outcome: 'running', session: { structuredOutput: { ok: true } } })
    const stopped = await waitThrough([working, { status: 'error' }], { until: 'structured-output' })
    expect(stopped.result.outcome).toBe('error')
  })

  it('times out at wait-timeout, with a last poll at the deadline', async () => {
    const { result, gets, clock } = await waitThrough([working], { timeoutMs: 100_000 })
    expect(result.outcome).toBe('timeout')
    expect(result.waitedMs).toBe(100_000)
    expect(gets.at(-1)).toBe(clock.now())
  })

  it('grows the interval to 4× while nothing changes and resets it on a change', async () => {
    const states: State[] = [
      working,
      working,
      working,
      working,
      working,
      { ...working, pullRequests: [PR] },
      { ...working, pullRequests: [PR] },
      { status: 'running', statusDetail: 'finished', pullRequests: [PR] }
    ]
    const { gets } = await waitThrough(states)
    const intervals = gets.map((at, i) => at - (i === 0 ? 1_700_000_000_000 : (gets[i - 1] as number)))
    expect(intervals).toEqual([15_000, 15_000, 30_000, 60_000, 60_000, 60_000, 15_000, 30_000])
  })

  it('never polls less often than every two minutes', async () => {
    const { gets } = await waitThrough([working], { pollIntervalMs: 60_000, timeoutMs: 900_000 })
    const intervals = gets.slice(1).map((at, i) => at - (gets[i] as number))
    expect(Math.max(...intervals)).toBe(120_000)
  })

  it('sends few requests for a session that stays quiet for 30 minutes, and sees the change within one interval', async () => {
    const poll = 15_000
    const clock = fakeClock()
    // Just after a poll, so the change waits as long as it can for the next one.
    const changeAt = clock.now() + 30 * 60_000 + 1_000
    const gets: number[] = []
    const api = {
      async get(id: string) {
        gets.push(clock.now())
        return { ...START, id, ...(clock.now() >= changeAt ? { status: 'running', statusDetail: 'finished' } : working) }
      }
    } as unknown as DevinApi
    const result = await waitForSession(
      api,
      START,
      { until: 'stopped', timeoutMs: 3_600_000, pollIntervalMs: poll },
      { clock, info: () => undefined, warning: () => undefined, onPoll: () => undefined }
    )
    expect(result.outcome).toBe('finished')
    const before = gets.filter((at) => at < changeAt)
    expect(before.length).toBeLessThanOrEqual((30 * 60) / ((4 * poll) / 1_000) + 10)
    // The interval in force when the change happened: the gap between the last two polls before it.
    const current = (before.at(-1) as number) - (before.at(-2) as number)
    const seenAfter = (gets.at(-1) as number) - changeAt
    expect(seenAfter).toBeGreaterThan(0)
    expect(seenAfter).toBeLessThanOrEqual(current)
  })

  it('keeps waiting through polling failures that recover, with one warning per run of failures', async () => {
    const outage = new DevinApiError("Devin's API failed when trying to read session devin-1 (HTTP 503).", { status: 503, reached: 'maybe', attempts: 1 })
    const dropped = new DevinApiError('The connection broke.', { reached: 'maybe', attempts: 1 })
    const { result, log } = await waitThrough([working, outage, dropped, { status: 'running', statusDetail: 'finished' }])
    expect(result.outcome).toBe('finished')
    expect(log.filter((line) => line.startsWith('warning: '))).toEqual([
      "warning: Could not read the session this time; still waiting. (Devin's API failed when trying to read session devin-1 (HTTP 503).)"
    ])
    expect(log).toContain('info: Still could not read the session (2 polls in a row): The connection broke.')
    expect(log).toContain('info: Read the session again after 2 failed polls.')
  })

  it('ends at the deadline saying how long Devin answered 503, with the last error, within the poll budget', async () => {
    const outage = new DevinApiError("Devin's API failed when trying to read session devin-1 (HTTP 503).", { status: 503, reached: 'maybe', attempts: 1 })
    const { result, gets, log } = await waitThrough([working, outage], { timeoutMs: 30 * 60_000 + 15_000 })
    expect(result.outcome).toBe('timeout')
    expect(result.pollFailure).toBe(
      "Devin's API answered HTTP 503 to every poll for the last 30m (32 polls), so the session's state at the deadline is unknown. The last error: Devin's API failed when trying to read session devin-1 (HTTP 503)."
    )
    // The same budget as a session that stays quiet for 30 minutes: an outage costs no more requests.
    expect(gets.length).toBeLessThanOrEqual((30 * 60) / ((4 * 15_000) / 1_000) + 10)
    expect(log.filter((line) => line.startsWith('warning: '))).toHaveLength(1)
  })

  it('honours Retry-After on a 429 poll, and names a mix of failures', async () => {
    const limited = new DevinApiError('Devin kept rate-limiting the request (429).', { status: 429, reached: 'maybe', attempts: 1, retryAfterMs: 90_000 })
    const unreadable = new DevinApiError("Devin's API answered HTTP 200 with an HTML page when trying to read session devin-1.", {
      status: 200,
      reached: 'maybe',
      attempts: 1
    })
    const { result, gets } = await waitThrough([working, limited, unreadable], { timeoutMs: 200_000 })
    expect((gets[2] as number) - (gets[1] as number)).toBe(90_000)
    expect(result.pollFailure).toMatch(
      /^Devin's API could not be read \(HTTP 429, unreadable HTTP 200 answers\) to every poll for the last .+ \(\d+ polls\), so the session's state at the deadline is unknown\. The last error: Devin's API answered HTTP 200 with an HTML page/
    )
  })

  it('ends the wait with a message naming the session when it is gone (404)', async () => {
    const gone = new DevinApiError('Devin found nothing when trying to read session devin-1 (404 Not Found).', { status: 404, reached: 'no', attempts: 1 })
    await expect(waitThrough([working, gone])).rejects.toThrow(
      `Devin's session devin-1 is gone: Devin answered 404 Not Found when the action read it 30s into the wait, so it was deleted or this API key can no longer see it. It was last seen as "running" ("working"): https://app.devin.ai/sessions/devin-1`
    )
  })

  it('asks for one attempt per poll, so the wait alone decides when to try again', async () => {
    const clock = fakeClock()
    const asked: unknown[] = []
    const api = {
      async get(id: string, _deadline: number, options: unknown) {
        asked.push(options)
        return { ...START, id, status: 'exit' }
      }
    } as unknown as DevinApi
    await waitForSession(
      api,
      START,
      { until: 'stopped', timeoutMs: 60_000, pollIntervalMs: 15_000 },
      { clock, info: () => undefined, warning: () => undefined, onPoll: () => undefined }
    )
    expect(asked).toEqual([{ attempts: 1 }])
  })

  it('stops at a failure no later poll can fix', async () => {
    const clock = fakeClock()
    const unauthorized = new DevinApiError('Devin did not accept the API key (401).', { status: 401, reached: 'no', attempts: 1 })
    const { api } = scripted([working, unauthorized], clock)
    await expect(
      waitForSession(
        api,
        START,
        { until: 'stopped', timeoutMs: 600_000, pollIntervalMs: 15_000 },
        { clock, info: () => undefined, warning: () => undefined, onPoll: () => undefined }
      )
    ).rejects.toThrow('Devin did not accept the API key (401).')
  })
})
