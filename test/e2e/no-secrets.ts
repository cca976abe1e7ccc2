import { expect } from 'vitest'
import type { StepResult } from '../../scripts/lib/action-runner.ts'
import { leakMarkers } from '../helpers/encoded-secrets.js'

/**
 * Checks that no secret is readable in a step's log, outputs, state or summary, neither as written nor
 * in any form an API may echo it in (JSON-escaped, URL-encoded, base64 at any alignment). Only
 * `::add-mask::` lines, which the runner consumes and never shows, may hold one.
 */
export function expectNoSecrets(step: StepResult, secrets: string[]): void {
  const visible = step.everything
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  for (const secret of secrets) {
    for (const marker of leakMarkers(secret)) expect(visible, `a form of the secret ${JSON.stringify(secret.slice(0, 6))}…`).not.toContain(marker)
  }
}
