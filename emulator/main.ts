/**
 * `npm run emulator [-- --port 8787 --scenario finished --org-id org-emulator --list-lag-ms 0 --allowed-tags 'idem:*,github:*' --quiet]`
 *
 * Starts the Devin API emulator on 127.0.0.1 until SIGINT/SIGTERM. Flags win over the environment
 * (EMULATOR_PORT, EMULATOR_SCENARIO, EMULATOR_ORG_ID, EMULATOR_LIST_LAG_MS,
 * EMULATOR_ALLOWED_TAGS). The port defaults to 8787; when it
 * is taken the emulator stops with an error instead of moving elsewhere, because a workflow or shell already
 * pointed at that port would otherwise talk to whatever holds it. `--port 0` picks a free port.
 */
import { parseArgs } from 'node:util'
import { scenarioNames } from './lifecycle.ts'
import { startEmulator } from './server.ts'

const DEFAULT_PORT = 8787

const USAGE = `Usage: npm run emulator -- [--port N] [--scenario NAME] [--org-id ID] [--list-lag-ms N] [--allowed-tags LIST] [--quiet]
  --port         TCP port on 127.0.0.1 (env EMULATOR_PORT, default ${DEFAULT_PORT}; 0 = any free port)
  --scenario     lifecycle of new sessions (env EMULATOR_SCENARIO, default finished)
  --org-id       the organization served (env EMULATOR_ORG_ID, default org-emulator)
  --list-lag-ms  how long a new session stays out of list results (env EMULATOR_LIST_LAG_MS, default 0)
  --allowed-tags an enterprise tag allow-list, comma-separated tags or prefixes ending in * (env EMULATOR_ALLOWED_TAGS,
                 default: every tag allowed); a create with any other tag is refused with 400
  --quiet        do not print one line per request
Scenarios: ${scenarioNames().join(', ')}`

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
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const env = process.env
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

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    emulator.close().then(
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
