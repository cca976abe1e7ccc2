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
}

/** A request to Devin that failed; its message says what happened and what to fix. */
export class DevinApiError extends Error {
  readonly status?: number
  readonly reached: Reached
  readonly attempts: number
  readonly retryAfterMs?: number

  constructor(message: string, details: FailureDetails) {
    super(message)
    this.name = 'DevinApiError'
    this.status = details.status
    this.reached = details.reached
    this.attempts = details.attempts
    this.retryAfterMs = details.retryAfterMs
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
