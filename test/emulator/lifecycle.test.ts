import { describe, expect, it } from 'vitest'
import { chooseScenario, getScenario, scenarioNames, SUSPENSION_REASONS, UnknownScenarioError } from '../../emulator/lifecycle.ts'

/** The status values of the v3 spec (devin-api.md §1.2). */
const SPEC_STATUSES = ['new', 'claimed', 'running', 'exit', 'error', 'suspended', 'resuming']

describe('lifecycle scenarios', () => {
  it('offers every scenario the action needs, one per suspension reason', () => {
    const names = scenarioNames()
    for (const name of [
      'finished',
      'waiting_for_user',
      'waiting_for_approval',
      'error',
      'suspended-error',
      'exit',
      'unknown-status',
      'pull-request-midway',
      'forever-working',
      ...SUSPENSION_REASONS.map((r) => `suspended:${r}`)
    ]) {
      expect(names).toContain(name)
    }
    expect(SUSPENSION_REASONS).toContain('user_usage_limit_exceeded')
    expect(new Set(names).size).toBe(names.length)
  })

  it('uses only spec statuses, except in unknown-status', () => {
    for (const name of scenarioNames().filter((n) => n !== 'unknown-status')) {
      for (const state of getScenario(name).states) expect(SPEC_STATUSES).toContain(state.status)
    }
    const unknown = getScenario('unknown-status').states.map((s) => s.status)
    expect(unknown.some((s) => !SPEC_STATUSES.includes(s))).toBe(true)
    expect(getScenario('unknown-status').states.at(-1)).toMatchObject({ status: 'running', status_detail: 'finished' })
  })

  it('ends each scenario where its name says', () => {
    const last = (name: string) => getScenario(name).states.at(-1)
    expect(last('finished')).toMatchObject({
      status: 'running',
      status_detail: 'finished',
      pull_requests: [{ pr_url: expect.stringMatching(/^https:\/\//), pr_state: 'open' }],
      structured_output: { summary: expect.any(String), tests_passed: true }
    })
    expect(last('waiting_for_user')).toMatchObject({ status: 'running', status_detail: 'waiting_for_user' })
    expect(last('waiting_for_approval')).toMatchObject({ status: 'running', status_detail: 'waiting_for_approval' })
    expect(last('error')).toMatchObject({ status: 'error' })
    expect(last('suspended-error')).toMatchObject({ status: 'suspended', status_detail: 'error' })
    expect(last('suspended:out_of_credits')).toMatchObject({ status: 'suspended', status_detail: 'out_of_credits' })
    expect(last('exit')).toMatchObject({ status: 'exit' })
    expect(getScenario('forever-working').states).toHaveLength(1)
    const midway = getScenario('pull-request-midway').states
    expect(midway.every((s) => s.status_detail !== 'finished')).toBe(true)
    expect(midway.some((s) => (s.pull_requests ?? []).length > 0)).toBe(true)
  })

  it('has scenarios that reach their end at the first GET, for end-to-end runs that wait one poll', () => {
    const ends: [string, string][] = [
      ['finished-at-once', 'finished'],
      ['waiting_for_user-at-once', 'waiting_for_user'],
      ['error-at-once', 'error'],
      ['suspended-at-once', 'suspended:out_of_credits'],
      ['exit-at-once', 'exit']
    ]
    for (const [name, base] of ends) {
      expect(getScenario(name).states, name).toEqual([{ status: 'new', status_detail: null }, getScenario(base).states.at(-1)])
    }
    expect(getScenario('exit-at-once').states.at(-1)).toEqual({ status: 'exit', status_detail: null, acus_consumed: 1 })
  })

  it('takes the scenario from an emulator-scenario tag, else the default, and refuses unknown names', () => {
    expect(chooseScenario('finished', ['x', 'emulator-scenario:exit']).name).toBe('exit')
    expect(chooseScenario('error', ['x']).name).toBe('error')
    expect(chooseScenario('error', null).name).toBe('error')
    expect(() => chooseScenario('finished', ['emulator-scenario:nope'])).toThrow(UnknownScenarioError)
    expect(() => getScenario('nope')).toThrow(/Known scenarios: finished/)
  })
})
