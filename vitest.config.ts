import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/reporters/closing-line.ts'],
    testTimeout: 20_000,
    // The end-to-end tests mostly wait on polling intervals; they run side by side.
    maxConcurrency: 16,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      // The action's own code; the emulator and scripts are tools, and the bundle is measured by the e2e tests.
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 }
    }
  }
})
