import type { DevinApi, WireRequest } from './api.js'
import { attachmentUrl, uploadFile } from './attachments.js'
import { DevinApiError } from './errors.js'
import type { DevinHttp } from './http.js'
import { ListTooLongError, isListed, listPage } from './list-page.js'
import { MAX_MESSAGE_PAGES, MESSAGE_PAGE_SIZE, MessageListTooLongError, type SessionMessage, messagePage } from './messages.js'
import type { Session, SessionRequest } from './session.js'

/** Pages read at most when listing by tag: a tag names one logical request, so a few pages is plenty. */
const MAX_LIST_PAGES = 10
const PAGE_SIZE = 100
/** The largest page the list takes (`first` is 1..200): a list that must be read whole costs the fewest requests. */
const MAX_PAGE_SIZE = 200

const MANAGE = 'ManageOrgSessions'
const VIEW = 'ViewOrgSessions'
/** Uploading attachments needs this one, which a service user with ManageOrgSessions alone may lack (devin-api.md §9.1). */
const USE_SESSIONS = 'UseDevinSessions'

/** The create-session body of v3 (and, with advanced_mode, of v3beta1): only the fields that are set. */
export function v3CreateBody(request: SessionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: request.prompt,
    title: request.title,
    tags: request.tags,
    repos: request.repos,
    playbook_id: request.playbookId,
    child_playbook_id: request.childPlaybookId,
    knowledge_ids: request.knowledgeIds,
    secret_ids: request.secretIds,
    session_secrets: request.sessionSecrets?.map(({ key, value }) => ({ key, value, sensitive: true })),
    session_links: request.sessionLinks,
    attachment_urls: request.attachmentUrls,
    max_acu_limit: request.maxAcuLimit,
    structured_output_schema: request.structuredOutputSchema,
    structured_output_required: request.structuredOutputRequired,
    devin_mode: request.devinMode,
    platform: request.platform,
    resumable: request.resumable,
    bypass_approval: request.bypassApproval,
    create_as_user_id: request.createAsUserId
  }
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))
}

/** Maps a v3 SessionResponse to the Session model, refusing answers that lack what the action relies on. */
export function v3Session(raw: unknown): Session {
  const record = (raw ?? {}) as Record<string, unknown>
  if (typeof record.session_id !== 'string' || typeof record.status !== 'string') {
    throw new Error('Devin answered with an unexpected body (no session_id or status); check that api-url is the Devin API')
  }
  const pullRequests = Array.isArray(record.pull_requests) ? record.pull_requests : []
  return {
    id: record.session_id,
    // The docs' URL form, should an answer ever lack the link.
    url: typeof record.url === 'string' && record.url !== '' ? record.url : `https://app.devin.ai/sessions/${record.session_id}`,
    status: record.status,
    statusDetail: typeof record.status_detail === 'string' ? record.status_detail : undefined,
    tags: Array.isArray(record.tags) ? record.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    createdAt: typeof record.created_at === 'number' ? record.created_at : undefined,
    updatedAt: typeof record.updated_at === 'number' ? record.updated_at : undefined,
    acusConsumed: typeof record.acus_consumed === 'number' ? record.acus_consumed : undefined,
    pullRequests: pullRequests
      .filter((pr): pr is Record<string, unknown> => pr !== null && typeof pr === 'object' && typeof (pr as { pr_url?: unknown }).pr_url === 'string')
      .map((pr) => ({ url: pr.pr_url as string, state: typeof pr.pr_state === 'string' ? pr.pr_state : null })),
    structuredOutput: record.structured_output ?? undefined,
    isArchived: record.is_archived === true
  }
}

/**
 * Maps one item of a v3 (or v3beta1) message list, `{event_id, source, message, created_at}`, to the message
 * model. An item without text, or from a source other than Devin or a user, is left out: it cannot be
 * taken for Devin's question.
 */
export function v3Message(raw: unknown): SessionMessage | undefined {
  const record = (raw ?? {}) as Record<string, unknown>
  if (typeof record.message !== 'string' || (record.source !== 'devin' && record.source !== 'user')) return undefined
  return {
    id: typeof record.event_id === 'string' ? record.event_id : undefined,
    from: record.source,
    text: record.message,
    createdAt: typeof record.created_at === 'number' ? record.created_at : undefined
  }
}

/** Finds the organization of a v3 key with GET /v3/self. */
export async function discoverOrgId(http: DevinHttp, deadline: number): Promise<string> {
  const self = await http.request<Record<string, unknown> | null>({
    method: 'GET',
    path: '/v3/self',
    operation: {
      description: 'find the organization of the API key (GET /v3/self)',
      notFound: 'Check api-url: it must be the base URL of the Devin API, e.g. https://api.devin.ai, or set org-id.'
    },
    retry: 'safe',
    deadline
  })
  const orgId = self?.org_id
  if (typeof orgId !== 'string' || orgId === '') {
    throw new Error(
      'The api-key belongs to no single organization (GET /v3/self returned no org_id, as for an enterprise service user). Set the org-id input to the organization (org-…) the sessions belong in.'
    )
  }
  return orgId
}

/** How the organization-scoped APIs (v3 and v3beta1) differ: the path and the create body. */
export interface OrgSessionsFlavour {
  version: 'v3' | 'v3beta1'
  prefix: '/v3' | '/v3beta1'
  createBody(request: SessionRequest): Record<string, unknown>
}

/**
 * The organization-scoped sessions API: {prefix}/organizations/{org_id}/sessions. v3 and v3beta1
 * share its shape (SessionResponse, paginated lists, messages, DELETE to end).
 */
export function orgSessionsApi(http: DevinHttp, orgId: string, flavour: OrgSessionsFlavour): DevinApi {
  const sessions = `${flavour.prefix}/organizations/${encodeURIComponent(orgId)}/sessions`
  const sessionPath = (id: string) => `${sessions}/${encodeURIComponent(id)}`
  const orgNotFound = `Check org-id ("${orgId}") and that the key belongs to that organization.`
  const sessionNotFound = (id: string) => `Check session-id ("${id}"), org-id ("${orgId}") and that the session belongs to that organization.`

  return {
    version: flavour.version,
    orgId,

    describeCreate(request: SessionRequest): WireRequest {
      return { method: 'POST', url: http.url(sessions), body: flavour.createBody(request) }
    },

    async create(request, deadline) {
      const raw = await http.request({
        method: 'POST',
        path: sessions,
        body: flavour.createBody(request),
        operation: {
          description: 'create a session',
          permission: [MANAGE, request.createAsUserId !== undefined ? 'ImpersonateOrgSessions' : '', request.advancedMode !== undefined ? 'UseDevinExpert' : '']
            .filter(Boolean)
            .join(' and '),
          notFound: orgNotFound
        },
        retry: 'unsafe',
        deadline
      })
      try {
        return { session: v3Session(raw), isNew: true }
      } catch (error) {
        // A success status with no session in it: the create may well have happened.
        throw new DevinApiError(`${(error as Error).message}, in answer to the create request`, { status: 200, reached: 'maybe', attempts: 1 })
      }
    },

    async get(sessionId, deadline, options = {}) {
      return http.request({
        method: 'GET',
        path: sessionPath(sessionId),
        operation: { description: `read session ${sessionId}`, permission: VIEW, notFound: sessionNotFound(sessionId) },
        retry: 'safe',
        deadline,
        read: v3Session,
        attempts: options.attempts
      })
    },

    async listByTag(tag, deadline, options = {}) {
      const found: Session[] = []
      const maxPages = options.maxPages ?? MAX_LIST_PAGES
      let after: string | undefined
      for (let page = 0; page < maxPages; page++) {
        const raw = await http.request({
          method: 'GET',
          path: sessions,
          // created_after is in epoch seconds, like created_at (devin-api.md §1.5), and only sent when asked for,
          // so a list by tag alone is the same request it always was.
          query: { tags: [tag], first: options.whole ? MAX_PAGE_SIZE : PAGE_SIZE, after, created_after: options.createdAfter },
          operation: { description: `list the sessions tagged "${tag}"`, permission: VIEW, notFound: orgNotFound },
          retry: 'safe',
          deadline,
          // An answer without the list (a proxy's HTML page, JSON cut off) must never read as "no session":
          // exactly-once decisions rest on it, so it is retried like a 5xx.
          read: (body) => listPage(body, 'items')
        })
        const { items } = raw
        for (const item of items) {
          const session = v3Session(item)
          if (isListed(session, tag, options.createdAfter)) found.push(session)
        }
        const cursor = raw.end_cursor
        if (raw.has_next_page !== true || typeof cursor !== 'string' || cursor === '') return found
        after = cursor
      }
      if (options.whole) throw new ListTooLongError(tag, maxPages * MAX_PAGE_SIZE)
      return found
    },

    async listMessages(sessionId, deadline) {
      const messages: SessionMessage[] = []
      let after: string | undefined
      for (let page = 0; page < MAX_MESSAGE_PAGES; page++) {
        const raw = await http.request({
          method: 'GET',
          path: `${sessionPath(sessionId)}/messages`,
          query: { first: MESSAGE_PAGE_SIZE, after },
          operation: { description: `read the messages of session ${sessionId}`, permission: VIEW, notFound: sessionNotFound(sessionId) },
          retry: 'safe',
          deadline,
          read: (body) => messagePage(body, 'items')
        })
        for (const item of raw.items) {
          const message = v3Message(item)
          if (message !== undefined) messages.push(message)
        }
        const cursor = raw.end_cursor
        if (raw.has_next_page !== true || typeof cursor !== 'string' || cursor === '') return messages
        after = cursor
      }
      throw new MessageListTooLongError(sessionId, MAX_MESSAGE_PAGES * MESSAGE_PAGE_SIZE)
    },

    async sendMessage(sessionId, message, deadline) {
      const raw = await http.request({
        method: 'POST',
        path: `${sessionPath(sessionId)}/messages`,
        body: { message },
        operation: { description: `send a message to session ${sessionId}`, permission: MANAGE, notFound: sessionNotFound(sessionId) },
        retry: 'unsafe',
        deadline
      })
      return raw === null || raw === undefined ? undefined : v3Session(raw)
    },

    async terminate(sessionId, deadline) {
      const raw = await http.request({
        method: 'DELETE',
        path: sessionPath(sessionId),
        operation: { description: `end session ${sessionId}`, permission: MANAGE, notFound: sessionNotFound(sessionId) },
        retry: 'safe',
        deadline
      })
      try {
        return v3Session(raw)
      } catch {
        return undefined
      }
    },

    async uploadAttachment(file, deadline) {
      return uploadFile(
        http,
        {
          path: `${flavour.prefix}/organizations/${encodeURIComponent(orgId)}/attachments`,
          permission: USE_SESSIONS,
          notFound: orgNotFound,
          // {attachment_id, name, url}: the url is what a session is given.
          read: (body) => attachmentUrl((body as { url?: unknown } | null)?.url)
        },
        file,
        deadline
      )
    }
  }
}

/** The v3 API: /v3/organizations/{org_id}/sessions. */
export function createV3Api(http: DevinHttp, orgId: string): DevinApi {
  return orgSessionsApi(http, orgId, { version: 'v3', prefix: '/v3', createBody: v3CreateBody })
}
