import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SEED_DIR, extractSchemas, schemaFiles } from '../../scripts/extract-schemas.ts'
import { loadCreateSchema, validateCreateBody } from '../../emulator/validate.ts'

const fields = (version: 'v1' | 'v3beta1' | 'v3') => Object.keys(loadCreateSchema(version)['properties'] as object)

describe('create-session schemas', () => {
  it('v3: no v1/v3beta1-only fields, devin_mode includes fusion', () => {
    const v3 = fields('v3')
    for (const f of ['idempotent', 'advanced_mode', 'snapshot_id', 'unlisted']) expect(v3).not.toContain(f)
    for (const f of ['prompt', 'repos', 'devin_mode', 'platform', 'resumable', 'structured_output_required']) expect(v3).toContain(f)
    expect(validateCreateBody('v3', { prompt: 'p', devin_mode: 'fusion' })).toEqual([])
  })

  it('v3beta1: advanced_mode, and none of v3 devin_mode/platform/resumable', () => {
    const beta = fields('v3beta1')
    for (const f of ['devin_mode', 'platform', 'resumable', 'idempotent']) expect(beta).not.toContain(f)
    for (const f of ['prompt', 'advanced_mode', 'repos', 'session_links']) expect(beta).toContain(f)
  })

  it('v1: idempotent, snapshot_id and unlisted, but no repos', () => {
    const v1 = fields('v1')
    for (const f of ['idempotent', 'snapshot_id', 'unlisted', 'session_secrets', 'structured_output_schema']) expect(v1).toContain(f)
    for (const f of ['repos', 'devin_mode', 'advanced_mode', 'session_links']) expect(v1).not.toContain(f)
  })

  it.each([
    ['v3', { prompt: 'p', idempotent: true }, ['body', 'idempotent'], 'extra_forbidden'],
    ['v3', { prompt: 'p', max_acu_limit: 'ten' }, ['body', 'max_acu_limit'], 'int_type'],
    ['v3', { prompt: 'p', devin_mode: 'turbo' }, ['body', 'devin_mode'], 'enum'],
    ['v3', { prompt: 'p', attachment_urls: ['not a url'] }, ['body', 'attachment_urls', 0], 'url_parsing'],
    ['v3', { prompt: 'p', session_secrets: [{ key: '', value: 'v' }] }, ['body', 'session_secrets', 0, 'key'], 'string_too_short'],
    ['v3', { prompt: 'p', session_secrets: [{ key: 'K', value: 'v', extra: 1 }] }, ['body', 'session_secrets', 0, 'extra'], 'extra_forbidden'],
    ['v3beta1', { prompt: 'p', devin_mode: 'fast' }, ['body', 'devin_mode'], 'extra_forbidden'],
    ['v3beta1', { prompt: 'p', advanced_mode: 'explode' }, ['body', 'advanced_mode'], 'enum'],
    ['v1', { prompt: 'p', repos: ['o/r'] }, ['body', 'repos'], 'extra_forbidden'],
    ['v1', { prompt: 'p', max_acu_limit: 0 }, ['body', 'max_acu_limit'], 'greater_than'],
    ['v1', { prompt: 'p', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ['body', 'tags'], 'too_long'],
    ['v1', { title: 'no prompt' }, ['body', 'prompt'], 'missing']
  ] as const)('%s rejects %j at %j (%s)', (version, body, loc, type) => {
    expect(validateCreateBody(version, body)).toEqual([expect.objectContaining({ loc, type })])
  })

  it('reports every bad field at once', () => {
    const errors = validateCreateBody('v3', { prompt: 1, tags: 'a', unlisted: true })
    expect(errors.map((e) => e.loc.join('.')).sort()).toEqual(['body.prompt', 'body.tags', 'body.unlisted'])
  })

  it('checks structured_output_schema: Draft 7, self-contained, at most 64 KB', () => {
    const bad = (schema: object) => validateCreateBody('v3', { prompt: 'p', structured_output_schema: schema })
    expect(bad({ type: 'object', properties: { ok: { type: 'boolean' } } })).toEqual([])
    expect(bad({ $ref: 'https://example.com/s.json' })).toEqual([expect.objectContaining({ type: 'value_error' })])
    expect(bad({ type: 'not-a-type' })).toEqual([expect.objectContaining({ type: 'value_error' })])
    expect(bad({ description: 'x'.repeat(70_000) })[0]?.msg).toMatch(/64KB/)
  })

  // The seed pages are committed (emulator/seeds/): the committed JSON must be what they give.
  it('are what scripts/extract-schemas.ts extracts from the seeds', () => {
    for (const [file, text] of schemaFiles(extractSchemas(DEFAULT_SEED_DIR))) {
      expect(readFileSync(file, 'utf8'), file).toBe(text)
    }
  })
})
