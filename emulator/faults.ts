/**
 * Faults injected into chosen requests, to test a client's retry and reconciliation paths:
 * - `drop-before`: close the connection without acting (the request never reached Devin);
 * - `drop-after`: act (e.g. really create the session), then close the connection without answering: the
 *   ambiguous failure that makes blind create retries duplicate sessions;
 * - `status`: answer this status; without acting by default, or after acting with `acted: true` (a 5xx or 429
 *   after the create was committed);
 * - `delay`: act, and answer `ms` milliseconds late, so a client timeout fires;
 * - `answer`: answer a success status with this exact text instead of the real answer (a proxy's HTML page, JSON
 *   cut off, a body without a field the client relies on); without acting by default, or after acting with
 *   `acted: true`.
 * A fault applies to the next `times` matching requests (default 1), oldest fault first.
 */
import { compileMatcher, toRegExp } from './matcher.ts'
import type { RequestMatcher, RequestPattern } from './matcher.ts'

export type FaultKind = 'drop-before' | 'drop-after' | 'status' | 'delay' | 'answer'

interface FaultTarget extends RequestPattern {
  /** How many matching requests this fault applies to; default 1, `Infinity` for all. */
  times?: number
}

export type FaultSpec = FaultTarget &
  (
    | { kind: 'drop-before' }
    | { kind: 'drop-after' }
    | {
        kind: 'status'
        status: number
        /** Sent as the Retry-After header (seconds, or an HTTP date). */
        retryAfter?: number | string
        /** Perform the request's action before answering the error. Default false. */
        acted?: boolean
        /** Replaces the default error body (a ProblemDetail on v3, `{detail}` on v1); a string is sent as text. */
        body?: unknown
      }
    | { kind: 'delay'; ms: number }
    | {
        kind: 'answer'
        /** The body, sent byte for byte. */
        text: string
        /** A success status, 200 to 299. Default 200. */
        status?: number
        /** Default `application/json`, whatever the text is, as a misbehaving proxy or server would send it. */
        contentType?: string
        /** Perform the request's action before answering. Default false. */
        acted?: boolean
      }
  )

export type Fault = FaultSpec & { id: number; remaining: number }

/** Longest delay accepted: a fault must never keep a test (or the server's close) waiting for long. */
export const MAX_DELAY_MS = 120_000

const FIELDS: Record<FaultKind, readonly string[]> = {
  'drop-before': [],
  'drop-after': [],
  status: ['status', 'retryAfter', 'acted', 'body'],
  delay: ['ms'],
  answer: ['text', 'status', 'contentType', 'acted']
}
const COMMON_FIELDS = ['kind', 'method', 'path', 'times']

export class Faults {
  #faults: { fault: Fault; matches: RequestMatcher }[] = []
  #nextId = 1

  /** Registers a fault; throws a TypeError naming the problem when the spec is malformed. */
  add(spec: FaultSpec): Fault {
    checkFaultSpec(spec)
    const fault = { ...spec, id: this.#nextId++, remaining: spec.times ?? 1 } as Fault
    this.#faults.push({ fault, matches: compileMatcher(spec) })
    return { ...fault }
  }

  /** The fault for this request, if one matches; consumes one of its `times`. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => f.matches(method, path))
    const entry = this.#faults[index]
    if (!entry) return undefined
    entry.fault.remaining -= 1
    if (entry.fault.remaining <= 0) this.#faults.splice(index, 1)
    return { ...entry.fault }
  }

  /** Faults not used up yet, oldest first. */
  pending(): Fault[] {
    return this.#faults.map((f) => ({ ...f.fault }))
  }

  remove(id: number): boolean {
    const before = this.#faults.length
    this.#faults = this.#faults.filter((f) => f.fault.id !== id)
    return this.#faults.length !== before
  }

  clear(): void {
    this.#faults = []
  }
}

/** A fault as JSON (for `GET /_emulator/faults`): the path pattern as its regex source. */
export function faultToJson(fault: Fault): Record<string, unknown> {
  const path = fault.path instanceof RegExp ? fault.path.source : fault.path
  return { ...fault, path, remaining: Number.isFinite(fault.remaining) ? fault.remaining : 'Infinity' }
}

export function checkFaultSpec(spec: unknown): asserts spec is FaultSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new TypeError('a fault must be an object')
  const s = spec as Record<string, unknown>
  const kind = s['kind']
  if (typeof kind !== 'string' || !(kind in FIELDS)) {
    throw new TypeError(`fault kind must be one of ${Object.keys(FIELDS).join(', ')}; got ${JSON.stringify(kind)}`)
  }
  const allowed = [...COMMON_FIELDS, ...(FIELDS[kind as FaultKind] ?? [])]
  const unknown = Object.keys(s).filter((k) => !allowed.includes(k))
  if (unknown.length > 0) {
    throw new TypeError(`unknown field(s) ${unknown.join(', ')} for a '${kind}' fault; allowed: ${allowed.join(', ')}`)
  }
  if (s['method'] !== undefined && typeof s['method'] !== 'string') throw new TypeError('fault method must be a string')
  if (s['path'] !== undefined) {
    if (typeof s['path'] !== 'string' && !(s['path'] instanceof RegExp)) {
      throw new TypeError('fault path must be a RegExp or a regular-expression string')
    }
    try {
      toRegExp(s['path'])
    } catch (error) {
      throw new TypeError(`fault path is not a valid regular expression: ${(error as Error).message}`, { cause: error })
    }
  }
  const times = s['times']
  if (times !== undefined && times !== Infinity && !(Number.isInteger(times) && (times as number) > 0)) {
    throw new TypeError(`fault times must be a positive integer or Infinity; got ${String(times)}`)
  }
  if (kind === 'status') {
    const status = s['status']
    if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) {
      throw new TypeError(`a status fault needs an error status from 400 to 599; got ${String(status)}`)
    }
    const retryAfter = s['retryAfter']
    if (retryAfter !== undefined && typeof retryAfter !== 'string' && !(typeof retryAfter === 'number' && retryAfter >= 0)) {
      throw new TypeError('fault retryAfter must be a number of seconds >= 0 or a string')
    }
    if (s['acted'] !== undefined && typeof s['acted'] !== 'boolean') throw new TypeError('fault acted must be a boolean')
  }
  if (kind === 'answer') {
    if (typeof s['text'] !== 'string') throw new TypeError('an answer fault needs text, the body to send')
    const status = s['status']
    if (status !== undefined && (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 299)) {
      throw new TypeError(`an answer fault's status must be a success status from 200 to 299; got ${String(status)}`)
    }
    if (s['contentType'] !== undefined && typeof s['contentType'] !== 'string') throw new TypeError('fault contentType must be a string')
    if (s['acted'] !== undefined && typeof s['acted'] !== 'boolean') throw new TypeError('fault acted must be a boolean')
  }
  if (kind === 'delay') {
    const ms = s['ms']
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS) {
      throw new TypeError(`a delay fault needs ms from 0 to ${MAX_DELAY_MS}; got ${String(ms)}`)
    }
  }
}
