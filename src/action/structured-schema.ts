import { loadAjv } from '../lazy/ajv.js'
import { type ReadWorkspaceFile, isInsideWorkspace } from './workspace-file.js'

/** Formats are Devin's business; the action checks shape only (and so never logs "unknown format"). */
const AJV_OPTIONS = { strict: false, validateFormats: false, allErrors: true } as const

/** Devin's limit on a structured-output schema: 64 KB of JSON. */
export const MAX_SCHEMA_BYTES = 64 * 1024

const SCHEMA_FILE = /\.(json|ya?ml)$/i

export type SchemaResult = { ok: true; schema: Record<string, unknown> } | { ok: false; problem: string }

/**
 * Turns the `structured-output-schema` input (inline JSON, inline YAML, or a path to a .json/.yml file)
 * into a schema object, and checks what Devin requires of it: a Draft-7 JSON Schema of at most 64 KB
 * with no external `$ref`. The validator and YAML parser are loaded only here, so runs without a
 * schema do not pay for them at start-up.
 */
export async function loadStructuredOutputSchema(raw: string, readFile: ReadWorkspaceFile): Promise<SchemaResult> {
  const value = raw.trim()
  let text = value
  let source = 'the inline value'
  if (!value.includes('\n') && SCHEMA_FILE.test(value) && !value.startsWith('{')) {
    if (!isInsideWorkspace(value)) {
      return { ok: false, problem: `the file "${value}" is outside the workspace. Accepted: a path relative to the workspace, without "..".` }
    }
    const read = readFile(value)
    if (!read.ok && read.missing) {
      return {
        ok: false,
        problem: `the file "${value}" does not exist in the workspace. Accepted: inline JSON or YAML, or the path of a .json/.yml/.yaml file relative to the workspace (check out the repository first).`
      }
    }
    if (!read.ok) return { ok: false, problem: `the file ${read.problem}` }
    text = read.text
    source = `the file "${value}"`
  }

  let parsed: unknown
  try {
    parsed = text.trimStart().startsWith('{') ? JSON.parse(text) : (await import('yaml')).parse(text)
  } catch (error) {
    return { ok: false, problem: `${source} is neither valid JSON nor valid YAML (${firstLine(error)}).` }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problem: `${source} is not a JSON Schema object. Accepted: a Draft-7 schema object such as {"type": "object", "properties": {…}}.` }
  }
  const schema = parsed as Record<string, unknown>

  const size = Buffer.byteLength(JSON.stringify(schema), 'utf8')
  if (size > MAX_SCHEMA_BYTES) {
    return { ok: false, problem: `${source} is ${size} bytes as JSON; Devin accepts at most ${MAX_SCHEMA_BYTES} bytes (64 KB).` }
  }

  const external = externalRefs(schema)
  if (external.length > 0) {
    return {
      ok: false,
      problem: `${source} has external $ref ${external.map((ref) => `"${ref}"`).join(', ')}; Devin needs a self-contained schema. Move the referenced schemas into "definitions" and refer to them as "#/definitions/…".`
    }
  }

  const ajv = await loadAjv(AJV_OPTIONS)
  try {
    if (!ajv.validateSchema(schema)) {
      return { ok: false, problem: `${source} is not a valid Draft-7 JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}.` }
    }
    ajv.compile(schema)
  } catch (error) {
    return { ok: false, problem: `${source} is not a usable Draft-7 JSON Schema: ${firstLine(error)}.` }
  }
  return { ok: true, schema }
}

/** Every `$ref` that points outside the schema itself (anything but a "#…" fragment). */
function externalRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) externalRefs(item, found)
  } else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' && typeof child === 'string' && !child.startsWith('#')) found.push(child)
      else externalRefs(child, found)
    }
  }
  return found
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0] ?? text
}

/**
 * Where structured output breaks its schema: one "path: problem" per failure, none when it conforms.
 * A mismatch is only reported: the output is Devin's and is passed on as it is.
 */
export async function structuredOutputProblems(schema: Record<string, unknown>, output: unknown): Promise<string[]> {
  const validate = (await loadAjv(AJV_OPTIONS)).compile(schema)
  if (validate(output)) return []
  return (validate.errors ?? []).map((error) => `${error.instancePath === '' ? '(root)' : error.instancePath}: ${error.message ?? 'is invalid'}`)
}
