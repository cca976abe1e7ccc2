/**
 * `npm run bench`: start-up cost of the bundled action against the floor, on the action's runtime
 * (Node 24). Over interleaved rounds it measures, for (a) dist/index.js opening a session (org-id
 * given, no idempotency key, no wait) and (b) a one-file script doing a single fetch: the time from
 * process start to the first request reaching the local emulator, the time to process exit, and peak
 * memory. Prints medians and the ratios a/b, the requests (a) sent per run, and the bundle's size.
 *
 * Then the cost of budgets: with 500 sessions of the repository seeded in the 24-hour window, (c) the same
 * run with budget-per-day, budget-per-user and max-live-sessions set against (d) the same run without,
 * interleaved in this one process: the extra time from process start to the create reaching the emulator
 * (median of the per-round differences), and the list requests a budgeted run sends.
 *
 * Then the memory of CI logs: the bundled action fixing a failed run whose failed job's log is 200 MB (served by
 * the fake GitHub), at the default ci-log-size and at its largest; the action's peak RSS against the 150 MB the
 * issue allows.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatedJobLog } from '../emulator/github/job-logs.ts'
import { startFakeGitHub } from '../emulator/github/server.ts'
import { startEmulator } from '../emulator/server.ts'
import { bundle, examplePayload, failedWorkflowRunPayload, node24, payloadContext, prepareStep } from './lib/action-runner.ts'

const ROUNDS = Math.max(20, Number(process.env.BENCH_ROUNDS ?? 31) || 31)
/** A process that takes longer than this is stuck, and the benchmark stops rather than hang. */
const RUN_LIMIT_MS = 30_000
const here = fileURLToPath(new URL('.', import.meta.url))
const preload = join(here, 'bench/rss-at-exit.mjs')
const floorScript = join(here, 'bench/floor.mjs')
const KEY = 'cog_bench_key_not_a_secret'

interface Sample {
  firstRequestMs: number
  totalMs: number
  peakRssMb: number
  requests: number
  /** From process start to the create (POST …/sessions) reaching the emulator, when one did. */
  createMs?: number
  /** List requests (GET …/sessions), by their `tags` query. */
  lists: string[]
}

let current: { started: number; first?: number; create?: number; requests: number; lists: string[] } | undefined
const emulator = await startEmulator({
  orgId: 'org-bench',
  scenario: 'forever-working',
  // Timed on arrival, before the emulator reads the body or answers.
  onArrival: ({ method, path, query }) => {
    if (current === undefined) return
    const at = performance.now()
    current.first ??= at
    current.requests++
    if (!/\/sessions$/.test(path)) return
    if (method === 'POST') current.create ??= at
    else current.lists.push(`${query.getAll('tags').join(',')}${query.has('created_after') ? ' (last 24 hours)' : ''}`)
  }
})

async function measure(args: string[], env: Record<string, string>, rssFile: string): Promise<Sample> {
  current = { started: performance.now(), requests: 0, lists: [] }
  const child = spawn(node24, ['--import', preload, ...args], { env: { ...env, BENCH_RSS_FILE: rssFile }, stdio: 'ignore' })
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(limit)
  const ended = performance.now()
  const run = current
  current = undefined
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`)
  if (run.first === undefined) throw new Error(`${args.join(' ')} sent no request`)
  return {
    firstRequestMs: run.first - run.started,
    totalMs: ended - run.started,
    peakRssMb: Number(readFileSync(rssFile, 'utf8')) / 1024,
    requests: run.requests,
    createMs: run.create === undefined ? undefined : run.create - run.started,
    lists: run.lists
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const actionSamples: Sample[] = []
const floorSamples: Sample[] = []
/** Sessions of the repository seeded in the 24-hour window for the budget rounds. */
const SEEDED = 500
const budgetSamples: Sample[] = []
const plainSamples: Sample[] = []
try {
  // One warm-up of each, not counted, so the first round does not pay for a cold file cache.
  const warm = prepareStep({ inputs: { 'api-key': KEY, 'api-url': emulator.url, 'org-id': 'org-bench', prompt: 'Benchmark run' } })
  await measure([bundle], warm.env, join(warm.ws.dir, 'rss'))
  await measure(
    [floorScript],
    { PATH: process.env.PATH ?? '', FLOOR_URL: `${emulator.url}/v3/organizations/org-bench/sessions`, FLOOR_KEY: KEY },
    join(warm.ws.dir, 'rss-floor')
  )

  for (let round = 0; round < ROUNDS; round++) {
    // Fresh runner files each round, prepared before the clock starts, as a runner prepares them.
    const step = prepareStep({ inputs: { 'api-key': KEY, 'api-url': emulator.url, 'org-id': 'org-bench', prompt: 'Benchmark run' } })
    const floorEnv = { PATH: process.env.PATH ?? '', FLOOR_URL: `${emulator.url}/v3/organizations/org-bench/sessions`, FLOOR_KEY: KEY }
    // Interleaved, alternating which goes first, so drift on a shared machine hits both alike.
    if (round % 2 === 0) {
      actionSamples.push(await measure([bundle], step.env, join(step.ws.dir, 'rss')))
      floorSamples.push(await measure([floorScript], floorEnv, join(step.ws.dir, 'rss-floor')))
    } else {
      floorSamples.push(await measure([floorScript], floorEnv, join(step.ws.dir, 'rss-floor')))
      actionSamples.push(await measure([bundle], step.env, join(step.ws.dir, 'rss')))
    }
  }

  // Budgets: 500 sessions of the repository in the window (its id from the workflow_dispatch payload the runs use).
  const repoId = String((examplePayload('workflow_dispatch').repository as { id: number }).id)
  const now = Math.floor(Date.now() / 1_000)
  emulator.store.seed(
    Array.from({ length: SEEDED }, (_, i) => ({
      tags: [`gh-repo:${repoId}`, ...(i % 5 === 0 ? [`gh-user:${repoId}/octocat`] : [])],
      acus_consumed: 0.5,
      created_at: now - ((i * 60) % 80_000),
      status: i % 10 === 0 ? 'running' : 'exit',
      status_detail: i % 10 === 0 ? 'working' : null
    }))
  )
  const plain = { 'api-key': KEY, 'api-url': emulator.url, 'org-id': 'org-bench', prompt: 'Benchmark run' }
  const budgeted = { ...plain, 'budget-per-day': '100000', 'budget-per-user': '100000', 'max-live-sessions': '100000' }
  await measure([bundle], prepareStep({ inputs: budgeted }).env, join(warm.ws.dir, 'rss-budget'))
  for (let round = 0; round < ROUNDS; round++) {
    const withBudgets = prepareStep({ inputs: budgeted })
    const without = prepareStep({ inputs: plain })
    if (round % 2 === 0) {
      budgetSamples.push(await measure([bundle], withBudgets.env, join(withBudgets.ws.dir, 'rss')))
      plainSamples.push(await measure([bundle], without.env, join(without.ws.dir, 'rss')))
    } else {
      plainSamples.push(await measure([bundle], without.env, join(without.ws.dir, 'rss')))
      budgetSamples.push(await measure([bundle], withBudgets.env, join(withBudgets.ws.dir, 'rss')))
    }
  }
} finally {
  await emulator.close()
}

const a = {
  first: median(actionSamples.map((s) => s.firstRequestMs)),
  total: median(actionSamples.map((s) => s.totalMs)),
  rss: median(actionSamples.map((s) => s.peakRssMb))
}
const b = {
  first: median(floorSamples.map((s) => s.firstRequestMs)),
  total: median(floorSamples.map((s) => s.totalMs)),
  rss: median(floorSamples.map((s) => s.peakRssMb))
}
const distDir = join(here, '../dist')
const bundleBytes = statSync(bundle).size
const allBytes = readdirSync(distDir)
  .filter((file) => file.endsWith('.js'))
  .reduce((sum, file) => sum + statSync(join(distDir, file)).size, 0)
const requests = [...new Set(actionSamples.map((s) => s.requests))]

const row = (label: string, action: string, floor: string, ratio: string) =>
  `${label.padEnd(26)}${action.padStart(12)}${floor.padStart(12)}${ratio.padStart(14)}`
console.log(`Node ${process.version} · ${ROUNDS} interleaved rounds · medians`)
console.log(row('', '(a) action', '(b) floor', 'a/b'))
console.log(row('first request (ms)', a.first.toFixed(1), b.first.toFixed(1), `${(a.first / b.first).toFixed(2)}x`))
console.log(row('process exit (ms)', a.total.toFixed(1), b.total.toFixed(1), `${(a.total / b.total).toFixed(2)}x`))
console.log(row('peak memory (MB)', a.rss.toFixed(1), b.rss.toFixed(1), `+${(a.rss - b.rss).toFixed(1)} MB`))
// Each round's a/b, paired: drift on a shared machine moves both runs of a round alike.
const paired = (pick: (sample: Sample) => number) => median(actionSamples.map((sample, i) => pick(sample) / pick(floorSamples[i] as Sample)))
console.log(row('median of per-round a/b', '', '', `${paired((s) => s.firstRequestMs).toFixed(2)}x / ${paired((s) => s.totalMs).toFixed(2)}x`))
console.log(`requests to Devin per action run: ${requests.join(', ')}`)
console.log(
  `bundle: dist/index.js ${(bundleBytes / 1024).toFixed(0)} KB loaded at start; all of dist/*.js ${(allBytes / 1024).toFixed(0)} KB (the rest loads only when needed)`
)

// Budgets: the same run with and without them, paired per round (drift hits both runs of a round alike).
const createMs = (sample: Sample) => {
  if (sample.createMs === undefined) throw new Error('a benchmark run sent no create')
  return sample.createMs
}
const extra = median(budgetSamples.map((sample, i) => createMs(sample) - createMs(plainSamples[i] as Sample)))
const listCounts = [...new Set(budgetSamples.map((s) => s.lists.length))]
const byTag = new Map<string, number>()
for (const tags of budgetSamples[0]?.lists ?? []) byTag.set(tags, (byTag.get(tags) ?? 0) + 1)
console.log('')
console.log(`budgets (budget-per-day, budget-per-user, max-live-sessions), ${SEEDED} sessions of the repository in the window, ${ROUNDS} interleaved rounds:`)
console.log(row('', '(c) budgets', '(d) none', 'median c-d'))
console.log(
  row('start to create (ms)', median(budgetSamples.map(createMs)).toFixed(1), median(plainSamples.map(createMs)).toFixed(1), `+${extra.toFixed(1)} ms`)
)
console.log(
  `list requests per budgeted run: ${listCounts.join(', ')} (${[...byTag].map(([tags, n]) => `${n} × ${tags}`).join(', ')}); runs without budgets: ${[...new Set(plainSamples.map((s) => s.lists.length))].join(', ')}`
)

// CI logs: the peak memory of the bundled action fixing a failed run whose one failed job has a 200 MB log: the
// whole run as the runner runs it (gate, job list, the log fetched through the 302 and streamed, trimmed,
// redacted, uploaded, the session created), at the default ci-log-size and at its largest. The fake GitHub and
// the emulator run in this process, so producing the log costs the measured process nothing.
const LOG_BYTES = 200 * 1024 * 1024
const RSS_BOUND_MB = 150
const github = await startFakeGitHub({ Codertocat: 'write' })
const devin = await startEmulator({ orgId: 'org-bench', scenario: 'forever-working' })
const ciLogRuns: { label: string; rssMb: number; uploadedBytes: number; lastLine: string }[] = []
try {
  const payload = failedWorkflowRunPayload('failure') as { workflow_run: { id: number } }
  github.workflowJobs.push({
    id: 1,
    run_id: payload.workflow_run.id,
    run_attempt: 1,
    name: 'test',
    status: 'completed',
    conclusion: 'failure',
    steps: [{ name: 'Run tests', status: 'completed', conclusion: 'failure', number: 1 }]
  })
  github.jobLogs.set(1, generatedJobLog(LOG_BYTES))
  for (const [label, size] of [
    ['ci-log-size 64KiB (default)', '64KiB'],
    ['ci-log-size 10MiB (largest)', '10MiB']
  ] as const) {
    devin.store.clear()
    const step = prepareStep({
      event: 'workflow_run',
      payload,
      env: { ...payloadContext(payload), GITHUB_API_URL: github.url },
      githubToken: 'ghs_BenchTokenNotASecret0000000000000000',
      inputs: { 'api-key': KEY, 'api-url': devin.url, 'org-id': 'org-bench', 'ci-log-size': size }
    })
    const rssFile = join(step.ws.dir, 'rss-ci')
    const child = spawn(node24, ['--import', preload, bundle], { env: { ...step.env, BENCH_RSS_FILE: rssFile }, stdio: 'ignore' })
    const limit = setTimeout(() => child.kill('SIGKILL'), 10 * RUN_LIMIT_MS)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(limit)
    if (code !== 0) throw new Error(`the CI log benchmark (${label}) exited with ${code}`)
    const [uploaded] = devin.store.attachments
    if (uploaded === undefined || devin.store.size !== 1) throw new Error(`the CI log benchmark (${label}) uploaded no log or created no session`)
    ciLogRuns.push({
      label,
      rssMb: Number(readFileSync(rssFile, 'utf8')) / 1024,
      uploadedBytes: uploaded.bytes.length,
      lastLine: new TextDecoder().decode(uploaded.bytes).trimEnd().split('\n').at(-1) ?? ''
    })
  }
} finally {
  await Promise.all([github.close(), devin.close()])
}
console.log('')
console.log(
  `CI logs: the bundled action fixing a failed run whose failed job has a ${LOG_BYTES / 1024 / 1024} MB log (fetched through the 302, streamed, trimmed, uploaded):`
)
for (const { label, rssMb, uploadedBytes, lastLine } of ciLogRuns) {
  console.log(
    `${label.padEnd(30)} peak RSS ${rssMb.toFixed(1)} MB = ${(rssMb / RSS_BOUND_MB).toFixed(2)} of the ${RSS_BOUND_MB} MB bound; uploaded ${(uploadedBytes / 1024).toFixed(1)} KB ending "${lastLine}"`
  )
}
