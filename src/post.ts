import type { Runner } from './runner.js'

/**
 * The post step. It will end a session whose wait was cancelled; until waiting exists there is
 * nothing to clean up. A post step warns, never fails.
 */
export async function cleanup(runner: Runner): Promise<void> {
  runner.debug('Post step: no wait was in progress, nothing to clean up.')
}
