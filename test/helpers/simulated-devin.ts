import type { Created, DevinApi } from '../../src/devin/api.js'
import type { Clock } from '../../src/devin/http.js'
import type { Session } from '../../src/devin/session.js'

/**
 * Devin and the runs talking to it, simulated on one virtual clock, so races between runs play out the
 * same way every time. Each request reaches the server `toServerMs` after it is sent and is answered
 * `toClientMs` after that; the list shows a session only `lagMs` after its creation, as an eventually
 * consistent index does. Time moves only from one scheduled event to the next.
 */
export class SimulatedDevin {
  now = 1_700_000_000_000
  readonly sessions: { id: string; createdMs: number; tags: string[]; status: string }[] = []
  #events: { at: number; seq: number; fire: () => void }[] = []
  #seq = 0

  constructor(readonly lagMs: number) {}

  readonly clock: Clock = {
    now: () => this.now,
    sleep: (ms) => new Promise((resolve) => this.#schedule(this.now + ms, resolve))
  }

  /**
   * The API as one run sees it. Its creates make sessions with the given ids, in order; `latency`
   * chooses each request's delays (the nth request of the run, counting from 0).
   */
  api(ids: string[], latency: (op: string, nth: number) => { toServerMs: number; toClientMs: number } = () => ({ toServerMs: 50, toClientMs: 50 })): DevinApi {
    let nth = 0
    const call = <T>(op: string, act: () => T): Promise<T> => {
      const { toServerMs, toClientMs } = latency(op, nth++)
      return new Promise((resolve) => {
        this.#schedule(this.now + toServerMs, () => {
          const result = act()
          this.#schedule(this.now + toClientMs, () => resolve(result))
        })
      })
    }
    const view = (s: SimulatedDevin['sessions'][number]): Session => ({
      id: s.id,
      url: `https://app.devin.ai/sessions/${s.id}`,
      status: s.status,
      tags: [...s.tags],
      createdAt: Math.floor(s.createdMs / 1_000),
      pullRequests: [],
      isArchived: false
    })
    const find = (id: string) => {
      const found = this.sessions.find((s) => s.id === id)
      if (found === undefined) throw new Error(`no session ${id}`)
      return found
    }
    return {
      version: 'v3',
      orgId: 'org-sim',
      describeCreate: () => {
        throw new Error('not simulated')
      },
      create: (request) =>
        call('create', (): Created => {
          const id = ids.shift()
          if (id === undefined) throw new Error('the run created more sessions than the test gave ids for')
          const session = { id, createdMs: this.now, tags: [...request.tags], status: 'new' }
          this.sessions.push(session)
          return { session: view(session), isNew: true }
        }),
      get: (id) => call('get', () => view(find(id))),
      listByTag: (tag) => call('list', () => this.sessions.filter((s) => s.tags.includes(tag) && s.createdMs <= this.now - this.lagMs).map(view)),
      // The races simulated here are those of opening a session; no run of them reads messages.
      listMessages: () => {
        throw new Error('not simulated')
      },
      sendMessage: (id) => call('message', () => view(find(id))),
      terminate: (id) =>
        call('terminate', () => {
          const session = find(id)
          session.status = 'exit'
          return view(session)
        }),
      // Nor does any upload an attachment.
      uploadAttachment: () => {
        throw new Error('not simulated')
      }
    }
  }

  /** Starts `body` at virtual time `at` (ms after the start). */
  start<T>(atMs: number, body: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => this.#schedule(this.now + atMs, () => body().then(resolve, reject)))
  }

  /** Runs every scheduled event in time order until none is left. */
  async run(): Promise<void> {
    for (;;) {
      // Let the runs react to what the last event resolved before time moves on.
      await new Promise((resolve) => setImmediate(resolve))
      this.#events.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.#events.shift()
      if (next === undefined) return
      this.now = Math.max(this.now, next.at)
      next.fire()
    }
  }

  #schedule(at: number, fire: () => void): void {
    this.#events.push({ at, seq: this.#seq++, fire })
  }
}
