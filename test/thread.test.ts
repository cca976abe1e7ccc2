import { describe, expect, it } from 'vitest'
import type { Session } from '../src/devin/session.js'
import { headOfSession, liveThreadSessions, routeThread } from '../src/policy/thread.js'

const OLD = 'a'.repeat(40)
const NEW = 'b'.repeat(40)

function session(id: string, overrides: Partial<Session> = {}): Session {
  return {
    id,
    url: `https://app.devin.ai/sessions/${id}`,
    status: 'running',
    statusDetail: 'working',
    tags: [],
    pullRequests: [],
    isArchived: false,
    createdAt: 100,
    ...overrides
  }
}

describe('one conversation per thread: routing', () => {
  it('picks the newest live session, by created_at then id, so runs reading one list agree', () => {
    const listed = [
      session('devin-a', { createdAt: 100 }),
      session('devin-c', { createdAt: 200 }),
      session('devin-b', { createdAt: 200 }),
      session('devin-z', { createdAt: 300, status: 'exit' }),
      session('devin-y', { createdAt: 300, status: 'suspended', statusDetail: 'inactivity' }),
      session('devin-x', { createdAt: 300, isArchived: true })
    ]
    expect(liveThreadSessions(listed).map((s) => s.id)).toEqual(['devin-c', 'devin-b', 'devin-a'])
    expect(routeThread({ kind: 'follow-up', choice: 'message' }, listed)).toEqual({ kind: 'message', session: listed[1] })
    // Finished and waiting sessions are live: a message continues them.
    const waiting = session('devin-w', { statusDetail: 'waiting_for_user' })
    expect(routeThread({ kind: 'follow-up', choice: 'message' }, [waiting])).toEqual({ kind: 'message', session: waiting })
  })

  it('opens when nothing is live or the choice is new', () => {
    expect(routeThread({ kind: 'follow-up', choice: 'message' }, [session('devin-e', { status: 'error' })])).toEqual({ kind: 'open' })
    expect(routeThread({ kind: 'follow-up', choice: 'new' }, [session('devin-a')])).toEqual({ kind: 'open' })
    expect(routeThread({ kind: 'new-commits', choice: 'new', headSha: NEW }, [session('devin-a')])).toEqual({ kind: 'open' })
  })

  it('restart ends only live sessions whose gh-sha tag names another head', () => {
    const old = session('devin-old', { tags: [`gh-sha:${OLD}`] })
    const current = session('devin-current', { tags: [`gh-sha:${NEW}`] })
    const unknown = session('devin-unknown', { tags: ['gh-sha:not-a-sha'] })
    const stopped = session('devin-stopped', { tags: [`gh-sha:${OLD}`], status: 'exit' })
    expect(routeThread({ kind: 'new-commits', choice: 'restart', headSha: NEW.toUpperCase() }, [old, unknown, stopped])).toEqual({
      kind: 'restart',
      end: [old]
    })
    // The new head already has a live session: it is the one; the older ones still end.
    expect(routeThread({ kind: 'new-commits', choice: 'restart', headSha: NEW }, [old, current])).toEqual({ kind: 'current', session: current, end: [old] })
    expect(headOfSession(unknown)).toBeUndefined()
    expect(headOfSession(old)).toBe(OLD)
  })
})
