import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { withTables } from '../scripts/readme-tables.ts'
import { readActionYml } from './helpers/action-yml.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')

describe('the README', () => {
  it('has the inputs and outputs tables of action.yml as they are now (run npm run docs)', () => {
    expect(withTables(readme)).toBe(readme)
  })

  it('names every input and output of action.yml', () => {
    const action = readActionYml()
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) expect(readme).toContain(`| \`${name}\` |`)
  })

  it('goes stale when an input is added to action.yml alone', () => {
    const action = readActionYml()
    const grown = { ...action, inputs: { ...action.inputs, 'new-input': { description: 'Something new.', default: 'x' } } }
    expect(withTables(readme, grown)).not.toBe(readme)
    const moreOutputs = { ...action, outputs: { ...action.outputs, 'new-output': { description: 'Something new.' } } }
    expect(withTables(readme, moreOutputs)).not.toBe(readme)
  })

  it('gives the two commands a contributor needs, and the one CI runs', () => {
    expect(readme).toContain('npm ci && npm test')
    expect(readme).toContain('npm run build')
    expect(readme).toContain('bash .ci/run')
  })
})
