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

/** Every input's default as the runner would pass it; `${{ github.token }}` becomes a test token. */
export function defaultInputs(): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const [name, spec] of Object.entries(readActionYml().inputs)) {
    inputs[name] = spec.default === '${{ github.token }}' ? TEST_GITHUB_TOKEN : (spec.default ?? '')
  }
  return inputs
}

export const TEST_GITHUB_TOKEN = 'ghs_TestGithubToken0123456789abcdef'
export const TEST_API_KEY = 'cog_TestApiKey0123456789abcdefSECRET'
