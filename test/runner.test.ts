import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Runner, createActionsRunner } from '../src/runner.js'

// @actions/core is the reference implementation of the runner protocol; the action writes the
// protocol itself for start-up speed, and this test holds the two to the same bytes.

interface Captured {
  stdout: string
  output: string
  state: string
  summary: string
  exitCode: number | string | undefined
}

const savedEnv = { ...process.env }
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-'))
})
afterEach(() => {
  process.env = { ...savedEnv }
  process.exitCode = undefined
  vi.restoreAllMocks()
})

/** Runs the same calls through a runner, capturing stdout and the runner's files. */
async function capture(calls: (runner: Runner) => Promise<void>, useCore: boolean): Promise<Captured> {
  const files = {
    GITHUB_OUTPUT: join(dir, `${useCore}-output`),
    GITHUB_STATE: join(dir, `${useCore}-state`),
    GITHUB_STEP_SUMMARY: join(dir, `${useCore}-summary`)
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  process.env = { ...savedEnv, ...files, 'INPUT_API-KEY': '  cog_key  ', INPUT_PROMPT: 'line 1\nline 2', STATE_phase: 'main' }
  process.exitCode = undefined
  let stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  })
  const runner: Runner = useCore
    ? {
        getInput: (name) => core.getInput(name),
        setSecret: (value) => core.setSecret(value),
        setOutput: (name, value) => core.setOutput(name, value),
        info: (message) => core.info(message),
        warning: (message) => core.warning(message),
        debug: (message) => core.debug(message),
        startGroup: (title) => core.startGroup(title),
        endGroup: () => core.endGroup(),
        saveState: (name, value) => core.saveState(name, value),
        getState: (name) => core.getState(name),
        appendSummary: async (markdown) => {
          await core.summary.addRaw(markdown).write()
        },
        setFailed: (message) => core.setFailed(message)
      }
    : createActionsRunner(process.env)
  await calls(runner)
  vi.restoreAllMocks()
  const read = (file: string) => readFileSync(file, 'utf8').replace(/ghadelimiter_[0-9a-f-]+/g, 'DELIMITER')
  return { stdout, output: read(files.GITHUB_OUTPUT), state: read(files.GITHUB_STATE), summary: read(files.GITHUB_STEP_SUMMARY), exitCode: process.exitCode }
}

describe('the runner protocol', () => {
  it('matches @actions/core byte for byte', async () => {
    const calls = async (runner: Runner) => {
      runner.info(`key=${runner.getInput('api-key')} prompt=${runner.getInput('prompt')} state=${runner.getState('phase')}`)
      runner.setSecret('s3cr%t\nline')
      runner.setOutput('session-id', 'devin-1')
      runner.setOutput('prompt', 'multi\nline %0A value')
      runner.saveState('is-post', 'true')
      runner.warning('careful: 100% sure\r\nreally')
      runner.debug('details')
      runner.startGroup('Phase')
      runner.endGroup()
      await runner.appendSummary('## Title\n| a | b |\n')
      runner.setFailed('it broke:\nsecond line')
    }
    const ours = await capture(calls, false)
    const reference = await capture(calls, true)
    expect(ours).toEqual(reference)
    expect(ours.exitCode).toBe(1)
    expect(ours.output).toContain('prompt<<DELIMITER\nmulti\nline %0A value\nDELIMITER\n')
  })

  it('fails clearly when there is no job summary file', async () => {
    const runner = createActionsRunner({})
    await expect(runner.appendSummary('x')).rejects.toThrow('Unable to find the job summary file (GITHUB_STEP_SUMMARY)')
  })
})
