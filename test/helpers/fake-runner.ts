import type { InputName, OutputName } from '../../src/action/constants.js'
import type { Runner } from '../../src/action/runner.js'
import { TEST_API_KEY, defaultInputs } from './action-yml.js'

/** A runner that records everything the action does, the way a user would see it. */
export interface RecordingRunner extends Runner {
  inputs: Record<string, string>
  outputs: Record<string, string>
  secrets: string[]
  /** Every log line, prefixed by its kind: "info: …", "warning: …", "debug: …", "group: …". */
  log: string[]
  state: Record<string, string>
  summary: string
  failed?: string
  /** All text the action wrote anywhere a person or a later step can read it. */
  everything(): string
}

/** A fake runner whose inputs are action.yml's defaults, an API key, and the given overrides. */
export function recordingRunner(overrides: Partial<Record<InputName, string>> = {}): RecordingRunner {
  const runner: RecordingRunner = {
    inputs: { ...defaultInputs(), 'api-key': TEST_API_KEY, 'org-id': 'org-test', ...overrides },
    outputs: {},
    secrets: [],
    log: [],
    state: {},
    summary: '',
    getInput(name: InputName) {
      return runner.inputs[name] ?? ''
    },
    setSecret(value) {
      runner.secrets.push(value)
    },
    setOutput(name: OutputName, value) {
      runner.outputs[name] = value
    },
    info: (message) => void runner.log.push(`info: ${message}`),
    warning: (message) => void runner.log.push(`warning: ${message}`),
    debug: (message) => void runner.log.push(`debug: ${message}`),
    startGroup: (title) => void runner.log.push(`group: ${title}`),
    endGroup: () => void runner.log.push('endgroup'),
    saveState(name, value) {
      runner.state[name] = value
    },
    getState: (name) => runner.state[name] ?? '',
    async appendSummary(markdown) {
      runner.summary += markdown
    },
    setFailed(message) {
      runner.failed = message
    },
    everything() {
      return [...runner.log, JSON.stringify(runner.outputs), runner.summary, runner.failed ?? ''].join('\n')
    }
  }
  return runner
}
