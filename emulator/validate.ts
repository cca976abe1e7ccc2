/**
 * Request-body validation with Ajv against the create-session schemas extracted from the API reference
 * (`emulator/schemas/*.json`, written by `scripts/extract-schemas.ts`). Errors come out in FastAPI/pydantic's
 * shape (`{loc: ['body', field, ...], msg, type}`), which is what the real API puts in its 422 bodies.
 */
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import type { ApiVersion } from './store.ts'

export type JsonObject = Record<string, unknown>

export interface FieldError {
  loc: (string | number)[]
  msg: string
  type: string
}

/** FastAPI's errors for a required body that is absent, and for one that is not JSON. */
export function missingBody(): FieldError {
  return { loc: ['body'], type: 'missing', msg: 'Field required' }
}

/** FastAPI's error for an upload without its one required file part, `file` (devin-api.md §9.1). */
export function missingFile(): FieldError {
  return { loc: ['body', 'file'], type: 'missing', msg: 'Field required' }
}

export function jsonInvalid(): FieldError {
  return { loc: ['body'], type: 'json_invalid', msg: 'JSON decode error' }
}

/** The structured-output schema limit the docs state for every version ("Max 64KB"). */
export const MAX_STRUCTURED_OUTPUT_SCHEMA_BYTES = 64 * 1024

export function schemaFileUrl(version: ApiVersion): URL {
  return new URL(`./schemas/${version}-create-session.json`, import.meta.url)
}

/** Ajv as the emulator uses it: draft-07, every error at once, and `format: uri` checked for real. */
export function createAjv(): Ajv {
  // strict: false because the extracted OpenAPI schemas carry keywords Ajv's strict mode refuses (e.g. `title`
  // next to `$ref`, `default` inside `anyOf`), and user-given structured-output schemas may carry anything.
  const ajv = new Ajv({ strict: false, allErrors: true })
  ajv.addFormat('uri', (value: string) => URL.canParse(value))
  return ajv
}

/** Message bodies are not in the seed pages; these follow devin-api.md §1.6 (v3/v3beta1) and §2 (v1). */
const MESSAGE_SCHEMAS: Record<'v1' | 'v3', JsonObject> = {
  v3: {
    type: 'object',
    properties: {
      message: { type: 'string' },
      attachment_urls: {
        anyOf: [{ type: 'array', items: { type: 'string', format: 'uri', maxLength: 2083 } }, { type: 'null' }]
      },
      message_as_user_id: { anyOf: [{ type: 'string' }, { type: 'null' }] }
    },
    required: ['message'],
    additionalProperties: false
  },
  v1: {
    type: 'object',
    properties: { message: { type: 'string' } },
    required: ['message'],
    additionalProperties: false
  }
}

const ajv = createAjv()
const createValidators = new Map<ApiVersion, ValidateFunction>()
const messageValidators = new Map<'v1' | 'v3', ValidateFunction>()

export function loadCreateSchema(version: ApiVersion): JsonObject {
  return JSON.parse(readFileSync(schemaFileUrl(version), 'utf8')) as JsonObject
}

/** Every problem with a create-session body for `version`; empty when the body is valid. */
export function validateCreateBody(version: ApiVersion, body: unknown): FieldError[] {
  let validate = createValidators.get(version)
  if (!validate) {
    validate = ajv.compile(loadCreateSchema(version))
    createValidators.set(version, validate)
  }
  if (!validate(body)) return toFieldErrors(validate.errors ?? [])
  const schema = (body as JsonObject)['structured_output_schema']
  return isObject(schema) ? checkStructuredOutputSchema(schema) : []
}

/** Every problem with a send-message body; v3beta1 shares v3's message body. */
export function validateMessageBody(version: ApiVersion, body: unknown): FieldError[] {
  const key = version === 'v1' ? 'v1' : 'v3'
  let validate = messageValidators.get(key)
  if (!validate) {
    validate = ajv.compile(MESSAGE_SCHEMAS[key])
    messageValidators.set(key, validate)
  }
  return validate(body) ? [] : toFieldErrors(validate.errors ?? [])
}

/**
 * The documented rules for `structured_output_schema`: a Draft 7 JSON Schema, at most 64 KB, self-contained
 * (no external `$ref`). How the real API reports a breach is undocumented; a 422 on the field is the natural guess.
 */
export function checkStructuredOutputSchema(schema: JsonObject): FieldError[] {
  const loc = ['body', 'structured_output_schema']
  const bytes = Buffer.byteLength(JSON.stringify(schema))
  if (bytes > MAX_STRUCTURED_OUTPUT_SCHEMA_BYTES) {
    return [{ loc, type: 'value_error', msg: `Value error, schema is ${bytes} bytes; the limit is 64KB` }]
  }
  const external = findExternalRef(schema)
  if (external !== undefined) {
    return [{ loc, type: 'value_error', msg: `Value error, schema must be self-contained (external $ref: ${external})` }]
  }
  if (!ajv.validateSchema(schema)) {
    return [{ loc, type: 'value_error', msg: `Value error, not a valid Draft 7 JSON Schema: ${ajv.errorsText(ajv.errors)}` }]
  }
  return []
}

function findExternalRef(node: unknown, depth = 0): string | undefined {
  // Bounded: a 64 KB JSON document cannot nest deeper than this anyway.
  if (depth > 1000 || node === null || typeof node !== 'object') return undefined
  if (!Array.isArray(node)) {
    const ref = (node as JsonObject)['$ref']
    if (typeof ref === 'string' && !ref.startsWith('#')) return ref
  }
  for (const child of Object.values(node)) {
    const found = findExternalRef(child, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

const TYPE_ERRORS: Record<string, { type: string; msg: string }> = {
  string: { type: 'string_type', msg: 'Input should be a valid string' },
  integer: { type: 'int_type', msg: 'Input should be a valid integer' },
  number: { type: 'float_type', msg: 'Input should be a valid number' },
  boolean: { type: 'bool_type', msg: 'Input should be a valid boolean' },
  array: { type: 'list_type', msg: 'Input should be a valid list' },
  object: { type: 'dict_type', msg: 'Input should be a valid dictionary' }
}

/**
 * Ajv errors → one pydantic-style error per location. The schemas write optional fields as
 * `anyOf: [<type>, {type: null}]`, so Ajv reports each failed branch plus the `anyOf` itself; only the
 * non-null branch's error says something useful, so the `null` branch and the `anyOf` summary are dropped
 * unless nothing else was reported at or below that location.
 */
export function toFieldErrors(errors: readonly ErrorObject[]): FieldError[] {
  const isNoise = (e: ErrorObject) => e.keyword === 'anyOf' || (e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null')
  const useful = errors.filter((e) => !isNoise(e))
  const kept = errors.filter(
    (e) => !isNoise(e) || (e.keyword === 'anyOf' && !useful.some((u) => u.instancePath === e.instancePath || u.instancePath.startsWith(`${e.instancePath}/`)))
  )
  const out: FieldError[] = []
  const seen = new Set<string>()
  for (const e of kept) {
    const error = toFieldError(e)
    const key = JSON.stringify(error.loc)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(error)
  }
  return out
}

function toFieldError(e: ErrorObject): FieldError {
  const loc: (string | number)[] = ['body', ...pointerSegments(e.instancePath)]
  const params = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'required':
      return { loc: [...loc, String(params['missingProperty'])], type: 'missing', msg: 'Field required' }
    case 'additionalProperties':
      return {
        loc: [...loc, String(params['additionalProperty'])],
        type: 'extra_forbidden',
        msg: 'Extra inputs are not permitted'
      }
    case 'type':
      return { loc, ...(TYPE_ERRORS[String(params['type'])] ?? { type: 'type_error', msg: e.message ?? 'wrong type' }) }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`)
      return { loc, type: 'enum', msg: `Input should be ${allowed.join(', ')}` }
    }
    case 'maxItems':
      return { loc, type: 'too_long', msg: `List should have at most ${String(params['limit'])} items` }
    case 'minLength':
      return { loc, type: 'string_too_short', msg: `String should have at least ${String(params['limit'])} characters` }
    case 'maxLength':
      return { loc, type: 'string_too_long', msg: `String should have at most ${String(params['limit'])} characters` }
    case 'exclusiveMinimum':
      return { loc, type: 'greater_than', msg: `Input should be greater than ${String(params['limit'])}` }
    case 'format':
      return { loc, type: 'url_parsing', msg: `Input should be a valid ${String(params['format'])}` }
    case 'anyOf':
      return { loc, type: 'union_type', msg: 'Input does not match any allowed type' }
    default:
      return { loc, type: `ajv_${e.keyword}`, msg: e.message ?? e.keyword }
  }
}

/** JSON pointer → path segments; all-digit segments are array indexes, as pydantic reports them. */
function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg))
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
