import { describe, expect, it } from 'vitest'
import type { DevinApi } from '../../src/devin/api.js'
import { endSession } from '../../src/devin/end.js'
import { DevinApiError } from '../../src/devin/errors.js'
import type { Session } from '../../src/devin/session.js'

const SESSION: Session = { id: 'devin-1', url: 'https://app.devin.ai/sessions/devin-1', status: 'running', tags: [], pullRequests: [], isArchived: false }
const OUTAGE = new DevinApiError("Devin's API failed when trying to end session devin-1 (HTTP 503).", { status: 503, reached: 'maybe', attempts: 8 })

/** A Devin whose end request answers `terminate` and whose read answers `after`. */
function devin(terminate: () => Promise<Session | undefined>, after: () => Promise<Session>) {
  const calls: string[] = []
  const api = {
    terminate: async () => (calls.push('DELETE'), terminate()),
    get: async () => (calls.push('GET'), after())
  } as unknown as DevinApi
  return { api, calls }
}

describe('endSession', () => {
  it('takes the ended session from the answer, without reading it again', async () => {
    const { api, calls } = devin(
      async () => ({ ...SESSION, status: 'exit' }),
      async () => SESSION
    )
    expect(await endSession(api, 'devin-1', 0)).toEqual({ session: { ...SESSION, status: 'exit' } })
    expect(calls).toEqual(['DELETE'])
  })

  it('reads the session once more when the answer has none (v1)', async () => {
    const { api, calls } = devin(
      async () => undefined,
      async () => ({ ...SESSION, status: 'exit' })
    )
    expect(await endSession(api, 'devin-1', 0)).toEqual({ session: { ...SESSION, status: 'exit' } })
    expect(calls).toEqual(['DELETE', 'GET'])
  })

  it('counts a failed end as done when reading again shows the session ended, and says what failed', async () => {
    const { api } = devin(
      () => Promise.reject(OUTAGE),
      async () => ({ ...SESSION, status: 'exit' })
    )
    // A 503 after 8 attempts may have ended it itself: not "already stopped".
    expect(await endSession(api, 'devin-1', 0)).toEqual({ session: { ...SESSION, status: 'exit' }, failedButEnded: OUTAGE.message, alreadyStopped: false })
  })

  it('tells a session that had stopped before (refused at once) from one this request ended (refused on a retry)', async () => {
    const exited = async () => ({ ...SESSION, status: 'exit' })
    const atOnce = new DevinApiError('Devin session already exited', { status: 400, reached: 'no', attempts: 1 })
    expect((await endSession(devin(() => Promise.reject(atOnce), exited).api, 'devin-1', 0)).alreadyStopped).toBe(true)
    // The first attempt's answer was lost, the retry heard "already exited": the first attempt ended it.
    const onRetry = new DevinApiError('Devin session already exited', { status: 400, reached: 'no', attempts: 2 })
    expect((await endSession(devin(() => Promise.reject(onRetry), exited).api, 'devin-1', 0)).alreadyStopped).toBe(false)
  })

  it('keeps the failure when the session still runs, or cannot be read either', async () => {
    await expect(
      endSession(
        devin(
          () => Promise.reject(OUTAGE),
          async () => SESSION
        ).api,
        'devin-1',
        0
      )
    ).rejects.toBe(OUTAGE)
    await expect(
      endSession(
        devin(
          () => Promise.reject(OUTAGE),
          () => Promise.reject(new Error('read failed'))
        ).api,
        'devin-1',
        0
      )
    ).rejects.toBe(OUTAGE)
  })
})
