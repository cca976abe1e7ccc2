import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Starts the files that cost the most wall time first, so none of them runs alone at the end: the end-to-end
 * files (each waits on poll intervals as long as its slowest case), then the unit files. Within each, vitest's
 * own order: slowest first from the last run's timings, largest first in a fresh clone.
 */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => (file.project.name === 'e2e' ? 0 : 1)
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

// Two projects in one run, their files side by side in one pool: `unit` runs the action's code in process
// (nock, the emulator and loopback servers) and is CPU-bound; `e2e` runs built artifacts in child processes
// (the committed bundle, the release script) and mostly waits. `npm run test:unit` and `npm run test:e2e`
// run one each; `npm test` runs both, with coverage.
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/reporters/closing-line.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // More workers than the 2 cores this was tuned on: the e2e workers mostly wait on their child processes.
    // Not many more: the unit tests that use real short timeouts (a loopback request timing out) need CPU.
    maxWorkers: 4,
    sequence: { sequencer: SlowestFirst },
    coverage: {
      provider: 'v8',
      // The action's own code, run in process by the unit tests; the e2e tests run the bundle in child
      // processes, which this coverage does not see.
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 }
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/release.test.ts'],
          // The cases of a file run side by side: each waits on its own bundle run and emulator. Not all of them at
          // once: on 2 busy cores, 16 bundles starting together pushed cases past their 30 s timeouts.
          maxConcurrency: 8
        }
      },
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/release.test.ts']
        }
      }
    ]
  }
})
