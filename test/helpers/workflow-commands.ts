/** A workflow command the runner would execute, read from a step's stdout. */
export interface ExecutedCommand {
  name: string
  /** The command's data, unescaped as the runner does. */
  data: string
  line: string
}

/** The commands actions/runner registers (ActionCommandManager), stop-commands included. */
const REGISTERED = [
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
  'stop-commands'
]

function unescape(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/**
 * The commands GitHub's runner would execute for this stdout, as its ActionCommandManager reads it:
 * lines split at `\n`, `\r\n` or a lone `\r`; the `::name …::data` form at a line's start after
 * whitespace (TryParseV2), else the legacy `##[name …]data` form anywhere in the line (TryParse);
 * nothing but the resume token while commands are stopped.
 */
export function executedCommands(stdout: string): ExecutedCommand[] {
  const registered = new Set(REGISTERED)
  const executed: ExecutedCommand[] = []
  let stopToken: string | undefined
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const command = parseV2(line, registered) ?? parseV1(line, registered)
    if (command === undefined) continue
    if (stopToken !== undefined) {
      if (command.name.toLowerCase() === stopToken.toLowerCase()) {
        registered.delete(stopToken)
        stopToken = undefined
        executed.push(command)
      }
      continue
    }
    executed.push(command)
    if (command.name === 'stop-commands') {
      stopToken = command.data
      registered.add(stopToken)
    }
  }
  return executed
}

function parseV2(line: string, registered: Set<string>): ExecutedCommand | undefined {
  const text = line.trimStart()
  if (!text.startsWith('::')) return undefined
  const end = text.indexOf('::', 2)
  if (end < 0) return undefined
  const name = text.slice(2, end).split(' ')[0] ?? ''
  if (!registered.has(name)) return undefined
  return { name, data: unescape(text.slice(end + 2)), line }
}

function parseV1(line: string, registered: Set<string>): ExecutedCommand | undefined {
  const start = line.indexOf('##[')
  if (start < 0) return undefined
  const end = line.indexOf(']', start)
  if (end < 0) return undefined
  const name = line.slice(start + 3, end).split(' ')[0] ?? ''
  if (!registered.has(name)) return undefined
  return { name, data: unescape(line.slice(end + 1)), line }
}

/**
 * The executed commands the action did not mean: any whose kind a log line of data could forge
 * (an output, state, mask of a value that is not a secret, environment or path), or a stop or
 * resume that is not one of the action's own random-token pairs.
 */
export function forgedCommands(stdout: string, secrets: readonly string[]): ExecutedCommand[] {
  const tokens = new Set<string>()
  return executedCommands(stdout).filter((command) => {
    if (['debug', 'warning', 'error', 'notice', 'group', 'endgroup'].includes(command.name)) return false
    if (command.name === 'add-mask') return !secrets.includes(command.data)
    if (command.name === 'stop-commands' && /^[0-9a-f-]{36}$/.test(command.data)) {
      tokens.add(command.data)
      return false
    }
    return !tokens.has(command.name)
  })
}
