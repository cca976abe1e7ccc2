/**
 * Every API request the emulator received, in arrival order, for tests to assert on what a client sent.
 * The Authorization value is masked before it is stored: the log is printed and served over HTTP.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { compileMatcher } from './matcher.ts'
import type { FaultKind } from './faults.ts'

export interface RecordedRequest {
  method: string
  /** The path without the query string. */
  path: string
  /** Every query parameter as the list of its values (`tags=a&tags=b` → `{tags: ['a', 'b']}`). */
  query: Record<string, string[]>
  headers: Record<string, string | string[]>
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown
  /** When it arrived, in milliseconds (the emulator's clock). */
  at: number
  /** The status answered; absent while pending and when the connection was dropped. */
  status?: number
  /** The fault injected into this request, if any. */
  fault?: FaultKind
}

export type NewRequest = Omit<RecordedRequest, 'at' | 'headers' | 'query'> & {
  headers: IncomingHttpHeaders
  query: URLSearchParams
}

export class RequestLog {
  readonly #now: () => number
  #entries: RecordedRequest[] = []

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Stores the request and returns the live entry, so the server can fill in `status` and `fault` later. */
  record(request: NewRequest): RecordedRequest {
    const entry: RecordedRequest = {
      ...request,
      query: queryRecord(request.query),
      headers: maskHeaders(request.headers),
      at: this.#now()
    }
    this.#entries.push(entry)
    return entry
  }

  get length(): number {
    return this.#entries.length
  }

  /** Copies of every entry, oldest first. */
  all(): RecordedRequest[] {
    return this.#entries.map((e) => structuredClone(e))
  }

  /** Entries with this method (any if undefined) whose path matches `path` (a RegExp or a regex source). */
  filter(method?: string, path?: RegExp | string): RecordedRequest[] {
    const matches = compileMatcher({ method, path })
    return this.all().filter((e) => matches(e.method, e.path))
  }

  count(method?: string, path?: RegExp | string): number {
    return this.filter(method, path).length
  }

  last(method?: string, path?: RegExp | string): RecordedRequest | undefined {
    return this.filter(method, path).at(-1)
  }

  clear(): void {
    this.#entries = []
  }
}

function queryRecord(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [key, value] of params) (out[key] ??= []).push(value)
  return out
}

function maskHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    // Show that a bearer token was sent, never the token (nor a malformed value, which may be a bare key).
    out[name] = name === 'authorization' ? (/^Bearer\s/i.test(String(value)) ? 'Bearer ***' : '***') : value
  }
  return out
}
