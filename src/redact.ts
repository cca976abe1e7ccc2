/** What replaces a secret anywhere the action writes text. */
export const REDACTED = '***'

/**
 * Removes known secret values from text. The runner masks registered secrets in the log, but outputs,
 * the job summary and error messages built from API answers pass through here as well, so a secret
 * that an API echoes back is caught before it is written anywhere.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length)
  return (text) => {
    let result = text
    for (const secret of values) result = result.split(secret).join(REDACTED)
    return result
  }
}
