import type { DevinApi, WireRequest } from './api.js'
import { attachmentUrl, uploadFile } from './attachments.js'
import { DevinApiError } from './errors.js'
import type { DevinHttp } from './http.js'
import { ListTooLongError, isListed, listPage } from './list-page.js'
import { type SessionMessage, messagePage } from './messages.js'
import type { Session, SessionRequest } from './session.js'

/** Pages read at most when listing by tag, as on v3. */
const MAX_LIST_PAGES = 10
const PAGE_SIZE = 100

/**
 * v1's `status_enum` in the session model's terms (v3's status and status_detail), so one set of
 * outcome rules serves every version: finished → finished, blocked → waiting for the user, expired →
 * ended. The suspend and resume values are transitions of a session that is still going: they keep
 * status "running", with the v1 value as the detail, which the outcome rules read as still working.
 */
const STATUS_ENUM: Record<string, { status: string; statusDetail?: string }> = {
  working: { status: 'running', statusDetail: 'working' },
  blocked: { status: 'running', statusDetail: 'waiting_for_user' },
  finished: { status: 'running', statusDetail: 'finished' },
  expired: { status: 'exit' }
}

/**
 * The v1 create body: only the fields that are set. `idempotent` is never sent: what v1 matches an
 * existing session on is undocumented (reportedly the prompt alone), so it would join runs without a
 * key, or with different keys, that share a prompt. The action's own tag gives v1 the same exactly-once
 * and reuse-by-key rules as v3.
 */
export function v1CreateBody(request: SessionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: v1Prompt(request),
    title: request.title,
    tags: request.tags,
    playbook_id: request.playbookId,
    knowledge_ids: request.knowledgeIds,
    secret_ids: request.secretIds,
    session_secrets: request.sessionSecrets?.map(({ key, value }) => ({ key, value, sensitive: true })),
    max_acu_limit: request.maxAcuLimit,
    structured_output_schema: request.structuredOutputSchema,
    snapshot_id: request.snapshotId,
    unlisted: request.unlisted
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))
}

/**
 * v1's create has no attachment_urls: Devin reads an attachment from the prompt, on a line of its own written
 * exactly `ATTACHMENT:"<url>"` (the v1 upload page), one line per file.
 */
function v1Prompt(request: SessionRequest): string {
  const urls = request.attachmentUrls ?? []
  if (urls.length === 0) return request.prompt
  return [request.prompt, '', ...urls.map((url) => `ATTACHMENT:"${url}"`)].join('\n')
}

/** v3's statuses of a session that ended, as v1's `status` may carry them. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['error', 'suspended', 'exit'])

/** The web link of a session, as v1's create answer gives it (its detail answers carry none). */
function sessionUrl(id: string): string {
  return `https://app.devin.ai/sessions/${id.replace(/^devin-/, '')}`
}

/** v1 may send structured output as a JSON string; it is parsed when it is one. */
function structuredOutput(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? undefined
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

/** Maps a v1 GetSessionResponse or SessionSummary to the session model. */
export function v1Session(raw: unknown): Session {
  const record = (raw ?? {}) as Record<string, unknown>
  if (typeof record.session_id !== 'string') {
    throw new Error('Devin answered with an unexpected body (no session_id); check that api-url is the Devin API')
  }
  const statusEnum = typeof record.status_enum === 'string' ? record.status_enum : undefined
  const rawStatus = typeof record.status === 'string' ? record.status : undefined
  // v1's free-text status can say a session ended where status_enum has no value for it (error,
  // suspended): it wins, so an ended session reads the same on every version.
  const ended: { status: string; statusDetail?: string } | undefined =
    rawStatus !== undefined && ENDED_STATUSES.has(rawStatus) ? { status: rawStatus } : undefined
  const mapped = ended ?? (statusEnum === undefined ? undefined : (STATUS_ENUM[statusEnum] ?? { status: 'running', statusDetail: statusEnum }))
  const created = typeof record.created_at === 'string' ? Date.parse(record.created_at) : Number.NaN
  const updated = typeof record.updated_at === 'string' ? Date.parse(record.updated_at) : Number.NaN
  const pr = record.pull_request as { url?: unknown } | null | undefined
  return {
    id: record.session_id,
    url: typeof record.url === 'string' && record.url !== '' ? record.url : sessionUrl(record.session_id),
    status: mapped?.status ?? rawStatus ?? 'running',
    statusDetail: mapped?.statusDetail,
    tags: Array.isArray(record.tags) ? record.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    createdAt: Number.isNaN(created) ? undefined : Math.floor(created / 1_000),
    updatedAt: Number.isNaN(updated) ? undefined : Math.floor(updated / 1_000),
    // Not among v1's documented fields; read when the answer has it, and a budget that needs it fails closed when not.
    acusConsumed: typeof record.acus_consumed === 'number' ? record.acus_consumed : undefined,
    pullRequests: pr !== null && pr !== undefined && typeof pr.url === 'string' ? [{ url: pr.url, state: null }] : [],
    structuredOutput: structuredOutput(record.structured_output),
    isArchived: false
  }
}

/** v1's message types, by who wrote them; a type not listed here is left out. */
const MESSAGE_AUTHORS: Record<string, SessionMessage['from']> = {
  devin_message: 'devin',
  user_message: 'user',
  initial_user_message: 'user'
}

/** Maps one item of a v1 session's `messages`, `{type, event_id, message, timestamp}`, to the message model. */
export function v1Message(raw: unknown): SessionMessage | undefined {
  const record = (raw ?? {}) as Record<string, unknown>
  const from = typeof record.type === 'string' ? MESSAGE_AUTHORS[record.type] : undefined
  if (from === undefined || typeof record.message !== 'string') return undefined
  const time = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN
  return {
    id: typeof record.event_id === 'string' ? record.event_id : undefined,
    from,
    text: record.message,
    createdAt: Number.isNaN(time) ? undefined : Math.floor(time / 1_000)
  }
}

/** The v1 API: /v1/sessions, with apk_ keys. It has no organization in its paths. */
export function createV1Api(http: DevinHttp): DevinApi {
  const sessionPath = (id: string) => `/v1/sessions/${encodeURIComponent(id)}`
  const sessionNotFound = (id: string) => `Check session-id ("${id}") and that the key's user can see that session.`

  return {
    version: 'v1',

    describeCreate(request: SessionRequest): WireRequest {
      return { method: 'POST', url: http.url('/v1/sessions'), body: v1CreateBody(request) }
    },

    async create(request, deadline) {
      const raw = await http.request<Record<string, unknown> | null>({
        method: 'POST',
        path: '/v1/sessions',
        body: v1CreateBody(request),
        operation: { description: 'create a session', notFound: 'Check api-url: it must be the base URL of the Devin API.' },
        retry: 'unsafe',
        deadline
      })
      const id = raw?.session_id
      if (typeof id !== 'string') {
        // A success status with no session in it: the create may well have happened.
        throw new DevinApiError('Devin answered the create request without a session_id; check that api-url is the Devin API', {
          status: 200,
          reached: 'maybe',
          attempts: 1
        })
      }
      // The create answer has no status; a session Devin just made is new.
      const session: Session = {
        id,
        url: typeof raw?.url === 'string' ? raw.url : sessionUrl(id),
        status: 'new',
        tags: request.tags,
        pullRequests: [],
        isArchived: false
      }
      return { session, isNew: raw?.is_new_session !== false }
    },

    async get(sessionId, deadline, options = {}) {
      return http.request({
        method: 'GET',
        path: sessionPath(sessionId),
        operation: { description: `read session ${sessionId}`, notFound: sessionNotFound(sessionId) },
        retry: 'safe',
        deadline,
        // A session read must say where the session stands: without a status it is not one.
        read: (raw) => {
          const record = (raw ?? {}) as Record<string, unknown>
          if (typeof record.status !== 'string' && typeof record.status_enum !== 'string') throw new Error('no status')
          return v1Session(raw)
        },
        attempts: options.attempts
      })
    },

    async listByTag(tag, deadline, options = {}) {
      const found: Session[] = []
      const maxPages = options.maxPages ?? MAX_LIST_PAGES
      for (let page = 0; page < maxPages; page++) {
        const { sessions: items } = await http.request({
          method: 'GET',
          path: '/v1/sessions',
          // v1 documents no created_after: the window is applied on the client alone.
          query: { tags: [tag], limit: PAGE_SIZE, offset: page * PAGE_SIZE },
          operation: { description: `list the sessions tagged "${tag}"` },
          retry: 'safe',
          deadline,
          // An answer without the list must never read as "no session": it is retried like a 5xx.
          read: (body) => listPage(body, 'sessions')
        })
        for (const item of items) {
          const session = v1Session(item)
          if (isListed(session, tag, options.createdAfter)) found.push(session)
        }
        // v1 says nothing of further pages: a short page is the last one.
        if (items.length < PAGE_SIZE) return found
      }
      if (options.whole) throw new ListTooLongError(tag, maxPages * PAGE_SIZE)
      return found
    },

    async listMessages(sessionId, deadline) {
      // v1 has no message list: the session's own answer carries every message, in one request.
      const { messages } = await http.request({
        method: 'GET',
        path: sessionPath(sessionId),
        operation: { description: `read the messages of session ${sessionId}`, notFound: sessionNotFound(sessionId) },
        retry: 'safe',
        deadline,
        read: (body) => messagePage(body, 'messages')
      })
      return messages.map(v1Message).filter((message): message is SessionMessage => message !== undefined)
    },

    async sendMessage(sessionId, message, deadline) {
      await http.request({
        method: 'POST',
        path: `${sessionPath(sessionId)}/message`,
        body: { message },
        operation: { description: `send a message to session ${sessionId}`, notFound: sessionNotFound(sessionId) },
        retry: 'unsafe',
        deadline
      })
      // v1 answers null: the session's new state is learned by reading it, when needed.
      return undefined
    },

    async terminate(sessionId, deadline) {
      await http.request({
        method: 'DELETE',
        path: sessionPath(sessionId),
        operation: { description: `end session ${sessionId}`, notFound: sessionNotFound(sessionId) },
        retry: 'safe',
        deadline
      })
      return undefined
    },

    async uploadAttachment(file, deadline) {
      // v1 answers the URL itself, as a JSON string (or bare text); its keys have no permissions to name.
      return uploadFile(
        http,
        { path: '/v1/attachments', notFound: 'Check api-url: it must be the base URL of the Devin API.', read: attachmentUrl },
        file,
        deadline
      )
    }
  }
}
