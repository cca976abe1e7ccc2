import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Runner, createActionsRunner } from '../src/action/runner.js'
import { executedCommands, forgedCommands } from './helpers/workflow-commands.js'

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

  // Text from Devin or the event that holds workflow commands: at a line start, after a lone CR, after
  // spaces, and the legacy form in mid-line.
  const HOSTILE = [
    'https://github.com/o/r/pull/1',
    '::add-mask::x',
    '::set-output name=outcome::finished',
    '\r::stop-commands::hijack',
    '   ::error::forged',
    'title ##[set-output name=outcome;]finished',
    '::warning::%0Aescaped %25'
  ].join('\n')

  it('prints log text that holds workflow commands as it is, and the runner runs none of it', async () => {
    const { stdout } = await capture(async (runner) => runner.info(`Devin opened a pull request: ${HOSTILE}`), false)
    expect(stdout).toContain(`Devin opened a pull request: ${HOSTILE}\n`)
    const executed = executedCommands(stdout)
    expect(executed.map((command) => command.name)).toEqual(['stop-commands', executed[0]?.data])
    expect(executed[0]?.data).toMatch(/^[0-9a-f-]{36}$/)
    expect(forgedCommands(stdout, [])).toEqual([])
  })

  it('prints plain log text as @actions/core does, with no stop-commands around it', async () => {
    const calls = async (runner: Runner) => runner.info('Opened Devin session devin-1: https://app.devin.ai/sessions/devin-1\nsecond line')
    const ours = await capture(calls, false)
    expect(ours).toEqual(await capture(calls, true))
    expect(executedCommands(ours.stdout)).toEqual([])
  })

  it('escapes data in annotations, debug lines, masks and groups as @actions/core does, so none forges a command', async () => {
    const calls = async (runner: Runner) => {
      runner.warning(HOSTILE)
      runner.debug(HOSTILE)
      runner.startGroup(HOSTILE)
      runner.endGroup()
      runner.setFailed(HOSTILE)
    }
    const ours = await capture(calls, false)
    expect(ours).toEqual(await capture(calls, true))
    expect(executedCommands(ours.stdout).map((command) => [command.name, command.data])).toEqual([
      ['warning', HOSTILE],
      ['debug', HOSTILE],
      ['group', HOSTILE],
      ['endgroup', ''],
      ['error', HOSTILE]
    ])
    expect(forgedCommands(ours.stdout, [])).toEqual([])
  })

  it('fails clearly when there is no job summary file', async () => {
    const runner = createActionsRunner({})
    await expect(runner.appendSummary('x')).rejects.toThrow('Unable to find the job summary file (GITHUB_STEP_SUMMARY)')
  })
})
