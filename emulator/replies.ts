/**
 * What a route answers, before the server (and any injected fault) decides how to deliver it, plus the error
 * bodies of each API family: RFC 9457 ProblemDetail on v3/v3beta1, FastAPI's `{detail}` on v1.
 */
import { STATUS_CODES } from 'node:http'
import type { FieldError } from './validate.ts'

export interface Reply {
  status: number
  /** Serialized as JSON, except a string with a non-JSON content type. */
  body: unknown
  headers?: Record<string, string>
  /** Send a string body byte for byte, whatever the content type (an `answer` fault's text). */
  raw?: boolean
}

export function json(body: unknown, status = 200): Reply {
  return { status, body }
}

/** A v3 error body (devin-api.md §4): `{type, title, status, detail, instance}`, plus `errors` on 422 only. */
export function problem(status: number, detail: string, instance: string, errors?: FieldError[]): Reply {
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance
  }
  if (errors) body['errors'] = errors
  return { status, body, headers: { 'content-type': 'application/problem+json' } }
}

export function validationProblem(errors: FieldError[], instance: string): Reply {
  return problem(422, `Request validation failed: ${summarize(errors)}`, instance, errors)
}

/** A v1 error body: `{detail: "..."}`, or FastAPI's `HTTPValidationError` `{detail: [{loc, msg, type}]}` on 422. */
export function v1Error(status: number, detail: string | FieldError[]): Reply {
  return { status, body: { detail } }
}

export function summarize(errors: FieldError[]): string {
  return errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')
}
