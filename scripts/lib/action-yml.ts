import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export interface ActionYml {
  name: string
  description: string
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string; post?: string }
}

export const actionYmlPath = fileURLToPath(new URL('../../action.yml', import.meta.url))

export function readActionYml(): ActionYml {
  return parse(readFileSync(actionYmlPath, 'utf8')) as ActionYml
}

/** Every input's default as the runner passes it, with `${{ github.token }}` replaced by `githubToken`. */
export function defaultInputs(githubToken: string): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const [name, spec] of Object.entries(readActionYml().inputs)) {
    inputs[name] = spec.default === '${{ github.token }}' ? githubToken : (spec.default ?? '')
  }
  return inputs
}
