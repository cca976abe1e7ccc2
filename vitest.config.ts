import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/reporters/closing-line.ts'],
    testTimeout: 20_000,
    // The end-to-end tests mostly wait on polling intervals; they run side by side.
    maxConcurrency: 16,
    pool: 'forks'
  }
})
