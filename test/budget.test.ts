import { describe, expect, it } from 'vitest'
import type { Session } from '../src/devin/session.js'
import {
  type BudgetScope,
  type Limits,
  type ScopeList,
  budgetLists,
  describeFigure,
  formatAcus,
  hasLimits,
  judgeBudgets,
  windowStartOf
} from '../src/policy/budget.js'

// Budgets are plain functions of listed sessions: these tests call them with sessions, no HTTP.

const NOW_MS = 1_700_000_000_500
const NOW = 1_700_000_000
const DAY = 86_400
const PR: BudgetScope = { repoId: '42', thread: { number: 12, kind: 'pull request' }, user: 'Mona' }

let ids = 0
function session(tags: string[], acus: number | undefined, createdAt: number | undefined = NOW - 60, status = 'running', statusDetail?: string): Session {
  return { id: `devin-${++ids}`, url: '', status, statusDetail, tags, createdAt, acusConsumed: acus, pullRequests: [], isArchived: false }
}

/** The lists `budgetLists` asks for, each answered with the given sessions. */
function judge(limits: Limits, answers: Partial<Record<string, Session[]>>, requestLimit?: number, scope: BudgetScope = PR, creates = true) {
  const { lists } = budgetLists(limits, scope, NOW_MS)
  const listed = new Map<ScopeList, Session[]>(lists.map((list) => [list, answers[list.input] ?? []]))
  return judgeBudgets(limits, scope, listed, requestLimit, creates)
}

describe('which lists a run needs', () => {
  it('makes none without a budget or cap', () => {
    expect(hasLimits({})).toBe(false)
    expect(budgetLists({}, PR, NOW_MS)).toEqual({ lists: [], notes: [] })
  })

  it('lists by one tag per scope: the thread for all time, the user and the repository for 24 hours, the repository at any age for the cap', () => {
    const { lists, notes } = budgetLists({ budgetPerPr: 40, budgetPerDay: 100, budgetPerUser: 10, maxLiveSessions: 3 }, PR, NOW_MS)
    expect(notes).toEqual([])
    expect(lists).toEqual([
      { input: 'budget-per-pr', tag: 'gh-thread:42#12' },
      { input: 'budget-per-user', tag: 'gh-user:42/mona', createdAfter: NOW - DAY },
      { input: 'budget-per-day', tag: 'gh-repo:42', createdAfter: NOW - DAY },
      { input: 'max-live-sessions', tag: 'gh-repo:42' }
    ])
  })

  it('skips a per-PR budget on a run about no pull request or issue (a schedule), and says so', () => {
    const { lists, notes } = budgetLists({ budgetPerPr: 40 }, { repoId: '42', user: 'mona' }, NOW_MS)
    expect(lists).toEqual([])
    expect(notes).toEqual(['budget-per-pr does not apply: this run is about no pull request or issue.'])
  })

  it('refuses, naming the inputs, when the repository id is unknown', () => {
    expect(() => budgetLists({ budgetPerDay: 5, maxLiveSessions: 2 }, { repoId: '' }, NOW_MS)).toThrow(
      /^budget-per-day, max-live-sessions are set, but the repository id is unknown/
    )
  })

  it('starts the 24-hour window 86,400 seconds before the current second', () => {
    expect(windowStartOf(NOW_MS)).toBe(NOW - DAY)
  })
})

describe('judging the listed sessions', () => {
  it('sums ACUs per scope exactly (no floating-point drift) and clamps max_acu_limit to what is left, rounded down', () => {
    const thread = 'gh-thread:42#12'
    const verdict = judge({ budgetPerPr: 40 }, { 'budget-per-pr': [session([thread], 0.1), session([thread], 0.2), session([thread], 12.2)] })
    expect(verdict.go).toBe(true)
    // 40 - 12.5 = 27.5 left: the session may use 27, and 0.5 stays.
    expect(verdict.maxAcuLimit).toBe(27)
    expect(verdict.remaining).toBe(0.5)
    expect(verdict.figures).toEqual([{ input: 'budget-per-pr', what: 'pull request #12', used: 12.5, limit: 40, unit: 'ACUs', sessions: 3, left: 27.5 }])
    expect(describeFigure(verdict.figures[0]!)).toBe('pull request #12: 12.5 of 40 ACUs used, 27.5 left (budget-per-pr)')
  })

  it('keeps the smaller of max-acu-limit and each budget, and reserves it from the tightest budget', () => {
    const verdict = judge(
      { budgetPerPr: 40, budgetPerDay: 100, budgetPerUser: 20 },
      {
        'budget-per-pr': [session(['gh-thread:42#12'], 10)],
        'budget-per-user': [session(['gh-user:42/mona'], 4.75)],
        'budget-per-day': [session(['gh-repo:42'], 50)]
      },
      8
    )
    expect(verdict.go).toBe(true)
    expect(verdict.maxAcuLimit).toBe(8)
    // Tightest: the user's 15.25 left; 8 reserved for this session.
    expect(verdict.remaining).toBe(7.25)
    const tight = judge({ budgetPerUser: 20 }, { 'budget-per-user': [session(['gh-user:42/mona'], 4.75)] }, 30)
    expect(tight.maxAcuLimit).toBe(15)
  })

  it('skips with the figures when a budget is used up', () => {
    const verdict = judge({ budgetPerPr: 40 }, { 'budget-per-pr': [session(['gh-thread:42#12'], 30), session(['gh-thread:42#12'], 11.5)] })
    expect(verdict).toMatchObject({ go: false, reason: 'budget: pull request #12 used 41.5 of 40 ACUs (budget-per-pr).', raise: 'budget-per-pr', remaining: 0 })
    const exact = judge({ budgetPerDay: 10 }, { 'budget-per-day': [session(['gh-repo:42'], 10)] })
    expect(exact.reason).toBe("budget: this repository's sessions used 10 of 10 ACUs in the last 24 hours (budget-per-day).")
    const issue = judge({ budgetPerPr: 5 }, { 'budget-per-pr': [session(['gh-thread:42#7'], 6)] }, undefined, {
      repoId: '42',
      thread: { number: 7, kind: 'issue' }
    })
    expect(issue.reason).toBe('budget: issue #7 used 6 of 5 ACUs (budget-per-pr).')
  })

  it('skips when less than 1 ACU is left', () => {
    const verdict = judge({ budgetPerUser: 10 }, { 'budget-per-user': [session(['gh-user:42/mona'], 9.25)] })
    expect(verdict).toMatchObject({
      go: false,
      reason: 'budget: sessions caused by Mona used 9.25 of 10 ACUs in the last 24 hours; the 0.75 ACUs left are less than 1 ACU (budget-per-user).',
      raise: 'budget-per-user',
      remaining: 0.75
    })
    // Exactly 1 left is enough for a session of 1 ACU.
    expect(judge({ budgetPerUser: 10 }, { 'budget-per-user': [session(['gh-user:42/mona'], 9)] })).toMatchObject({ go: true, maxAcuLimit: 1, remaining: 0 })
  })

  it('counts a session created exactly 24 hours ago, and not one a second older', () => {
    const tag = 'gh-repo:42'
    const verdict = judge(
      { budgetPerDay: 100 },
      { 'budget-per-day': [session([tag], 3, NOW - DAY), session([tag], 50, NOW - DAY - 1), session([tag], 1, NOW)] }
    )
    expect(verdict.figures[0]).toMatchObject({ used: 4, sessions: 2 })
  })

  it('re-checks tags on the client, counts a session listed twice once, and counts one without a creation time', () => {
    const twice = session(['gh-repo:42'], 5)
    const verdict = judge({ budgetPerDay: 100 }, { 'budget-per-day': [twice, twice, session(['gh-repo:421'], 70), session(['gh-repo:42'], 2, undefined)] })
    expect(verdict.figures[0]).toMatchObject({ used: 7, sessions: 2 })
  })

  it('counts the thread budget over all time, whatever the age', () => {
    const verdict = judge({ budgetPerPr: 10 }, { 'budget-per-pr': [session(['gh-thread:42#12'], 6, NOW - 30 * DAY), session(['gh-thread:42#12'], 2)] })
    expect(verdict).toMatchObject({ go: true, maxAcuLimit: 2 })
  })

  it('fails closed, naming the input, when a session has no ACU figure', () => {
    expect(() => judge({ budgetPerPr: 10 }, { 'budget-per-pr': [session(['gh-thread:42#12'], undefined)] })).toThrow(
      /^budget-per-pr: Devin did not say how many ACUs session devin-\d+ used .*\(spending fails closed\)/
    )
  })

  it('counts live sessions by the session model (working, waiting, finished but not ended) at any age, and skips at the cap', () => {
    const tag = 'gh-repo:42'
    const sessions = [
      session([tag], 1, NOW - 9 * DAY, 'running', 'working'),
      session([tag], 1, NOW, 'running', 'waiting_for_user'),
      session([tag], 1, NOW, 'new'),
      session([tag], 1, NOW, 'exit'),
      session([tag], 1, NOW, 'suspended', 'inactivity'),
      session([tag], 1, NOW, 'error'),
      { ...session([tag], 1), isArchived: true }
    ]
    const verdict = judge({ maxLiveSessions: 3 }, { 'max-live-sessions': sessions })
    expect(verdict).toMatchObject({ go: false, reason: 'budget: this repository has 3 of 3 live sessions (max-live-sessions).', raise: 'max-live-sessions' })
    // The cap alone is no ACU budget: no clamp, no budget-remaining.
    const room = judge({ maxLiveSessions: 4 }, { 'max-live-sessions': sessions }, 12)
    expect(room).toMatchObject({ go: true, maxAcuLimit: 12, remaining: undefined })
    expect(describeFigure(room.figures[0]!)).toBe("this repository's sessions: 3 of 4 live (max-live-sessions)")
  })

  it('keeps whole ACUs of budgets that floating point cannot hold exactly (8.2, 4.1, 33.3)', () => {
    const thread = ['gh-thread:42#12']
    expect(judge({ budgetPerPr: 8.2 }, { 'budget-per-pr': [session(thread, 0.2)] })).toMatchObject({ go: true, maxAcuLimit: 8, remaining: 0 })
    expect(judge({ budgetPerPr: 8.2 }, { 'budget-per-pr': [session(thread, 7.2)] })).toMatchObject({ go: true, maxAcuLimit: 1, remaining: 0 })
    expect(judge({ budgetPerPr: 4.1 }, { 'budget-per-pr': [session(thread, 3.1)] })).toMatchObject({ go: true, maxAcuLimit: 1 })
    expect(judge({ budgetPerPr: 33.3 }, { 'budget-per-pr': [session(thread, 0.3)] })).toMatchObject({ go: true, maxAcuLimit: 33, remaining: 0 })
  })

  it('lets a run that only messages a known session past the cap (it adds no live session), and reserves no limit for it', () => {
    const live = [session(['gh-repo:42'], 1), session(['gh-repo:42', 'gh-thread:42#12'], 12.5)]
    const answers = { 'max-live-sessions': live, 'budget-per-pr': [live[1] as Session] }
    expect(judge({ maxLiveSessions: 2, budgetPerPr: 40 }, answers)).toMatchObject({ go: false })
    const message = judge({ maxLiveSessions: 2, budgetPerPr: 40 }, answers, undefined, PR, false)
    expect(message).toMatchObject({ go: true, remaining: 27.5 })
    expect(message.maxAcuLimit).toBeUndefined()
  })

  it('shows ACUs with at most two decimals, rounded down', () => {
    expect(formatAcus(41.5)).toBe('41.5')
    expect(formatAcus(0.1 + 0.2)).toBe('0.3')
    expect(formatAcus(2.999)).toBe('2.99')
    expect(formatAcus(40)).toBe('40')
  })
})
