import { type Redactor, createRedactor } from '../report/redact.js'
import { DevinApiError, type Operation, type Reached, describeHttpFailure, errorText } from './errors.js'

/** Time, passed in so tests drive retries and waits without real sleeping. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export interface HttpDeps {
  fetch: typeof globalThis.fetch
  clock: Clock
  /** A number in [0, 1), for backoff jitter. */
  random(): number
  debug(message: string): void
}

export interface HttpConfig {
  baseUrl: string
  apiKey: string
  requestTimeoutMs: number
  /** The run's other secrets (GitHub token, session secret values), redacted from error answers like the key. */
  secrets?: readonly string[]
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>

export interface RequestSpec<T = unknown> {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  query?: Query
  body?: unknown
  /** A multipart/form-data body (a file upload), sent instead of `body`; fetch writes its content type and boundary. */
  form?: FormData
  operation: Operation
  /**
   * `safe`: retried after any transient failure (reads, where a repeat does no harm).
   * `unsafe`: retried only when it certainly never reached Devin; the caller reconciles anything else.
   */
  retry: 'safe' | 'unsafe'
  /** Epoch ms after which no new attempt starts. */
  deadline: number
  /**
   * Turns a success answer into what the caller needs, throwing when it cannot (an HTML page from a
   * proxy, JSON cut off, a body without the fields the caller relies on). Such an answer is retried
   * like a 5xx, never taken for the caller's data.
   */
  read?: (body: unknown) => T
  /** At most this many attempts (never more than the built-in bound); a caller that polls retries by itself. */
  attempts?: number
}

const BACKOFF_BASE_MS = 1_000
const BACKOFF_CAP_MS = 30_000
/** A hard bound on attempts, whatever the deadline. */
const MAX_ATTEMPTS = 8
/** Connection errors that mean the request was never delivered. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

/** Exponential backoff with full jitter: a random pause up to base·2^(attempt-1), capped. */
export function backoffDelay(attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)))
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1_000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

interface AttemptFailure {
  message: string
  status?: number
  reached: Reached
  /** Whether another attempt could succeed. */
  transient: boolean
  retryAfterMs?: number
  detail?: string
}

/**
 * The one way the action talks to Devin: base URL, bearer auth, a per-request timeout, retries with
 * exponential backoff and full jitter that honour Retry-After and stop at a deadline, and the mapping
 * of every failure to a message that says what to fix.
 */
export class DevinHttp {
  /** Applied to an error answer as it arrives, before any of it is clipped into a message. */
  private readonly redactor: Redactor

  constructor(
    private readonly config: HttpConfig,
    private readonly deps: HttpDeps
  ) {
    this.redactor = createRedactor([config.apiKey, ...(config.secrets ?? [])])
  }

  get baseUrl(): string {
    return this.config.baseUrl
  }

  /** The full URL of a path with its query (repeated keys for lists, as Devin's list endpoints take them). */
  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.config.baseUrl}${path}`)
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item)
      else url.searchParams.append(key, String(value))
    }
    return url.toString()
  }

  async request<T>(spec: RequestSpec<T>): Promise<T> {
    const { clock } = this.deps
    const attempts = Math.min(spec.attempts ?? MAX_ATTEMPTS, MAX_ATTEMPTS)
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(spec)
      if (outcome.ok) return outcome.body as T
      const failure = outcome.failure
      const retryable = failure.transient && (spec.retry === 'safe' || failure.reached === 'no')
      const delay = Math.max(backoffDelay(attempt, this.deps.random), failure.retryAfterMs ?? 0)
      if (!retryable || attempt >= attempts || clock.now() + delay >= spec.deadline) {
        const tries = attempt > 1 ? ` (gave up after ${attempt} attempts)` : ''
        throw new DevinApiError(`${failure.message}${failure.transient ? tries : ''}`, {
          status: failure.status,
          reached: failure.reached,
          attempts: attempt,
          retryAfterMs: failure.retryAfterMs,
          detail: failure.detail
        })
      }
      this.deps.debug(`Retrying ${spec.method} ${spec.path} in ${delay} ms (attempt ${attempt} failed: ${failure.status ?? failure.reached})`)
      await clock.sleep(delay)
    }
  }

  private async attempt<T>(spec: RequestSpec<T>): Promise<{ ok: true; body: unknown } | { ok: false; failure: AttemptFailure }> {
    const { clock } = this.deps
    const started = clock.now()
    // Never wait on one request much past the deadline, but give it at least a second to finish.
    const timeoutMs = Math.min(this.config.requestTimeoutMs, Math.max(1_000, spec.deadline - started))
    const payload = await encodeBody(spec)
    let response: Response
    try {
      response = await this.deps.fetch(this.url(spec.path, spec.query), {
        method: spec.method,
        headers: {
          authorization: `Bearer ${this.config.apiKey}`,
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': payload.contentType } : {}),
          'user-agent': 'devin-session-action'
        },
        body: payload?.body,
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (error) {
      return { ok: false, failure: this.networkFailure(error, spec.operation, timeoutMs) }
    }

    let body: unknown
    try {
      body = parseBody(await response.text())
    } catch (error) {
      // The answer was cut off: the request got there, but what it did is unknown.
      const failure = this.networkFailure(error, spec.operation, timeoutMs)
      return { ok: false, failure: { ...failure, reached: 'maybe' } }
    }
    this.deps.debug(`${spec.method} ${spec.path} -> ${response.status} (${clock.now() - started} ms)`)
    if (response.ok) {
      if (spec.read === undefined) return { ok: true, body }
      try {
        return { ok: true, body: spec.read(body) }
      } catch {
        return {
          ok: false,
          failure: {
            message: `Devin's API answered HTTP ${response.status} with ${answerKind(body)} when trying to ${spec.operation.description}, not the JSON the action expects. A proxy or a passing fault can cause this; if it goes on, check api-url.`,
            status: response.status,
            reached: 'maybe',
            transient: true
          }
        }
      }
    }

    const status = response.status
    const transient = status === 429 || status >= 500
    // Redacted whole, before the message clips and reflows it: a clipped or re-spaced secret is no longer found.
    const redacted = this.redactor.deep(body)
    return {
      ok: false,
      failure: {
        message: describeHttpFailure(status, redacted, spec.operation),
        detail: errorText(redacted),
        status,
        // A refusal (4xx but 429) means nothing was done; 429 and 5xx may hide a completed action.
        reached: transient ? 'maybe' : 'no',
        transient,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), clock.now())
      }
    }
  }

  private networkFailure(error: unknown, operation: Operation, timeoutMs: number): AttemptFailure {
    const name = error instanceof Error ? error.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      return {
        message: `Devin did not answer within ${Number((timeoutMs / 1_000).toFixed(1))}s when trying to ${operation.description}.`,
        reached: 'maybe',
        transient: true
      }
    }
    const code = errorCode(error)
    const origin = new URL(this.config.baseUrl).origin
    if (error instanceof TypeError && error.cause === undefined) {
      // fetch refused to build the request (e.g. a header it cannot encode): nothing left the runner.
      return { message: `Could not send the request to ${operation.description}: ${error.message}.`, reached: 'no', transient: false }
    }
    if (code !== undefined && NOT_DELIVERED.has(code)) {
      return {
        message: `Could not connect to the Devin API at ${origin} to ${operation.description} (${code}). Check api-url and that the runner can reach it.`,
        reached: 'no',
        transient: true
      }
    }
    return {
      message: `The connection to the Devin API at ${origin} broke while trying to ${operation.description} (${code ?? 'connection error'}).`,
      reached: 'maybe',
      transient: true
    }
  }
}

/**
 * The body as bytes with its content type: JSON, or a form encoded by the platform's own multipart encoder. A form
 * is encoded up front, whole, so every attempt sends the same bytes with the same boundary and any fetch (or test
 * double) sees a plain body.
 */
async function encodeBody(spec: RequestSpec<unknown>): Promise<{ body: string | Uint8Array; contentType: string } | undefined> {
  if (spec.form !== undefined) {
    const encoded = new Response(spec.form)
    return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' }
  }
  return spec.body !== undefined ? { body: JSON.stringify(spec.body), contentType: 'application/json' } : undefined
}

/** What an unreadable success answer was, in a few words (its content is not repeated: it may be large, or echo anything). */
function answerKind(body: unknown): string {
  if (body === null) return 'an empty body'
  if (typeof body === 'string') return /^\s*</.test(body) ? 'an HTML page' : 'text that is not JSON (or JSON cut off)'
  return 'JSON without the expected fields'
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The system error code behind a fetch failure (undici puts it on `cause`). */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
