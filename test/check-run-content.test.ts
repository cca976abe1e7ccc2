import { describe, expect, it } from 'vitest'
import type { Session } from '../src/devin/session.js'
import { checkConclusion } from '../src/policy/check-conclusion.js'
import { MAX_CHECK_SUMMARY, checkRunContent } from '../src/report/check-run.js'

const session: Session = { id: 'devin-1', url: 'https://app.devin.ai/sessions/devin-1', status: 'running', tags: [], pullRequests: [], isArchived: false }
const stale = { askedSha: 'a'.repeat(40), headSha: 'b'.repeat(40), stale: true }

describe('the check run of a session', () => {
  it("maps outcomes to the contract's conclusions", () => {
    expect(checkConclusion({ outcome: 'finished' })).toBe('success')
    expect(checkConclusion({ outcome: 'blocked' })).toBe('action_required')
    expect(checkConclusion({ outcome: 'error' })).toBe('failure')
    expect(checkConclusion({ outcome: 'suspended' })).toBe('failure')
    expect(checkConclusion({ outcome: 'timeout' })).toBe('timed_out')
    expect(checkConclusion({ outcome: 'exited' })).toBe('neutral')
    expect(checkConclusion({ outcome: 'finished', stale })).toBe('neutral')
    expect(checkConclusion({ outcome: 'blocked', stale })).toBe('neutral')
    expect(checkConclusion({ outcome: 'error', stale })).toBe('failure')
    expect(checkConclusion({ outcome: 'running' })).toBeUndefined()
    expect(checkConclusion({ outcome: 'skipped', budget: { go: false, figures: [] } as never })).toBe('skipped')
    // A gate skip or a dry run has no check run to conclude.
    expect(checkConclusion({ outcome: 'skipped' })).toBeUndefined()
    expect(checkConclusion({ outcome: 'dry-run' })).toBeUndefined()
  })

  it('is in progress while Devin works, and completed with the job summary as its summary once the outcome is known', () => {
    expect(checkRunContent({ outcome: 'running', session })).toMatchObject({ status: 'in_progress', title: 'Devin is working' })
    expect(checkRunContent({ outcome: 'running', session }).conclusion).toBeUndefined()
    const done = checkRunContent({ outcome: 'finished', session: { ...session, statusDetail: 'finished' } })
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', title: 'Devin finished' })
    expect(done.summary).toContain('| Session | [devin-1](https://app.devin.ai/sessions/devin-1) |')
    expect(checkRunContent({ outcome: 'finished', session, stale }).title).toBe('The pull request moved past the commit Devin was asked about')
  })

  it("cuts a summary past GitHub's 65,535 characters, with a note", () => {
    const huge = checkRunContent({ outcome: 'finished', session: { ...session, structuredOutput: { notes: 'x\n'.repeat(60_000) } } })
    expect(huge.summary.length).toBeLessThanOrEqual(MAX_CHECK_SUMMARY)
    expect(huge.summary).toMatch(/_… cut to fit the check run; the job summary has all of it\._\n$/)
  })
})
