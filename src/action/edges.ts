import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Clock } from '../devin/http.js'
import { type GitHub, createGitHub } from '../github/client.js'
import { type Runner, createActionsRunner } from './runner.js'

/** The edges of a step (the runner, the network, the clock, files), passed in so tests can replace any of them. */
export interface MainDeps {
  runner: Runner
  env: NodeJS.ProcessEnv
  fetch: typeof globalThis.fetch
  clock: Clock
  random(): number
  randomId(): string
  /** Reads a file by absolute path; undefined when it does not exist. */
  readFile(path: string): string | undefined
  /** The GitHub client for a token, API URL and repository. */
  github(token: string, apiUrl: string, repo: string): GitHub
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

/** The real edges: the runner's protocol on stdout and files, global fetch, the wall clock. */
export function defaultDeps(): MainDeps {
  return {
    runner: createActionsRunner(),
    env: process.env,
    fetch: globalThis.fetch,
    clock: realClock,
    random: Math.random,
    randomId: randomUUID,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8')
      } catch {
        return undefined
      }
    },
    github: createGitHub
  }
}
