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

/**
 * The parts of the contract's "Beyond opening a session" that are built (each the subject of its own issue).
 * Their inputs and outputs must be in action.yml; the parts still to come are checked only for what is there.
 */
const BUILT_PARTS = [
  "The action's tags",
  'Spending and trust',
  'One conversation per thread',
  'The session as a check run, and reconcile without a waiting runner',
  'Fixing failed CI',
  'Devin Review'
]

/** Reads the input tables of CONTRACT.md (every section) and its outputs: names (in backticks) and defaults, by section. */
function readContract(): { inputs: (ContractInput & { section: string })[]; outputs: { name: string; section: string }[] } {
  const text = readFileSync(contractPath, 'utf8')
  const inputs: (ContractInput & { section: string })[] = []
  const outputs: { name: string; section: string }[] = []
  let section = ''
  let table: 'inputs' | 'inputs-no-default' | 'outputs' | 'other' | undefined
  for (const line of text.split('\n')) {
    const heading = /^#{2,3} (.*?)( \(.*\))?$/.exec(line)
    if (heading) {
      section = heading[1] as string
      table = undefined
      continue
    }
    if (!line.startsWith('|')) {
      table = undefined
      // Outputs a built part names in its prose ("Output `budget-remaining`: …").
      for (const match of line.matchAll(/\b[Oo]utputs?:? `([a-z-]+)`/g)) outputs.push({ name: match[1] as string, section })
      continue
    }
    if (line.startsWith('|---')) continue
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim())
    if (table === undefined) {
      table = cells[0] === 'input' ? (cells[1] === 'default' ? 'inputs' : 'inputs-no-default') : cells[0] === 'output' ? 'outputs' : 'other'
      continue
    }
    const names = [...(cells[0] ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string)
    if (table === 'outputs') {
      for (const name of names) outputs.push({ name, section })
      continue
    }
    if (table === 'other') continue
    const defaultCell = table === 'inputs' ? (cells[1] ?? '') : "''"
    const required = defaultCell === '(required)'
    const quoted = /^`(.*)`$/.exec(defaultCell)
    const inner = quoted ? (quoted[1] as string) : defaultCell
    const value = required || inner === "''" ? '' : inner.replace(/^'(.*)'$/, '$1')
    for (const name of names) inputs.push({ name, required, default: value, section })
  }
  return { inputs, outputs }
}

/** Sections of the first half of the contract (what opening a session needs), and the built parts of the second. */
function isBuilt(section: string): boolean {
  return ['Connection', 'The session request', 'Reuse, continue, wait', 'GitHub', 'Outputs'].includes(section) || BUILT_PARTS.includes(section)
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

  it('matches the names and defaults of CONTRACT.md, for every part built so far', () => {
    const contract = readContract()
    expect(contract.inputs.length).toBeGreaterThan(50)
    const fromYml = Object.entries(action.inputs).map(([name, spec]) => ({ name, required: spec.required === true, default: spec.default ?? '' }))
    const byName = (a: ContractInput, b: ContractInput) => a.name.localeCompare(b.name)
    const built = contract.inputs.filter((input) => isBuilt(input.section)).map(({ name, required, default: value }) => ({ name, required, default: value }))
    expect(fromYml.sort(byName)).toEqual(built.sort(byName))
    const builtOutputs = [...new Set(contract.outputs.filter((output) => isBuilt(output.section)).map((output) => output.name))]
    expect(Object.keys(action.outputs).sort()).toEqual(builtOutputs.sort())
  })

  it('quotes every default in the file itself, as the contract asks', () => {
    const text = readFileSync(fileURLToPath(new URL('../action.yml', import.meta.url)), 'utf8')
    // github-token's expression too: GitHub evaluates it inside the quotes, and the contract makes no exception.
    const unquoted = text.split('\n').filter((line) => /^\s+default:/.test(line) && !/^default: '.*'$/.test(line.trim()))
    expect(unquoted).toEqual([])
  })
})
