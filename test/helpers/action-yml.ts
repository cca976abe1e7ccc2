import { defaultInputs as defaultsWith } from '../../scripts/lib/action-yml.ts'

export { type ActionYml, actionYmlPath, readActionYml } from '../../scripts/lib/action-yml.ts'

export const TEST_GITHUB_TOKEN = 'ghs_TestGithubToken0123456789abcdef'
export const TEST_API_KEY = 'cog_TestApiKey0123456789abcdefSECRET'

/** Every input's default as the runner would pass it; `${{ github.token }}` becomes a test token. */
export function defaultInputs(): Record<string, string> {
  return defaultsWith(TEST_GITHUB_TOKEN)
}
