/**
 * `npm run emulator [-- --port 8787 --scenario finished --org-id org-emulator --list-lag-ms 0 --allowed-tags 'idem:*,github:*' --quiet]`
 * `[--github [--github-permission LOGIN=ROLE ...]]`
 *
 * Starts the Devin API emulator on 127.0.0.1 until SIGINT/SIGTERM. Flags win over the environment
 * (EMULATOR_PORT, EMULATOR_SCENARIO, EMULATOR_ORG_ID, EMULATOR_LIST_LAG_MS,
 * EMULATOR_ALLOWED_TAGS). The port defaults to 8787; when it
 * is taken the emulator stops with an error instead of moving elsewhere, because a workflow or shell already
 * pointed at that port would otherwise talk to whatever holds it. `--port 0` picks a free port. `--github` also
 * starts the fake GitHub API (emulator/github/) on a free port, for a local run's GITHUB_API_URL.
 */
import { parseArgs } from 'node:util'
import { scenarioNames } from './lifecycle.ts'
import { startEmulator } from './server.ts'
import { startFakeGitHub } from './github/server.ts'

const DEFAULT_PORT = 8787

const USAGE = `Usage: npm run emulator -- [--port N] [--scenario NAME] [--org-id ID] [--list-lag-ms N] [--allowed-tags LIST] [--quiet]
  --port         TCP port on 127.0.0.1 (env EMULATOR_PORT, default ${DEFAULT_PORT}; 0 = any free port)
  --scenario     lifecycle of new sessions (env EMULATOR_SCENARIO, default finished)
  --org-id       the organization served (env EMULATOR_ORG_ID, default org-emulator)
  --list-lag-ms  how long a new session stays out of list results (env EMULATOR_LIST_LAG_MS, default 0)
  --allowed-tags an enterprise tag allow-list, comma-separated tags or prefixes ending in * (env EMULATOR_ALLOWED_TAGS,
                 default: every tag allowed); a create with any other tag is refused with 400
  --quiet        do not print one line per request
  --github       also start the fake GitHub API on a free port (for GITHUB_API_URL)
  --github-permission LOGIN=ROLE
                 a user's permission on the fake GitHub's repositories (read, triage, write, maintain, admin); repeatable
Scenarios: ${scenarioNames().join(', ')}`

const ROLES = ['read', 'triage', 'write', 'maintain', 'admin']

function permissions(values: string[]): Record<string, string> {
  const granted: Record<string, string> = {}
  for (const value of values) {
    const [login, role] = value.split('=')
    if (!login || role === undefined || !ROLES.includes(role)) {
      throw new Error(`--github-permission must be LOGIN=ROLE with ROLE one of ${ROLES.join(', ')}, got '${value}'`)
    }
    granted[login] = role
  }
  return granted
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0, got '${value}'`)
  return n
}

/** A comma-separated allow-list; unset or empty means no allow-list (an empty list would refuse every tagged create). */
function tagList(value: string | undefined): string[] | undefined {
  const tags = (value ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean)
  return tags.length > 0 ? tags : undefined
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      scenario: { type: 'string' },
      'org-id': { type: 'string' },
      'list-lag-ms': { type: 'string' },
      'allowed-tags': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      github: { type: 'boolean', default: false },
      'github-permission': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const env = process.env
  const granted = permissions(values['github-permission'])
  if (Object.keys(granted).length > 0 && !values.github) throw new Error('--github-permission needs --github')
  const port = integer(values.port ?? env['EMULATOR_PORT'], 'port', DEFAULT_PORT)
  if (port > 65535) throw new Error(`port must be at most 65535, got ${port}`)
  const emulator = await startEmulator({
    port,
    // An empty flag or variable means "not set", as for the port.
    scenario: values.scenario || env['EMULATOR_SCENARIO'] || undefined,
    orgId: values['org-id'] || env['EMULATOR_ORG_ID'] || undefined,
    listLagMs: integer(values['list-lag-ms'] ?? env['EMULATOR_LIST_LAG_MS'], 'list-lag-ms', 0),
    allowedTags: tagList(values['allowed-tags'] ?? env['EMULATOR_ALLOWED_TAGS']),
    onRequest: values.quiet
      ? undefined
      : (r) => process.stdout.write(`${r.method} ${r.path} -> ${r.status ?? 'dropped'}${r.fault ? ` (fault ${r.fault})` : ''}\n`)
  })
  const { config } = emulator
  process.stdout.write(`Devin API emulator listening on ${emulator.url} (org ${config.orgId}, scenario ${config.scenario})\n`)
  process.stdout.write(
    `Point the action at it: api-url: ${emulator.url}, api-key: cog_<anything> (v3) or apk_<anything> (v1), ` +
      `org-id: ${config.orgId}. Control: ${emulator.url}/_emulator/{scenario,faults,config,requests,reset}\n`
  )

  const github = values.github
    ? await startFakeGitHub(granted, {
        onRequest: values.quiet ? undefined : (r) => process.stdout.write(`GitHub: ${r.method} ${r.path} -> ${r.status ?? 'no answer'}\n`)
      })
    : undefined
  if (github !== undefined) {
    const who = Object.entries(granted).map(([login, role]) => `${login}: ${role}`)
    process.stdout.write(
      `Fake GitHub API listening on ${github.url} (permissions: ${who.length > 0 ? who.join(', ') : 'nobody'}). Set GITHUB_API_URL=${github.url}\n`
    )
  }

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    Promise.all([emulator.close(), github?.close()]).then(
      () => {
        process.stdout.write(`Devin API emulator stopped (${signal})\n`)
        process.exitCode = 0
      },
      (error: unknown) => {
        process.stderr.write(`Devin API emulator failed to stop: ${String(error)}\n`)
        process.exitCode = 1
      }
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  const err = error as NodeJS.ErrnoException
  const message =
    err.code === 'EADDRINUSE'
      ? `${err.message}: the port is taken; choose another with --port N (or --port 0 for any free port)`
      : `${err.message ?? String(error)}\n${USAGE}`
  process.stderr.write(`Devin API emulator: ${message}\n`)
  process.exitCode = 1
})
