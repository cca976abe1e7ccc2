/**
 * The emulator's adjustable behaviour: who the caller is, what it may do, which scenario new sessions get, and
 * the version-specific choices where the docs leave a question open. Set at start, changed by tests with
 * `configure()` or over HTTP with `POST /_emulator/config`.
 */
import { DEFAULT_SCENARIO, getScenario } from './lifecycle.ts'

/** The operations whose permission can be withdrawn (`forbidden`) to test 403 handling. */
export const OPERATIONS = ['create', 'get', 'list', 'send-message', 'list-messages', 'terminate', 'self', 'upload', 'review-get', 'review-create'] as const
export type Operation = (typeof OPERATIONS)[number]

/** The v3 permission each operation needs (devin-api.md §1), quoted in 403 messages. */
export const PERMISSION: Record<Operation, string> = {
  create: 'ManageOrgSessions',
  'send-message': 'ManageOrgSessions',
  terminate: 'ManageOrgSessions',
  get: 'ViewOrgSessions',
  list: 'ViewOrgSessions',
  'list-messages': 'ViewOrgSessions',
  self: 'ViewOrgSessions',
  // Uploading attachments needs UseDevinSessions (devin-api.md §9.1), which ManageOrgSessions does not imply.
  upload: 'UseDevinSessions',
  'review-get': 'UseReviewManual',
  'review-create': 'UseReviewManual'
}

export interface EmulatorConfig {
  /** The one organization the session routes serve; any other org id is a 404. */
  orgId: string
  /** What `GET /v3/self` reports as `org_id`; null emulates an enterprise service user. */
  selfOrgId: string | null
  serviceUserId: string
  serviceUserName: string
  /** The scenario of new sessions without an `emulator-scenario:<name>` tag. */
  scenario: string
  forbidden: Set<Operation>
  /** When set, only these exact keys authenticate; otherwise any key with the version's prefix does. */
  apiKeys: Set<string> | null
  /** Whether v3beta1 responses carry `status_detail` (unconfirmed in the docs, devin-api.md §3). */
  v3beta1StatusDetail: boolean
  /** The VM platforms of the org; another `platform` value on v3 create is a 400 that lists them. */
  platforms: string[]
  /** v1 GET returns `structured_output` as a JSON string, as one community test saw (devin-api.md §2). */
  v1StructuredOutputAsString: boolean
  /**
   * An enterprise's tag allow-list (devin-api.md §9.3): a create with a tag outside it is refused (400, naming the
   * tags). Each entry is a tag, or a prefix ending in `*` (`gh-*`). null: every tag is allowed.
   */
  allowedTags: string[] | null
}

/** The fields of EmulatorConfig as plain JSON, for options, `configure()` and `POST /_emulator/config`. */
export interface ConfigPatch {
  orgId?: string
  selfOrgId?: string | null
  serviceUserId?: string
  serviceUserName?: string
  scenario?: string
  forbidden?: Operation[]
  apiKeys?: string[] | null
  v3beta1StatusDetail?: boolean
  platforms?: string[]
  v1StructuredOutputAsString?: boolean
  allowedTags?: string[] | null
}

export function defaultConfig(): EmulatorConfig {
  return {
    orgId: 'org-emulator',
    selfOrgId: 'org-emulator',
    serviceUserId: 'service-user-emulator',
    serviceUserName: 'Devin API emulator',
    scenario: DEFAULT_SCENARIO,
    forbidden: new Set(),
    apiKeys: null,
    v3beta1StatusDetail: false,
    platforms: ['linux', 'windows'],
    v1StructuredOutputAsString: false,
    allowedTags: null
  }
}

/**
 * Applies a patch after checking all of it (nothing changes when a field is wrong). When `orgId` changes and
 * `selfOrgId` is not given, `/v3/self` follows the new org.
 */
export function applyConfigPatch(config: EmulatorConfig, patch: unknown): void {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new TypeError('config must be an object')
  const p = patch as Record<string, unknown>
  const known = Object.keys(defaultConfig())
  const unknown = Object.keys(p).filter((k) => !known.includes(k))
  if (unknown.length > 0) throw new TypeError(`unknown config field(s) ${unknown.join(', ')}; known: ${known.join(', ')}`)
  const next = { ...config }
  if (p['orgId'] !== undefined) {
    next.orgId = nonEmptyString(p['orgId'], 'orgId')
    if (p['selfOrgId'] === undefined) next.selfOrgId = next.orgId
  }
  if (p['selfOrgId'] !== undefined) next.selfOrgId = p['selfOrgId'] === null ? null : nonEmptyString(p['selfOrgId'], 'selfOrgId')
  if (p['serviceUserId'] !== undefined) next.serviceUserId = nonEmptyString(p['serviceUserId'], 'serviceUserId')
  if (p['serviceUserName'] !== undefined) next.serviceUserName = nonEmptyString(p['serviceUserName'], 'serviceUserName')
  if (p['scenario'] !== undefined) next.scenario = getScenario(nonEmptyString(p['scenario'], 'scenario')).name
  if (p['forbidden'] !== undefined) {
    const ops = stringList(p['forbidden'], 'forbidden')
    const bad = ops.filter((op) => !(OPERATIONS as readonly string[]).includes(op))
    if (bad.length > 0) throw new TypeError(`unknown operation(s) ${bad.join(', ')}; known: ${OPERATIONS.join(', ')}`)
    next.forbidden = new Set(ops as Operation[])
  }
  if (p['apiKeys'] !== undefined) next.apiKeys = p['apiKeys'] === null ? null : new Set(stringList(p['apiKeys'], 'apiKeys'))
  if (p['v3beta1StatusDetail'] !== undefined) next.v3beta1StatusDetail = bool(p['v3beta1StatusDetail'], 'v3beta1StatusDetail')
  if (p['platforms'] !== undefined) next.platforms = stringList(p['platforms'], 'platforms')
  if (p['v1StructuredOutputAsString'] !== undefined) {
    next.v1StructuredOutputAsString = bool(p['v1StructuredOutputAsString'], 'v1StructuredOutputAsString')
  }
  if (p['allowedTags'] !== undefined) next.allowedTags = p['allowedTags'] === null ? null : stringList(p['allowedTags'], 'allowedTags')
  Object.assign(config, next)
}

/** The tags of a create that the allow-list refuses (none when there is no allow-list). */
export function refusedTags(config: EmulatorConfig, tags: readonly string[]): string[] {
  const allowed = config.allowedTags
  if (allowed === null) return []
  const permits = (pattern: string, tag: string) => (pattern.endsWith('*') ? tag.startsWith(pattern.slice(0, -1)) : tag === pattern)
  return tags.filter((tag) => !allowed.some((pattern) => permits(pattern, tag)))
}

/** The detail of a create refused for its tags. The real text is undocumented; this one names the tags, as a refusal should. */
export function tagRefusalDetail(refused: readonly string[]): string {
  return `Tag validation failed: ${refused.length === 1 ? 'tag' : 'tags'} ${refused.map((tag) => `'${tag}'`).join(', ')} ${refused.length === 1 ? 'is' : 'are'} not in your enterprise's list of allowed tags`
}

/** The config as JSON (sets become arrays). */
export function configToJson(config: EmulatorConfig): Record<string, unknown> {
  return { ...config, forbidden: [...config.forbidden], apiKeys: config.apiKeys && [...config.apiKeys].map(() => '***') }
}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`)
  return value
}

function stringList(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${name} must be an array of strings`)
  }
  return value as string[]
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`)
  return value
}
