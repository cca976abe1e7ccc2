import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readActionYml } from './helpers/action-yml.js'

const dir = fileURLToPath(new URL('../examples/', import.meta.url))
const examples = readdirSync(dir).filter((file) => file.endsWith('.yml'))
const inputs = new Set(Object.keys(readActionYml().inputs))

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Workflow {
  on: unknown
  permissions: Record<string, string>
  jobs: Record<string, { steps: Step[] }>
}

/** Recipes that keep no comment (a scheduled job that opens a session, a dispatch): no permission at all. */
const WITHOUT_COMMENTS = new Set(['scheduled-maintenance.yml', 'wait-for-pull-request.yml'])
/** Recipes that keep check runs without setting check-run (a scheduled reconcile, which also edits comments): `checks: write` too. */
const CHECK_RUNS = new Set(['reconcile.yml'])

describe('example workflows', () => {
  it('are each a recipe the README links', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
    const linked = new Set([...readme.matchAll(/\]\(examples\/([\w.-]+\.yml)\)/g)].map((match) => match[1]))
    expect(examples.sort()).toEqual([...linked].sort())
  })

  for (const file of examples) {
    describe(file, () => {
      const workflow = parse(readFileSync(`${dir}${file}`, 'utf8')) as Workflow

      it('sets the least workflow permissions: write only to the threads it comments on, and to checks where it keeps check runs', () => {
        expect(workflow.permissions).toBeDefined()
        const comments = !WITHOUT_COMMENTS.has(file)
        const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
        const checkRun =
          CHECK_RUNS.has(file) || steps.some((step) => step.uses?.startsWith('devin-session-action/') && String(step.with?.['check-run']) === 'true')
        // Fixing failed CI reads the failed jobs and their logs: actions: read, and only there.
        const reads: Record<string, string> = file === 'fix-failed-ci.yml' ? { actions: 'read' } : {}
        for (const [scope, level] of Object.entries(workflow.permissions)) {
          if (reads[scope] !== undefined) {
            expect(level, scope).toBe(reads[scope])
            continue
          }
          expect(['issues', 'pull-requests', ...(checkRun ? ['checks'] : [])], scope).toContain(scope)
          expect(level).toBe('write')
        }
        for (const [scope, level] of Object.entries(reads)) expect(workflow.permissions[scope], `${file} needs ${scope}: ${level}`).toBe(level)
        expect(workflow.permissions.checks === 'write', 'checks: write exactly where a step keeps check runs').toBe(checkRun)
        expect(Object.keys(workflow.permissions).length > 0).toBe(comments)
      })

      it('passes the action only inputs it has, and the key from a secret', () => {
        const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
        const action = steps.filter((step) => step.uses?.startsWith('devin-session-action/'))
        expect(action.length).toBeGreaterThan(0)
        for (const step of action) {
          for (const name of Object.keys(step.with ?? {})) expect(inputs, name).toContain(name)
          expect(step.with?.['api-key']).toBe('${{ secrets.DEVIN_API_KEY }}')
        }
      })

      it('never pastes an expression into a shell script', () => {
        const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''))
        for (const script of runs) expect(script).not.toContain('${{')
      })
    })
  }
})
