import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Input, Output } from '../src/action/constants.js'
import { readActionYml } from './helpers/action-yml.js'

// The product contract, committed in docs/ (a copy of the team's shared CONTRACT.md; `npm run sync-shared` refreshes it).
const contractPath = fileURLToPath(new URL('../docs/CONTRACT.md', import.meta.url))

interface ContractInput {
  name: string
  required: boolean
  default: string
}

/** Reads the input and output tables of CONTRACT.md: names (in backticks) and defaults. */
function readContract(): { inputs: ContractInput[]; outputs: string[] } {
  const text = readFileSync(contractPath, 'utf8')
  const inputsSection = text.slice(text.indexOf('\n## Inputs'), text.indexOf('\n## Template variables'))
  const outputsSection = text.slice(text.indexOf('\n## Outputs'), text.indexOf('\n## Behaviour'))
  const inputs: ContractInput[] = []
  let withDefaults = false
  for (const line of inputsSection.split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---')) continue
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim())
    if (cells[0] === 'input') {
      withDefaults = cells[1] === 'default'
      continue
    }
    const names = [...(cells[0] ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string)
    const defaultCell = withDefaults ? (cells[1] ?? '') : "''"
    const required = defaultCell === '(required)'
    const quoted = /^`(.*)`$/.exec(defaultCell)
    const inner = quoted ? (quoted[1] as string) : defaultCell
    const value = required || inner === "''" ? '' : inner
    for (const name of names) inputs.push({ name, required, default: value })
  }
  const outputs: string[] = []
  for (const line of outputsSection.split('\n')) {
    if (!line.startsWith('| `')) continue
    const first = line.split('|')[1] ?? ''
    outputs.push(...[...first.matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string))
  }
  return { inputs, outputs }
}

describe('action.yml', () => {
  const action = readActionYml()

  it('runs on node24 with one bundle for the main and post steps', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' })
    expect(action.name).toBeTruthy()
    expect(action.description).toBeTruthy()
  })

  it('describes every input and output, with every default a string', () => {
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(spec.description, name).toBeTruthy()
      if (spec.required !== true) expect(typeof spec.default, `${name} default`).toBe('string')
    }
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.description, name).toBeTruthy()
  })

  it('declares exactly the inputs and outputs the code names', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Input).sort())
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Output).sort())
  })

  it('matches the names and defaults of CONTRACT.md', () => {
    const contract = readContract()
    expect(contract.inputs.length).toBeGreaterThan(40)
    const fromYml = Object.entries(action.inputs).map(([name, spec]) => ({
      name,
      required: spec.required === true,
      default: spec.default ?? ''
    }))
    const byName = (a: ContractInput, b: ContractInput) => a.name.localeCompare(b.name)
    expect(fromYml.sort(byName)).toEqual(contract.inputs.sort(byName))
    expect(Object.keys(action.outputs).sort()).toEqual(contract.outputs.sort())
  })

  it('quotes every default in the file itself, as the contract asks', () => {
    const text = readFileSync(fileURLToPath(new URL('../action.yml', import.meta.url)), 'utf8')
    // github-token's expression too: GitHub evaluates it inside the quotes, and the contract makes no exception.
    const unquoted = text.split('\n').filter((line) => /^\s+default:/.test(line) && !/^default: '.*'$/.test(line.trim()))
    expect(unquoted).toEqual([])
  })
})
