/**
 * The emulator's in-memory Devin: sessions, their messages and their scripted lifecycle, with no HTTP in sight,
 * so tests can drive it directly. One store serves every API version: v1, v3beta1 and v3 are views of the same
 * sessions, as on the real service. Every method returns copies; mutate only through the methods.
 */
import { ReviewStore } from './reviews.ts'
import { randomBytes } from 'node:crypto'
import { EMULATED_REPO } from './lifecycle.ts'
import type { LifecycleState, PullRequest, Scenario } from './lifecycle.ts'

export type ApiVersion = 'v1' | 'v3beta1' | 'v3'

export interface SessionMessage {
  event_id: string
  source: 'devin' | 'user'
  message: string
  /** Epoch seconds. */
  created_at: number
}

export interface Session {
  /** `devin-<32 hex>`. */
  session_id: string
  url: string
  status: string
  status_detail: string | null
  tags: string[]
  /** Epoch seconds. */
  created_at: number
  /** Epoch seconds. */
  updated_at: number
  acus_consumed: number
  pull_requests: PullRequest[]
  structured_output: Record<string, unknown> | null
  title: string | null
  org_id: string
  is_archived: boolean
  /** Chronological; the prompt is the first user message. */
  messages: SessionMessage[]
  /** The create request body exactly as received. */
  body: Record<string, unknown>
  /** The API version the session was created through. */
  api_version: ApiVersion
  scenario: string
  /** The scripted states still to come are `script[step + 1 ..]`. */
  script: readonly LifecycleState[]
  step: number
  /** The script that replaces the rest of `script` when a user message arrives (the scenario's `afterMessage`). */
  afterMessage: readonly LifecycleState[]
  /** Set by terminate: the script no longer advances. */
  terminated: boolean
  /** Creation time in milliseconds, for the list visibility lag (epoch seconds are too coarse). */
  created_at_ms: number
  /** Creation order; breaks ties between sessions created in the same second. */
  seq: number
}

/** A file uploaded as an attachment, as the emulator received it. */
export interface Attachment {
  attachment_id: string
  /** The file name the upload gave. */
  name: string
  content_type: string
  /** The bytes exactly as received. */
  bytes: Uint8Array
  url: string
  api_version: ApiVersion
  /** Epoch seconds. */
  created_at: number
}

export interface CreateInput {
  apiVersion: ApiVersion
  /** The request body; `prompt` must be a string, `tags` and `title` are read when present. */
  body: Record<string, unknown>
  scenario: Scenario
}

/** A session put in the store as it stands, not created through the API: what a test or a benchmark starts from. */
export interface SeedInput {
  tags?: readonly string[]
  /** Default 0. */
  acus_consumed?: number
  /** Epoch seconds; default now. */
  created_at?: number
  /** Default running/working: a live session. */
  status?: string
  status_detail?: string | null
  is_archived?: boolean
  title?: string
}

export interface ListQuery {
  /** Sessions that carry ALL of these tags (exact match). */
  tags?: readonly string[]
  sessionIds?: readonly string[]
  isArchived?: boolean
  /** Epoch seconds, inclusive. */
  createdAfter?: number
  /** Epoch seconds, inclusive. */
  createdBefore?: number
}

export interface PageQuery {
  /** Page size, 1..200; default 100 (as the v3 spec). */
  first?: number
  /** The previous page's `end_cursor`. */
  after?: string | null
}

export interface Page<T> {
  items: T[]
  end_cursor: string | null
  has_next_page: boolean
  total: number
}

export type StoreErrorCode = 'not_found' | 'already_exited' | 'invalid_cursor' | 'invalid_argument'

/** A refusal by the model; the server maps `code` to an HTTP status. */
export class StoreError extends Error {
  readonly code: StoreErrorCode
  constructor(code: StoreErrorCode, message: string) {
    super(message)
    this.name = 'StoreError'
    this.code = code
  }
}

export interface StoreOptions {
  orgId: string
  /** Milliseconds since the epoch; injectable so tests control time without sleeping. */
  now?: () => number
  /** How long a new session stays invisible to list queries, like an eventually consistent index. */
  listLagMs?: number
}

export const MAX_PAGE_SIZE = 200
export const DEFAULT_PAGE_SIZE = 100

/** Statuses after which a session can do nothing more. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['exit', 'error'])

export class Store {
  readonly orgId: string
  readonly now: () => number
  #listLagMs = 0
  #sessions = new Map<string, Session>()
  #attachments: Attachment[] = []
  #seq = 0
  /** Devin Review's reviews (reviews.ts). */
  readonly reviews: ReviewStore

  constructor(options: StoreOptions) {
    this.orgId = options.orgId
    this.now = options.now ?? Date.now
    this.reviews = new ReviewStore(this.now)
    this.listLagMs = options.listLagMs ?? 0
  }

  get listLagMs(): number {
    return this.#listLagMs
  }

  set listLagMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new StoreError('invalid_argument', `listLagMs must be >= 0, got ${ms}`)
    this.#listLagMs = ms
  }

  get size(): number {
    return this.#sessions.size
  }

  create(input: CreateInput): Session {
    const { body, scenario } = input
    const prompt = body['prompt']
    if (typeof prompt !== 'string') throw new StoreError('invalid_argument', 'body.prompt must be a string')
    const first = scenario.states[0]
    if (first === undefined) throw new StoreError('invalid_argument', `scenario ${scenario.name} has no states`)
    const nowMs = this.now()
    const nowSec = toSeconds(nowMs)
    const id = `devin-${randomBytes(16).toString('hex')}`
    const title = typeof body['title'] === 'string' ? body['title'] : null
    const session: Session = {
      session_id: id,
      url: `https://app.devin.ai/sessions/${id}`,
      status: first.status,
      status_detail: first.status_detail,
      tags: stringArray(body['tags']),
      created_at: nowSec,
      updated_at: nowSec,
      acus_consumed: 0,
      pull_requests: [],
      structured_output: null,
      // The real service generates a title when none is given; a recognisable one is enough here.
      title: title ?? `Emulated: ${prompt.slice(0, 60)}`,
      org_id: this.orgId,
      is_archived: false,
      messages: [newMessage('user', prompt, nowSec)],
      body: structuredClone(body),
      api_version: input.apiVersion,
      scenario: scenario.name,
      script: scenario.states,
      step: 0,
      afterMessage: scenario.afterMessage,
      terminated: false,
      created_at_ms: nowMs,
      seq: ++this.#seq
    }
    applyState(session, first, nowSec)
    this.#sessions.set(id, session)
    return snapshot(session)
  }

  /**
   * Puts sessions in the store as they stand (tags, ACUs used, creation time, status), outside any scenario:
   * they stay as seeded, and a message to one is recorded without changing it. Visible to lists at once,
   * whatever the list lag, since they are meant to be old. Returns them in the order given.
   */
  seed(inputs: readonly SeedInput[]): Session[] {
    const nowSec = toSeconds(this.now())
    return inputs.map((input) => {
      const acus = input.acus_consumed ?? 0
      if (!Number.isFinite(acus) || acus < 0) throw new StoreError('invalid_argument', `acus_consumed must be a number >= 0, got ${acus}`)
      const createdAt = input.created_at ?? nowSec
      if (!Number.isInteger(createdAt) || createdAt < 0) throw new StoreError('invalid_argument', `created_at must be epoch seconds, got ${createdAt}`)
      const id = `devin-${randomBytes(16).toString('hex')}`
      const state: LifecycleState = { status: input.status ?? 'running', status_detail: input.status_detail === undefined ? 'working' : input.status_detail }
      const title = input.title ?? 'Seeded session'
      const session: Session = {
        session_id: id,
        url: `https://app.devin.ai/sessions/${id}`,
        status: state.status,
        status_detail: state.status_detail,
        tags: stringArray(input.tags),
        created_at: createdAt,
        updated_at: createdAt,
        acus_consumed: acus,
        pull_requests: [],
        structured_output: null,
        title,
        org_id: this.orgId,
        is_archived: input.is_archived ?? false,
        messages: [newMessage('user', title, createdAt)],
        body: { prompt: title, tags: stringArray(input.tags) },
        api_version: 'v3',
        scenario: 'seeded',
        script: [state],
        step: 0,
        afterMessage: [],
        terminated: false,
        // Listed at once: a seeded session stands for one created long ago.
        created_at_ms: 0,
        seq: ++this.#seq
      }
      this.#sessions.set(id, session)
      return snapshot(session)
    })
  }

  get(id: string): Session {
    return snapshot(this.#require(id))
  }

  /** Moves the session one scripted state further (the server calls it once per GET); stays at the last state. */
  advance(id: string): Session {
    const session = this.#require(id)
    const next = session.script[session.step + 1]
    if (!session.terminated && next !== undefined) {
      session.step += 1
      applyState(session, next, toSeconds(this.now()))
    }
    return snapshot(session)
  }

  /** Puts the session in `state` at once, outside its script (tests force transitions with it). */
  apply(id: string, state: LifecycleState): Session {
    const session = this.#require(id)
    applyState(session, state, toSeconds(this.now()))
    return snapshot(session)
  }

  /** Every visible session matching `query`, newest first; `range` keeps `limit` of them from `offset` on (v1's paging). */
  query(query: ListQuery = {}, range?: { offset: number; limit: number }): Session[] {
    const all = this.#matching(query)
    return (range === undefined ? all : all.slice(range.offset, range.offset + range.limit)).map(snapshot)
  }

  /** The stored sessions matching `query`, newest first, not copied: only what is returned gets copied. */
  #matching(query: ListQuery): Session[] {
    const visibleBefore = this.now() - this.#listLagMs
    const ids = query.sessionIds ? new Set(query.sessionIds) : undefined
    const wanted = query.tags ?? []
    const found: Session[] = []
    for (const s of this.#sessions.values()) {
      // Without a lag, skip the time check: a test clock that is set backwards must not hide sessions.
      if (this.#listLagMs > 0 && s.created_at_ms > visibleBefore) continue
      if (ids && !ids.has(s.session_id)) continue
      if (!wanted.every((t) => s.tags.includes(t))) continue
      if (query.isArchived !== undefined && s.is_archived !== query.isArchived) continue
      if (query.createdAfter !== undefined && s.created_at < query.createdAfter) continue
      if (query.createdBefore !== undefined && s.created_at > query.createdBefore) continue
      found.push(s)
    }
    return found.sort((a, b) => b.seq - a.seq)
  }

  /** One page of `query`, newest first; `after` is the previous page's `end_cursor`. */
  list(query: ListQuery & PageQuery = {}): Page<Session> {
    const first = pageSize(query.first)
    const all = this.#matching(query)
    let start = 0
    if (query.after) {
      const afterSeq = decodeCursor(query.after, 's')
      // Sessions are sorted by descending seq: the page starts at the first one older than the cursor.
      start = all.findIndex((s) => s.seq < afterSeq)
      if (start < 0) start = all.length
    }
    const items = all.slice(start, start + first)
    const hasNext = start + first < all.length
    const last = items[items.length - 1]
    return {
      items: items.map(snapshot),
      end_cursor: hasNext && last ? encodeCursor('s', last.seq) : null,
      has_next_page: hasNext,
      total: all.length
    }
  }

  /**
   * A live session created with the same prompt (v1 `idempotent: true`). The real rule is undocumented
   * (devin-api.md §2); "returns existing session if one with same prompt exists" is what community code reports, so
   * the emulator matches on the prompt alone, tags and all else aside: a client that sends `idempotent` for requests
   * that only share a prompt gets them joined, as it might on the real service.
   */
  findReusable(prompt: string): Session | undefined {
    let best: Session | undefined
    for (const s of this.#sessions.values()) {
      if (FINAL_STATUSES.has(s.status) || s.messages[0]?.message !== prompt) continue
      if (!best || s.seq > best.seq) best = s
    }
    return best && snapshot(best)
  }

  /**
   * Records a user message. On a live session Devin takes it up: a suspended session resumes, and the session
   * follows its scenario's `afterMessage` script from then on. An exited session refuses.
   */
  sendMessage(id: string, text: string): Session {
    const session = this.#require(id)
    if (session.status === 'exit') throw new StoreError('already_exited', 'Devin session already exited')
    const nowSec = toSeconds(this.now())
    session.messages.push(newMessage('user', text, nowSec))
    const first = session.afterMessage[0]
    if (first !== undefined) {
      session.script = session.afterMessage
      session.step = 0
      applyState(session, first, nowSec)
    }
    session.updated_at = nowSec
    return snapshot(session)
  }

  /** The session's messages in chronological order, one page at a time. */
  messages(id: string, page: PageQuery = {}): Page<SessionMessage> {
    const all = this.#require(id).messages
    const first = pageSize(page.first)
    const start = page.after ? decodeCursor(page.after, 'm') + 1 : 0
    const items = all.slice(start, start + first)
    const hasNext = start + first < all.length
    return {
      items: items.map((m) => ({ ...m })),
      end_cursor: hasNext ? encodeCursor('m', start + items.length - 1) : null,
      has_next_page: hasNext,
      total: all.length
    }
  }

  /** Ends the session for good (status `exit`); a second terminate is refused as on the real API. */
  terminate(id: string, options: { archive?: boolean } = {}): Session {
    const session = this.#require(id)
    if (session.status === 'exit') throw new StoreError('already_exited', 'Devin session already exited')
    session.status = 'exit'
    session.status_detail = null
    session.terminated = true
    if (options.archive) session.is_archived = true
    session.updated_at = toSeconds(this.now())
    return snapshot(session)
  }

  /** Keeps an uploaded file and returns it with its id and URL (where a session is pointed to it). */
  upload(input: { name: string; contentType: string; bytes: Uint8Array; apiVersion: ApiVersion }): Attachment {
    const id = `att-${randomBytes(16).toString('hex')}`
    const attachment: Attachment = {
      attachment_id: id,
      name: input.name,
      content_type: input.contentType,
      bytes: new Uint8Array(input.bytes),
      url: `https://storage.devin.ai/attachments/${id}/${encodeURIComponent(input.name)}`,
      api_version: input.apiVersion,
      created_at: toSeconds(this.now())
    }
    this.#attachments.push(attachment)
    return { ...attachment, bytes: new Uint8Array(attachment.bytes) }
  }

  /** Every uploaded file, oldest first (copies). */
  get attachments(): Attachment[] {
    return this.#attachments.map((attachment) => ({ ...attachment, bytes: new Uint8Array(attachment.bytes) }))
  }

  clear(): void {
    this.#attachments = []
    this.#sessions.clear()
    this.reviews.clear()
  }

  #require(id: string): Session {
    const session = this.#sessions.get(id)
    if (!session) throw new StoreError('not_found', `Session ${id} not found`)
    return session
  }
}

function applyState(session: Session, state: LifecycleState, nowSec: number): void {
  // Devin opens its pull requests in the repositories it was given: the scripted PR lands in the first one.
  const [repo] = stringArray(session.body['repos'])
  const inRepo = (text: string) => (repo === undefined ? text : text.replaceAll(`/${EMULATED_REPO}/`, `/${repo}/`))
  session.status = state.status
  session.status_detail = state.status_detail
  if (state.pull_requests !== undefined) session.pull_requests = state.pull_requests.map((p) => ({ ...p, pr_url: inRepo(p.pr_url) }))
  if (state.structured_output !== undefined) {
    session.structured_output = state.structured_output === null ? null : structuredClone(state.structured_output)
  }
  if (state.acus_consumed !== undefined) {
    // A session stops spending at its max_acu_limit, as on the real service.
    const limit = session.body['max_acu_limit']
    session.acus_consumed = typeof limit === 'number' ? Math.min(state.acus_consumed, limit) : state.acus_consumed
  }
  if (state.message !== undefined) session.messages.push(newMessage('devin', inRepo(state.message), nowSec))
  session.updated_at = nowSec
}

function newMessage(source: 'devin' | 'user', message: string, createdAt: number): SessionMessage {
  return { event_id: `event-${randomBytes(8).toString('hex')}`, source, message, created_at: createdAt }
}

function snapshot(session: Session): Session {
  // The scripts are shared, immutable scenario data: copying them would only cost time.
  const { script, afterMessage, ...rest } = session
  return { ...structuredClone(rest), script, afterMessage }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function toSeconds(ms: number): number {
  return Math.floor(ms / 1000)
}

function pageSize(first: number | undefined): number {
  const n = first ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new StoreError('invalid_argument', `first must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${n}`)
  }
  return n
}

/** Cursors are opaque to clients; inside they name the kind of list and a position in it. */
function encodeCursor(kind: 's' | 'm', position: number): string {
  return Buffer.from(`${kind}:${position}`).toString('base64url')
}

function decodeCursor(cursor: string, kind: 's' | 'm'): number {
  const match = /^([sm]):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match || match[1] !== kind) throw new StoreError('invalid_cursor', `Invalid cursor '${cursor}'`)
  return Number(match[2])
}
