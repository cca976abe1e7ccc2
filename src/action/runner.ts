import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync } from 'node:fs'
import { EOL } from 'node:os'
import type { InputName, OutputName } from './constants.js'

/**
 * The GitHub Actions runner as the action uses it: inputs, outputs, masking, log, state and the job
 * summary. The pipeline receives it as a parameter, so tests can pass a recording fake.
 */
export interface Runner {
  getInput(name: InputName): string
  setSecret(value: string): void
  setOutput(name: OutputName, value: string): void
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  startGroup(title: string): void
  endGroup(): void
  saveState(name: string, value: string): void
  getState(name: string): string
  /** Appends markdown to the job summary. */
  appendSummary(markdown: string): Promise<void>
  setFailed(message: string): void
}

/** Workflow-command data escaping, as the runner decodes it. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/**
 * The runner's file commands (GITHUB_OUTPUT, GITHUB_STATE): `name<<delimiter` blocks with a random
 * delimiter that neither the name nor the value may contain, so a value cannot forge another output.
 */
function appendKeyValue(file: string, name: string, value: string): void {
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: the name or value of ${name} contains the delimiter ${delimiter}`)
  }
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8')
}

function command(name: string, message: string): void {
  process.stdout.write(`::${name}::${escapeData(message)}${EOL}`)
}

/**
 * Whether the runner could take some line of the text for a workflow command: `::name::` at the
 * start of a line (after spaces), or the legacy `##[name]` anywhere in one. Checked on the whole text
 * rather than line by line, so how the runner splits lines (it also breaks at a lone `\r`) and which
 * characters it trims do not matter.
 */
function couldBeCommand(text: string): boolean {
  return text.includes('::') || text.includes('##[')
}

/**
 * Prints a log line. Log lines carry data (URLs and states from Devin, titles and bodies from the
 * event, the dry run's request), and a line of data that the runner took for a command would set
 * outputs, masks or annotations of an attacker's choosing. Text that could hold one is printed
 * between `::stop-commands::<token>` and `::<token>::`, with a random token it does not contain:
 * the runner shows it as it is and runs none of it. Other text is printed as @actions/core does.
 */
function info(message: string): void {
  if (!couldBeCommand(message)) {
    process.stdout.write(`${message}${EOL}`)
    return
  }
  let token = randomUUID()
  while (message.includes(token)) token = randomUUID()
  process.stdout.write(`::stop-commands::${token}${EOL}${message}${EOL}::${token}::${EOL}`)
}

/**
 * The runner protocol written directly rather than through @actions/core: that package loads an
 * HTTP client (for OIDC tokens) and process helpers at import, which roughly doubles the action's
 * start-up time. A conformance test checks this against @actions/core's own output.
 */
export function createActionsRunner(env: NodeJS.ProcessEnv = process.env): Runner {
  const fileCommand = (variable: 'GITHUB_OUTPUT' | 'GITHUB_STATE', legacy: string, name: string, value: string): void => {
    const file = env[variable]
    if (file) appendKeyValue(file, name, value)
    else process.stdout.write(`${EOL}::${legacy} name=${name}::${escapeData(value)}${EOL}`)
  }
  return {
    getInput: (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
    setSecret: (value) => command('add-mask', value),
    setOutput: (name, value) => fileCommand('GITHUB_OUTPUT', 'set-output', name, value),
    info,
    warning: (message) => command('warning', message),
    debug: (message) => command('debug', message),
    startGroup: (title) => command('group', title),
    endGroup: () => command('endgroup', ''),
    saveState: (name, value) => fileCommand('GITHUB_STATE', 'save-state', name, value),
    getState: (name) => env[`STATE_${name}`] ?? '',
    appendSummary: async (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY
      if (!file || !existsSync(file)) {
        throw new Error('Unable to find the job summary file (GITHUB_STEP_SUMMARY); job summaries may not be supported by this runner.')
      }
      appendFileSync(file, markdown, 'utf8')
    },
    setFailed: (message) => {
      process.exitCode = 1
      command('error', message)
    }
  }
}
