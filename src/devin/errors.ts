import { API_FIELD_INPUTS } from './fields.js'

/** What a request to Devin was for, so a failure can say what to fix. */
export interface Operation {
  /** e.g. "create a session", "read session devin-abc". */
  description: string
  /** The permission this call needs on a v3 service user (named in 403 messages). */
  permission?: string
  /** What a 404 means for this call. */
  notFound?: string
}

/**
 * Whether a failed request may have had its effect in Devin. `no`: it never got there (connection
 * refused) or Devin answered a definite refusal. `maybe`: it may have been acted on (timeout, a
 * dropped connection, 5xx, 429), so a create must be reconciled before it is sent again.
 */
export type Reached = 'no' | 'maybe'

export interface FailureDetails {
  status?: number
  reached: Reached
  attempts: number
  /** Set on 429/503 answers that carried Retry-After. */
  retryAfterMs?: number
  /** The text of Devin's error answer (redacted, clipped), to tell what a refusal was about. */
  detail?: string
}

/** A request to Devin that failed; its message says what happened and what to fix. */
export class DevinApiError extends Error {
  readonly status?: number
  readonly reached: Reached
  readonly attempts: number
  readonly retryAfterMs?: number
  readonly detail?: string

  constructor(message: string, details: FailureDetails) {
    super(message)
    this.name = 'DevinApiError'
    this.status = details.status
    this.reached = details.reached
    this.attempts = details.attempts
    this.retryAfterMs = details.retryAfterMs
    this.detail = details.detail
  }
}

const MAX_DETAIL = 500

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL - 3)}...` : oneLine
}

/** The human part of an error body: RFC 9457 `detail`/`title`, a legacy `{detail}` string, or plain text. */
export function bodyDetail(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() === '' ? undefined : clip(body)
  if (body === null || typeof body !== 'object') return undefined
  const record = body as Record<string, unknown>
  if (typeof record.detail === 'string' && record.detail.trim() !== '') return clip(record.detail)
  if (typeof record.message === 'string' && record.message.trim() !== '') return clip(record.message)
  if (typeof record.title === 'string' && record.title.trim() !== '') return clip(record.title)
  return undefined
}

/** All an error body says, in one line: its detail, or else each invalid field. */
export function errorText(body: unknown): string | undefined {
  const text = bodyDetail(body) ?? validationProblems(body).join('; ')
  return text === '' ? undefined : text
}

/**
 * Each invalid field of a 422 answer as "where: what", whatever shape the body has: RFC 9457 `errors`,
 * FastAPI's `detail: [{loc, msg}]`, a plain `detail` string, or something else entirely.
 */
export function validationProblems(body: unknown): string[] {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}
  const items = Array.isArray(record.errors) ? record.errors : Array.isArray(record.detail) ? record.detail : undefined
  if (items === undefined) {
    const detail = bodyDetail(body)
    return detail === undefined ? [] : [detail]
  }
  return items.map((item) => describeFieldError(item))
}

function describeFieldError(item: unknown): string {
  if (item === null || typeof item !== 'object') return clip(String(item))
  const record = item as Record<string, unknown>
  const loc = Array.isArray(record.loc) ? record.loc : typeof record.field === 'string' ? [record.field] : []
  const path = loc.filter((part) => part !== 'body').map(String)
  const message = typeof record.msg === 'string' ? record.msg : typeof record.message === 'string' ? record.message : JSON.stringify(item)
  if (path.length === 0) return clip(message)
  const top = path[0] ?? ''
  // Names the input the user wrote, so a 422 says what to change.
  const input = API_FIELD_INPUTS[top]
  const where = path.join('.')
  return clip(`${where}${input !== undefined && input !== where ? ` (input ${input})` : ''}: ${message}`)
}

/** The message for an HTTP error answer that is final (no retry helps). */
export function describeHttpFailure(status: number, body: unknown, operation: Operation): string {
  const detail = bodyDetail(body)
  const because = detail !== undefined ? `: ${detail}` : ''
  switch (status) {
    case 401:
      return `Devin did not accept the API key when trying to ${operation.description} (401 Unauthorized)${because}. Check the api-key input: it must be a current Devin key stored as a secret — a "cog_…" service-user or personal key for v3, or an "apk_…" key for v1.`
    case 403:
      return `The Devin API key is not allowed to ${operation.description} (403 Forbidden)${because}. Give its service user ${operation.permission !== undefined ? `the ${operation.permission} permission` : 'the needed permission'} in the Devin organization, or use a key that has it.`
    case 404:
      return `Devin found nothing when trying to ${operation.description} (404 Not Found)${because}. ${operation.notFound ?? 'Check org-id and api-url.'}`
    case 409:
      return `Devin reported a conflict when trying to ${operation.description} (409 Conflict)${because}. The session is likely busy with another change: wait a moment and re-run.`
    case 422: {
      const problems = validationProblems(body)
      const list = problems.length > 0 ? `:\n${problems.map((p) => `- ${p}`).join('\n')}` : '.'
      return `Devin rejected the request to ${operation.description} as invalid (422 Unprocessable Entity)${list}\nFix the inputs named above.`
    }
    case 429:
      return `Devin kept rate-limiting the request to ${operation.description} (429 Too Many Requests)${because}. Wait and re-run, or start fewer sessions at once.`
    default:
      if (status >= 500) {
        return `Devin's API failed when trying to ${operation.description} (HTTP ${status})${because}. It is likely a problem on Devin's side: re-run later.`
      }
      return `Devin refused the request to ${operation.description} (HTTP ${status})${because}.`
  }
}

/**
 * Whether a refused create was refused for its tags. An enterprise can allow only listed tags ("session
 * creation and tag updates enforce tags from the allowed list"); the status and body of that refusal are not
 * documented (devin-api.md §9.3), so any definite refusal whose text speaks of tags counts. A missing key (401),
 * a wrong URL (404) and rate limiting (429) say nothing about tags, whatever their text.
 */
export function isTagRefusal(error: DevinApiError): boolean {
  const { status, detail } = error
  if (status === undefined || status < 400 || status >= 500 || [401, 404, 429].includes(status)) return false
  return detail !== undefined && /\btags?\b/i.test(detail)
}

/**
 * The message for a create refused for its tags: which tags (those of the request Devin's answer names, else the
 * action's own, the usual cause, else all of them) and what fixes it. The action's tags change with every run
 * (a hash, a pull request number, a login), so the admin is asked to allow their prefixes.
 */
export function describeTagRefusal(error: DevinApiError, sent: readonly string[], actionTags: readonly string[]): string {
  const text = (error.detail ?? '').toLowerCase()
  const named = sent.filter((tag) => text.includes(tag.toLowerCase()))
  const refused = named.length > 0 ? named : actionTags.length > 0 ? [...actionTags] : [...sent]
  const own = refused.filter((tag) => actionTags.includes(tag))
  const users = refused.filter((tag) => !actionTags.includes(tag))
  const list = (tags: string[]) => tags.map((tag) => `"${tag}"`).join(', ')
  const prefixes = [...new Set(own.map((tag) => tag.slice(0, tag.indexOf(':') + 1)))]
  const lines = [
    `Devin refused to create the session because of its tags (HTTP ${error.status}): ${error.detail ?? 'no detail given'}.`,
    `${named.length > 0 ? 'Tags refused' : 'Tags the action sent'}: ${list(refused)}. An enterprise with tag validation on accepts only the tags on its allow-list.`,
    'Fix it one of two ways:'
  ]
  if (own.length > 0) {
    lines.push(
      `- ask the Devin enterprise admin to allow the action's tags: they change with every run, so allow the prefixes ${prefixes.map((p) => `"${p}"`).join(', ')} (or each tag as it comes);`,
      '- or set `tracking-tags: false`: the action then sends none of its own tags (idempotency-key and the budgets need them, and a create retried after a failure can then make a duplicate session).'
    )
    if (users.length > 0) lines.push(`The tags ${list(users)} come from the tags input: have them allowed too, or remove them from tags.`)
  } else {
    lines.push(`- ask the Devin enterprise admin to allow ${list(users)};`, `- or remove ${users.length === 1 ? 'it' : 'them'} from the tags input.`)
  }
  return lines.join('\n')
}
