import * as core from '@actions/core'
import type { InputName, OutputName } from './constants.js'

/**
 * The GitHub Actions runner as the action uses it: inputs, outputs, masking, log, state and the job
 * summary. The pipeline receives it as a parameter, so tests can pass a recording fake and only this
 * file knows about @actions/core.
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

export const actionsRunner: Runner = {
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
    await core.summary.addRaw(markdown, true).write()
  },
  setFailed: (message) => core.setFailed(message)
}
