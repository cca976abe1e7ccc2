import { existsSync } from 'node:fs'
import { afterAll, beforeAll } from 'vitest'
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server.ts'
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '../../emulator/github/server.ts'
import { type ActionRun, type StepOptions, bundle, node24, runBundledAction as runWith } from '../../scripts/lib/action-runner.ts'
import { TEST_GITHUB_TOKEN } from '../helpers/action-yml.js'

export interface BundledSuite {
  /** A Devin emulator on 127.0.0.1 with the suite's defaults under the test's options, closed after the file. */
  emulator(options?: EmulatorOptions): Promise<Emulator>
  /** A fake GitHub API on 127.0.0.1 that answers these permissions, closed after the file. */
  fakeGitHub(permissions?: Record<string, string>, options?: FakeGitHubOptions): Promise<FakeGitHub>
  /** The committed bundle, run as the runner runs it, with the job token the tests check for. */
  runBundledAction(options: StepOptions): Promise<ActionRun>
}

/**
 * What every end-to-end file sets up: hooks that check the bundle and Node 24 are there before any case and
 * close every server a case started after the last one, and starters for the emulator and the fake GitHub.
 * Each test gets its own servers, so the cases of a file run side by side. Call it at the top of a file.
 *
 * @param defaults the file's emulator options (its org id, its scenario), under each test's own.
 * @param run the file's defaults for every bundled run (a longer timeout), under each run's own options.
 */
export function bundledSuite(defaults: EmulatorOptions, run: Partial<StepOptions> = {}): BundledSuite {
  const servers: { close(): Promise<void> }[] = []

  beforeAll(() => {
    // Fail loudly rather than skip: a suite that silently does not run proves nothing, and a missing bundle
    // or Node 24 is a broken checkout (npm run build, npm ci) rather than a reason to pass.
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build`)
    if (!existsSync(node24)) throw new Error(`${node24} is missing: npm ci installs Node 24 from the "node" devDependency`)
  })

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()))
  })

  return {
    async emulator(options = {}) {
      const started = await startEmulator({ ...defaults, ...options })
      servers.push(started)
      return started
    },
    async fakeGitHub(permissions = {}, options = {}) {
      const started = await startFakeGitHub(permissions, options)
      servers.push(started)
      return started
    },
    runBundledAction(options) {
      return runWith({ githubToken: TEST_GITHUB_TOKEN, ...run, ...options })
    }
  }
}
