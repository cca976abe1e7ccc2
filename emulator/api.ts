/**
 * What every API route shares: the parsed request it receives, the emulator state it works on, bearer-key
 * checks, and reading query parameters into pydantic-style errors.
 */
import type { EmulatorConfig } from './config.ts'
import type { Store } from './store.ts'
import type { FieldError } from './validate.ts'

export interface ApiRequest {
  method: string
  /** The path without the query string. */
  path: string
  /** The decoded path segments (`/v3/self` → `['v3', 'self']`). */
  segments: string[]
  query: URLSearchParams
  /** The parsed JSON body; undefined when there was none. */
  body: unknown
  /** A body was sent but it is not JSON (nor multipart/form-data). */
  bodyInvalid: boolean
  /** The file parts of a multipart/form-data body, by field name; undefined when the body was not multipart. */
  files?: UploadedPart[]
  authorization: string | undefined
}

/** One file part of a multipart/form-data body. */
export interface UploadedPart {
  field: string
  name: string
  contentType: string
  bytes: Uint8Array
}

export interface ApiContext {
  store: Store
  config: EmulatorConfig
}

export type KeyCheck = 'ok' | 'missing' | 'wrong-family' | 'unknown-key'

/**
 * Whether the Authorization header carries a key of `prefix`'s family: `cog_` for v3/v3beta1, `apk_` (which
 * covers `apk_user_`) for v1. With `config.apiKeys` set, only those exact keys pass, to test a revoked key.
 */
export function checkKey(config: EmulatorConfig, authorization: string | undefined, prefix: 'cog_' | 'apk_'): KeyCheck {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
  if (key === undefined) return 'missing'
  const other = prefix === 'cog_' ? 'apk_' : 'cog_'
  if (key.startsWith(other)) return 'wrong-family'
  if (!key.startsWith(prefix) || key.length === prefix.length) return 'unknown-key'
  if (config.apiKeys && !config.apiKeys.has(key)) return 'unknown-key'
  return 'ok'
}

/** Reads query parameters, collecting one error per bad parameter (reported together as a 422). */
export class QueryReader {
  readonly errors: FieldError[] = []
  readonly #query: URLSearchParams

  constructor(query: URLSearchParams) {
    this.#query = query
  }

  /** Every value of a repeated parameter (`tags=a&tags=b`). */
  list(name: string): string[] {
    return this.#query.getAll(name)
  }

  string(name: string): string | undefined {
    return this.#query.get(name) ?? undefined
  }

  int(name: string, min: number, max: number): number | undefined {
    const raw = this.#query.get(name)
    if (raw === null) return undefined
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN
    if (!Number.isSafeInteger(value)) {
      this.errors.push({ loc: ['query', name], type: 'int_parsing', msg: 'Input should be a valid integer' })
      return undefined
    }
    if (value < min || value > max) {
      this.errors.push({
        loc: ['query', name],
        type: value < min ? 'greater_than_equal' : 'less_than_equal',
        msg: value < min ? `Input should be greater than or equal to ${min}` : `Input should be less than or equal to ${max}`
      })
      return undefined
    }
    return value
  }

  bool(name: string): boolean | undefined {
    const raw = this.#query.get(name)
    if (raw === null) return undefined
    if (/^(true|1)$/i.test(raw)) return true
    if (/^(false|0)$/i.test(raw)) return false
    this.errors.push({ loc: ['query', name], type: 'bool_parsing', msg: 'Input should be a valid boolean' })
    return undefined
  }
}
