import { expect } from 'vitest'
import type { StepResult } from '../../scripts/lib/action-runner.ts'

/** Checks that no secret is readable in a step's log, outputs, state or summary. Only `::add-mask::` lines, which the runner consumes and never shows, may hold one. */
export function expectNoSecrets(step: StepResult, secrets: string[]): void {
  const visible = step.everything
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  for (const secret of secrets) expect(visible).not.toContain(secret)
}
