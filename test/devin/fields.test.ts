import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Input } from '../../src/action/constants.js'
import { API_FIELD_INPUTS, REQUEST_FIELDS } from '../../src/devin/fields.js'

const schemaFields = (version: string): string[] =>
  Object.keys(
    (JSON.parse(readFileSync(new URL(`../../emulator/schemas/${version}-create-session.json`, import.meta.url), 'utf8')) as { properties: object }).properties
  )

describe('the request-field table', () => {
  for (const version of ['v3', 'v3beta1', 'v1'] as const) {
    it(`gives ${version} exactly the optional fields of its official create-session schema`, () => {
      const ours = Object.values(REQUEST_FIELDS)
        .filter((field) => field.versions.includes(version))
        .map((field) => field.api)
      const official = schemaFields(version).filter((name) => !['prompt', 'tags', 'idempotent'].includes(name))
      expect(ours.sort()).toEqual(official.sort())
    })
  }

  it('names a real input for every field, and the inputs of prompt, tags and message', () => {
    const inputs = new Set<string>(Object.values(Input))
    for (const field of Object.values(REQUEST_FIELDS)) expect(inputs, field.api).toContain(field.input)
    expect(API_FIELD_INPUTS).toMatchObject({
      prompt: 'prompt',
      tags: 'tags',
      message: 'message',
      max_acu_limit: 'max-acu-limit',
      advanced_mode: 'advanced-mode'
    })
  })
})
