/**
 * How a stored session looks through each API version. v3 and v3beta1 return a SessionResponse (devin-api.md
 * §1.2, §3); v1 returns GetSessionResponse / SessionSummary (§2), whose `status_enum` is derived below.
 */
import type { Session, SessionMessage } from './store.ts'

type Json = Record<string, unknown>

export interface V3ViewOptions {
  /**
   * `status_detail`, `structured_output` and `pull_requests` are "only populated on get/list endpoints": create,
   * send-message and terminate answer them as null / [].
   */
  populated: boolean
  serviceUserId: string
}

export function v3Session(s: Session, options: V3ViewOptions): Json {
  return {
    ...commonV3(s, options.populated),
    status_detail: options.populated ? s.status_detail : null,
    service_user_id: options.serviceUserId,
    origin: 'api',
    devin_mode: stringOrNull(s.body['devin_mode'])
  }
}

export interface V3beta1ViewOptions {
  populated: boolean
  /** The rendered v3beta1 pages show no `status_detail`; whether the API sends it is unconfirmed. */
  statusDetail: boolean
}

export function v3beta1Session(s: Session, options: V3beta1ViewOptions): Json {
  const view = { ...commonV3(s, options.populated), is_advanced: s.body['advanced_mode'] != null }
  return options.statusDetail ? { ...view, status_detail: options.populated ? s.status_detail : null } : view
}

function commonV3(s: Session, populated: boolean): Json {
  return {
    session_id: s.session_id,
    url: s.url,
    status: s.status,
    tags: [...s.tags],
    org_id: s.org_id,
    created_at: s.created_at,
    updated_at: s.updated_at,
    acus_consumed: s.acus_consumed,
    pull_requests: populated ? s.pull_requests.map((p) => ({ ...p })) : [],
    structured_output: populated ? s.structured_output : null,
    title: s.title,
    user_id: null,
    playbook_id: stringOrNull(s.body['playbook_id']),
    parent_session_id: null,
    child_session_ids: null,
    is_archived: s.is_archived
  }
}

export function v3Message(m: SessionMessage): Json {
  return { ...m }
}

/** v1's documented `status_enum` values (devin-api.md §2). */
export type V1StatusEnum =
  | 'working'
  | 'blocked'
  | 'expired'
  | 'finished'
  | 'suspend_requested'
  | 'suspend_requested_frontend'
  | 'resume_requested'
  | 'resume_requested_frontend'
  | 'resumed'

/**
 * v3 status/status_detail → v1 `status_enum`. v1 has no "starting", "error" or "suspended" value, so:
 * - new, claimed, running+working (or any other running detail) → `working`: the session is under way;
 * - running+waiting_for_user / waiting_for_approval → `blocked`: Devin waits for a person (community usage);
 * - running+finished → `finished`;
 * - error → `blocked`: it stopped and only a person can move it on; v1 clients stop polling on `blocked`, which is
 *   what an error needs (the raw v3 status stays visible in v1's free-text `status`);
 * - suspended (any reason, `error` included) → `suspend_requested`: v1's name for a session put to sleep;
 * - resuming → `resume_requested`;
 * - exit → `expired`: v1's terminal value;
 * - a status v3 does not list → null (`status_enum` is nullable, and clients must cope with it).
 */
export function v1StatusEnum(status: string, detail: string | null): V1StatusEnum | null {
  switch (status) {
    case 'new':
    case 'claimed':
      return 'working'
    case 'running':
      if (detail === 'waiting_for_user' || detail === 'waiting_for_approval') return 'blocked'
      return detail === 'finished' ? 'finished' : 'working'
    case 'error':
      return 'blocked'
    case 'suspended':
      return 'suspend_requested'
    case 'resuming':
      return 'resume_requested'
    case 'exit':
      return 'expired'
    default:
      return null
  }
}

export interface V1ViewOptions {
  structuredOutputAsString: boolean
}

/** `GET /v1/sessions/{id}`: the summary plus the messages. */
export function v1Session(s: Session, options: V1ViewOptions): Json {
  return { ...v1Common(s, options), messages: s.messages.map(v1Message) }
}

/** An item of `GET /v1/sessions`. */
export function v1Summary(s: Session, options: V1ViewOptions): Json {
  return { ...v1Common(s, options), requesting_user_email: 'emulator@example.com' }
}

function v1Common(s: Session, options: V1ViewOptions): Json {
  // v1 has one `pull_request`; the latest one Devin opened is the one a v1 client would want.
  const pr = s.pull_requests.at(-1)
  const output = s.structured_output
  return {
    session_id: s.session_id,
    status: s.status,
    status_enum: v1StatusEnum(s.status, s.status_detail),
    title: s.title,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    snapshot_id: stringOrNull(s.body['snapshot_id']),
    playbook_id: stringOrNull(s.body['playbook_id']),
    tags: [...s.tags],
    // Not among v1's documented fields; the emulator sends it so that budgets can be exercised on v1 too.
    acus_consumed: s.acus_consumed,
    pull_request: pr ? { url: pr.pr_url } : null,
    structured_output: output !== null && options.structuredOutputAsString ? JSON.stringify(output) : output
  }
}

function v1Message(m: SessionMessage, index: number): Json {
  const type = m.source === 'devin' ? 'devin_message' : index === 0 ? 'initial_user_message' : 'user_message'
  return {
    type,
    event_id: m.event_id,
    message: m.message,
    timestamp: iso(m.created_at),
    origin: 'api',
    ...(m.source === 'user' ? { username: 'emulator-user' } : {})
  }
}

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString()
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}
