/**
 * Extracts the create-session request schemas of Devin's v1, v3beta1 and v3 APIs from the API reference pages
 * ("seeds") and writes them to emulator/schemas/*.json, where they are committed as data. Run it once when the
 * reference changes; the emulator only reads the JSON.
 *
 *   npm run schemas                      # write emulator/schemas/*.json
 *   npm run schemas -- --check           # exit 1 if the committed files differ from a fresh extraction
 *   npm run schemas -- --seeds <dir>     # seed pages elsewhere (default: emulator/seeds, or $SEEDS_DIR)
 *
 * v1 and v3 come from the OpenAPI YAML embedded in the seed pages; v3beta1's seed is a rendered docs page with
 * no YAML, so its schema is built in code from that page's body list (see v3beta1Schema).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { createAjv } from '../emulator/validate.ts'

type Json = Record<string, unknown>

export interface ExtractedSchemas {
  v1: Json
  v3beta1: Json
  v3: Json
}

/** The seed pages, by role. The file names are the crawler's content hashes, so they are stable. */
export const SEED_FILES = {
  /** v1 "Create a new session", English page, Mintlify's pre-digested `schemaArray` form (an older, smaller spec). */
  v1Digest: '000_708b20d624356eb1.txt',
  /** v1 "Create a new session", Japanese page embedding `ja/v1-openapi.yaml`: the full spec. */
  v1: '001_4264c9ef7f36ea0a.txt',
  /** v3 "Create Session" embedding `v3-openapi.yaml`. */
  v3: '002_eb5b17f7a53b0eae.txt',
  /** v3beta1 "Create Session", a rendered page (text only). */
  v3beta1: '003_6881c25043e75be2.txt',
  /** v3 "Create a new session", rendered text of the same endpoint as 002; it adds no request field. */
  v3Rendered: '004_5042584a4ab2e4ea.txt'
} as const

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SCHEMA_DIR = path.join(ROOT, 'emulator', 'schemas')
/** The seed pages are committed beside the schemas, so a fresh clone can extract and check them. */
export const DEFAULT_SEED_DIR = path.resolve(ROOT, 'emulator', 'seeds')
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#'

export function extractSchemas(seedDir: string): ExtractedSchemas {
  const read = (name: string) => readFileSync(path.join(seedDir, name), 'utf8')
  const v1 = v1Schema(read(SEED_FILES.v1), read(SEED_FILES.v1Digest))
  const v3 = v3Schema(read(SEED_FILES.v3))
  const v3beta1 = v3beta1Schema(read(SEED_FILES.v3beta1), v3)
  const schemas = { v1, v3beta1, v3 }
  checkExamples(schemas, read(SEED_FILES.v1Digest), read(SEED_FILES.v3beta1))
  return schemas
}

/** The text of the first ```` ```yaml ```` fence in a seed page, parsed. */
function embeddedYaml(page: string): Json {
  const match = /^````yaml[^\n]*\n([\s\S]*?)^````/m.exec(page)
  if (!match?.[1]) throw new Error('no ````yaml block in the seed page')
  return parseYaml(match[1]) as Json
}

function v1Schema(fullPage: string, digestPage: string): Json {
  const schema = requestSchema(embeddedYaml(fullPage), '/v1/sessions', 'v1')
  // Cross-check against the older digest page: every field it documents must still be in the full spec,
  // or the two pages describe different APIs and the extraction must not silently pick one.
  const digest = embeddedYaml(digestPage) as { paths: { request: { body: Json } } }
  const digestBody = digest.paths.request.body['application/json'] as { schemaArray: { properties: Json }[] }
  const digestFields = Object.keys(digestBody.schemaArray[0]?.properties ?? {})
  const fields = Object.keys(schema['properties'] as Json)
  const missing = digestFields.filter((f) => !fields.includes(f))
  if (digestFields.length === 0 || missing.length > 0) {
    throw new Error(`v1 seeds disagree: fields only on the digest page: ${missing.join(', ') || '(none found)'}`)
  }
  return schema
}

function v3Schema(page: string): Json {
  const schema = requestSchema(embeddedYaml(page), '/v3/organizations/{org_id}/sessions', 'v3')
  const devinMode = (schema['properties'] as Json)['devin_mode'] as { anyOf: Json[]; $comment?: string }
  const modes = devinMode.anyOf.find((branch) => Array.isArray(branch['enum']))?.['enum'] as string[] | undefined
  if (!modes) throw new Error('v3 seed: devin_mode has no enum')
  // The seed's spec predates `fusion`; devin-api.md §1.1 (newer docs) lists it, and the action offers it.
  if (!modes.includes('fusion')) {
    modes.push('fusion')
    devinMode['$comment'] = "'fusion' added by scripts/extract-schemas.ts: newer docs list it (devin-api.md §1.1)"
  }
  return schema
}

/**
 * v3beta1's seed is a rendered page without OpenAPI, so this builds the schema in code from the page's "Body"
 * list (name, type such as `string[] | null`, `required`, `Available options:`). Two additions, both on purpose:
 * - `session_links`: missing from the body list, but in the page's own curl example and required by its
 *   `analyze` advanced mode, so the endpoint accepts it;
 * - `attachment_urls`, `session_secrets`, `structured_output_schema`: listed for v3beta1 by the newer page that
 *   devin-api.md §3 cites; their schemas are taken from v3, whose fields they are the same as.
 */
function v3beta1Schema(page: string, v3: Json): Json {
  const properties: Json = {}
  const required: string[] = []
  for (const field of bodyList(page)) {
    properties[field.name] = field.schema
    if (field.required) required.push(field.name)
  }
  for (const [name, value] of Object.entries(curlExample(page))) {
    if (!(name in properties)) properties[name] = schemaFromExample(value)
  }
  const v3Properties = v3['properties'] as Json
  for (const name of ['attachment_urls', 'session_secrets', 'structured_output_schema']) {
    if (!(name in properties)) properties[name] = structuredClone(v3Properties[name])
  }
  if (!required.includes('prompt')) throw new Error('v3beta1 seed: prompt is not marked required')
  return {
    $schema: DRAFT_07,
    $comment: commentFor('v3beta1', 'built in code from the rendered body list (no OpenAPI on the page)'),
    title: 'SessionCreateRequest (v3beta1)',
    type: 'object',
    properties: sortKeys(properties),
    required,
    additionalProperties: false,
    definitions: { SessionSecretInput: structuredClone((v3['definitions'] as Json)['SessionSecretInput']) }
  }
}

interface BodyField {
  name: string
  required: boolean
  schema: Json
}

/** Parses the rendered "Body / application/json" list: one field is a name line, a type line, then options. */
function bodyList(page: string): BodyField[] {
  const section = /\nBody\n\s*\napplication\/json\n([\s\S]*?)\nResponse\n/.exec(page)?.[1]
  if (!section) throw new Error('v3beta1 seed: no Body section')
  const lines = section
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  const fields: BodyField[] = []
  let i = 0
  // Bounded by the number of lines: every pass consumes at least the name and type lines.
  while (i < lines.length) {
    const name = lines[i++] ?? ''
    const type = lines[i++] ?? ''
    if (!/^[a-z_]+$/.test(name)) throw new Error(`v3beta1 seed: unexpected line '${name}' in the body list`)
    let isRequired = false
    let options: string[] | undefined
    if (lines[i] === 'required') {
      isRequired = true
      i++
    }
    if (lines[i] === 'Available options:') {
      i++
      options = []
      // Options are listed one per line, each but the last ending in a comma.
      while (i < lines.length) {
        const option = lines[i++] ?? ''
        options.push(option.replace(/,$/, ''))
        if (!option.endsWith(',')) break
      }
    }
    fields.push({ name, required: isRequired, schema: schemaFromRenderedType(type, options) })
  }
  return fields
}

function schemaFromRenderedType(rendered: string, options: string[] | undefined): Json {
  const parts = rendered.split('|').map((p) => p.trim())
  const nullable = parts.includes('null')
  const base = parts.find((p) => p !== 'null')
  let schema: Json
  if (base === 'enum<string>' && options) schema = { enum: options, type: 'string' }
  else if (base === 'string' || base === 'integer' || base === 'boolean' || base === 'number') schema = { type: base }
  else if (base === 'string[]') schema = { items: { type: 'string' }, type: 'array' }
  else throw new Error(`v3beta1 seed: unknown rendered type '${rendered}'`)
  return nullable ? { anyOf: [schema, { type: 'null' }] } : schema
}

/** The JSON body of the page's curl example (`--data '{…}'`). */
function curlExample(page: string): Json {
  const data = /--data '\s*([\s\S]*?)\s*'\n/.exec(page)?.[1]
  if (!data) throw new Error('v3beta1 seed: no curl --data example')
  return JSON.parse(data) as Json
}

function schemaFromExample(value: unknown): Json {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return { anyOf: [{ items: { type: 'string' }, type: 'array' }, { type: 'null' }] }
  }
  if (typeof value === 'string') return { anyOf: [{ type: 'string' }, { type: 'null' }] }
  throw new Error(`v3beta1 seed: cannot infer a schema from the example value ${JSON.stringify(value)}`)
}

/**
 * The request body schema of `POST <apiPath>` in an OpenAPI document, made self-contained: the component
 * schemas it references (transitively) move to `definitions`, and refs are rewritten to point there.
 */
function requestSchema(openapi: Json, apiPath: string, version: string): Json {
  const paths = openapi['paths'] as Record<string, { post?: Json }>
  const post = paths[apiPath]?.post
  const content = (post?.['requestBody'] as { content?: Record<string, { schema?: { $ref?: string } }> })?.content
  const rootRef = content?.['application/json']?.schema?.$ref
  if (!rootRef) throw new Error(`${version} seed: no JSON request body $ref for POST ${apiPath}`)
  const components = (openapi['components'] as { schemas: Record<string, Json> }).schemas
  const rootName = refName(rootRef)
  const needed = new Set<string>()
  const queue = [rootName]
  // Bounded by the number of component schemas: each name is queued at most once.
  while (queue.length > 0) {
    const name = queue.shift() as string
    if (needed.has(name)) continue
    const component = components[name]
    if (!component) throw new Error(`${version} seed: $ref to missing component ${name}`)
    needed.add(name)
    for (const ref of collectRefs(component)) queue.push(refName(ref))
  }
  const definitions: Json = {}
  for (const name of [...needed].filter((n) => n !== rootName).sort()) {
    // Request objects reject unknown fields (see closeObject).
    definitions[name] = closeObject(rewriteRefs(components[name] as Json))
  }
  const root = closeObject(rewriteRefs(components[rootName] as Json))
  return {
    $schema: DRAFT_07,
    $comment: commentFor(version, `from the OpenAPI components/schemas/${rootName}`),
    ...root,
    ...(Object.keys(definitions).length > 0 ? { definitions } : {})
  }
}

/**
 * `additionalProperties: false` on request objects. The real API (FastAPI) may well ignore unknown fields; the
 * emulator rejects them so that a client sending a field its API version lacks (v3 `idempotent`, v1 `repos`…)
 * is caught in tests instead of being silently dropped in production.
 */
function closeObject(schema: Json): Json {
  return { ...schema, additionalProperties: false }
}

function refName(ref: string): string {
  const prefix = '#/components/schemas/'
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`)
  return ref.slice(prefix.length)
}

function collectRefs(node: unknown, found: string[] = []): string[] {
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value)
      else collectRefs(value, found)
    }
  }
  return found
}

function rewriteRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(rewriteRefs) as T
  if (node === null || typeof node !== 'object') return node
  const out: Json = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? `#/definitions/${refName(value)}` : rewriteRefs(value)
  }
  return out as T
}

function sortKeys(object: Json): Json {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)))
}

function commentFor(version: string, how: string): string {
  return `Devin ${version} create-session request, ${how}. Generated by scripts/extract-schemas.ts; do not edit.`
}

/** The extracted schemas must compile, accept the seed pages' own examples and reject unknown fields. */
function checkExamples(schemas: ExtractedSchemas, v1DigestPage: string, v3beta1Page: string): void {
  const ajv = createAjv()
  const digest = embeddedYaml(v1DigestPage) as { paths: { request: { body: Json } } }
  const examples = (digest.paths.request.body['application/json'] as { examples: Record<string, { value: Json }> }).examples
  const cases: [keyof ExtractedSchemas, Json][] = [
    ['v1', examples['create-session-example']?.value ?? {}],
    ['v3beta1', curlExample(v3beta1Page)],
    ['v3', { prompt: 'Fix the flaky test', devin_mode: 'fusion', tags: ['a'] }]
  ]
  for (const [version, example] of cases) {
    const validate = ajv.compile(schemas[version])
    if (!validate(example)) {
      throw new Error(`${version}: the seed's example is rejected: ${ajv.errorsText(validate.errors)}`)
    }
    if (validate({ ...example, not_a_devin_field: true })) throw new Error(`${version}: unknown fields are accepted`)
  }
}

export function schemaFiles(schemas: ExtractedSchemas): Map<string, string> {
  const files = new Map<string, string>()
  for (const version of ['v1', 'v3beta1', 'v3'] as const) {
    files.set(path.join(SCHEMA_DIR, `${version}-create-session.json`), `${JSON.stringify(schemas[version], null, 2)}\n`)
  }
  return files
}

function main(): number {
  const { values } = parseArgs({
    options: { seeds: { type: 'string' }, check: { type: 'boolean', default: false } }
  })
  const seedDir = path.resolve(values.seeds ?? process.env['SEEDS_DIR'] ?? DEFAULT_SEED_DIR)
  if (!existsSync(seedDir)) {
    process.stderr.write(`Seed pages not found in ${seedDir}; pass --seeds <dir> or set SEEDS_DIR.\n`)
    return 2
  }
  const files = schemaFiles(extractSchemas(seedDir))
  if (values.check) {
    const stale = [...files].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text)
    for (const [file] of stale) process.stderr.write(`${path.relative(ROOT, file)} differs from the seeds\n`)
    if (stale.length === 0) process.stdout.write('emulator/schemas are up to date with the seeds\n')
    return stale.length === 0 ? 0 : 1
  }
  mkdirSync(SCHEMA_DIR, { recursive: true })
  for (const [file, text] of files) {
    writeFileSync(file, text)
    process.stdout.write(`wrote ${path.relative(ROOT, file)}\n`)
  }
  return 0
}

// Run only as a script, not when a test imports extractSchemas.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main()
}
