import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultInputs } from './action-yml.ts'

/**
 * Runs the committed bundle the way GitHub's runner does: a fresh Node 24 process with the inputs as
 * INPUT_* variables (action.yml's defaults under the test's own), the GITHUB_* context, an event
 * payload file, and the runner's command files, which are parsed back afterwards. The post step
 * runs in a second process with the state the main step saved.
 */

const root = fileURLToPath(new URL('../../', import.meta.url))
export const bundle = join(root, 'dist/index.js')
/** The action's runtime: the `node` devDependency's Node 24 binary, whatever runs the tests. */
export const node24 = join(root, 'node_modules/.bin/node')

export interface StepResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** `::error::` / `::warning::` annotations, decoded. */
  errors: string[]
  warnings: string[]
  /** Values registered with `::add-mask::`. */
  masked: string[]
  /** Everything a person or a later step can read: log, outputs, state, summary. */
  everything: string
}

export interface StepOptions {
  inputs?: Record<string, string>
  /** The job's GITHUB_TOKEN, passed where action.yml defaults to `${{ github.token }}`. */
  githubToken?: string
  event?: string
  payload?: unknown
  env?: Record<string, string>
  /** Send this signal once `when` resolves (the runner cancelling the job); `when` gets the step's workspace to watch. */
  cancel?: { when: (ws: Workspace) => Promise<void>; signal?: NodeJS.Signals }
  timeoutMs?: number
  /** Files to write into the step's workspace (GITHUB_WORKSPACE) before it runs, by relative path: a checked-out repository's files. */
  files?: Record<string, string>
  /** Fills the step's workspace (GITHUB_WORKSPACE) before the run, as a checkout would: files, links. */
  prepare?: (workspace: string) => void
}

const require = createRequire(import.meta.url)
interface WebhookExamples {
  name: string
  examples: ({ action?: string } & Record<string, unknown>)[]
}

/** A real webhook payload from @octokit/webhooks-examples. */
export function examplePayload(event: string, action?: string, pick: (example: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const all = require('@octokit/webhooks-examples') as WebhookExamples[]
  const examples = all.find((entry) => entry.name === event)?.examples ?? []
  const found = examples.find((example) => (action === undefined || example.action === action) && pick(example as Record<string, unknown>))
  if (found === undefined) throw new Error(`no example payload for ${event}${action ? `.${action}` : ''}`)
  return structuredClone(found)
}

/**
 * The completed workflow_run example that lists a pull request, concluded as given. The example's pull request
 * is another repository's (Codertocat/Hello-World #2, for a run of octo-org/octo-repo), which the action rightly
 * ignores; here its base is made the run's own repository, so the run is about this repository's #2.
 */
export function failedWorkflowRunPayload(conclusion: string | null = 'failure'): Record<string, unknown> & { workflow_run: Record<string, unknown> } {
  const payload = examplePayload(
    'workflow_run',
    'completed',
    (example) => (example.workflow_run as { pull_requests: unknown[] }).pull_requests.length > 0
  ) as Record<string, unknown> & { workflow_run: Record<string, unknown>; repository: { id: number; url: string; name: string } }
  payload.workflow_run.conclusion = conclusion
  for (const pr of payload.workflow_run.pull_requests as { base: { repo: unknown } }[]) {
    pr.base.repo = { id: payload.repository.id, url: payload.repository.url, name: payload.repository.name }
  }
  return payload
}

/**
 * The GITHUB_* context a runner derives from the event: the repository (and its owner) the payload comes
 * from and the user who caused it. Pass it as `env` so the run's context agrees with its payload; the
 * default context (octo-org/octo-repo, mona) stands for any repository.
 */
export function payloadContext(payload: unknown): Record<string, string> {
  const record = (value: unknown) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {})
  const repository = record(record(payload).repository)
  const fullName = typeof repository.full_name === 'string' ? repository.full_name : ''
  if (!/^[^/]+\/[^/]+$/.test(fullName)) throw new Error('payloadContext: the payload has no repository.full_name of the form owner/repo')
  const sender = record(record(payload).sender).login
  return {
    GITHUB_REPOSITORY: fullName,
    GITHUB_REPOSITORY_OWNER: fullName.split('/')[0] as string,
    ...(typeof sender === 'string' && sender !== '' ? { GITHUB_ACTOR: sender } : {})
  }
}

/** Parses the runner's `name<<delimiter` file-command format. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(ghadelimiter_[0-9a-f-]+)$/.exec(lines[i] as string)
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string)
    values[name] = value.join('\n')
  }
  return values
}

function decode(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function commands(stdout: string, name: string): string[] {
  const prefix = `::${name}::`
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => decode(line.slice(prefix.length)))
}

export interface Workspace {
  dir: string
  files: { output: string; state: string; summary: string; event: string }
}

function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'devin-action-e2e-'))
  const files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary.md'), event: join(dir, 'event.json') }
  for (const file of [files.output, files.state, files.summary]) writeFileSync(file, '')
  return { dir, files }
}

function baseEnv(ws: Workspace, event: string): Record<string, string> {
  // Only what a runner provides: no proxy variables, nothing of the test process's own.
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? ws.dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: ws.files.event,
    GITHUB_ACTOR: 'mona',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'devin',
    GITHUB_ACTION: '__devin-session-action',
    GITHUB_WORKSPACE: ws.dir,
    GITHUB_OUTPUT: ws.files.output,
    GITHUB_STATE: ws.files.state,
    GITHUB_STEP_SUMMARY: ws.files.summary,
    RUNNER_TEMP: ws.dir
  }
}

function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return env
}

async function execute(env: Record<string, string>, ws: Workspace, options: StepOptions): Promise<StepResult> {
  const child: ChildProcess = spawn(node24, [bundle], { env, cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal }))
  )
  const limit = options.timeoutMs ?? 60_000
  const timer = setTimeout(() => child.kill('SIGKILL'), limit)
  if (options.cancel !== undefined) {
    const { when, signal = 'SIGINT' } = options.cancel
    void when(ws).then(() => child.kill(signal))
  }
  const { code, signal } = await exited
  clearTimeout(timer)
  const outputs = parseCommandFile(readFileSync(ws.files.output, 'utf8'))
  const state = parseCommandFile(readFileSync(ws.files.state, 'utf8'))
  const summary = readFileSync(ws.files.summary, 'utf8')
  return {
    exitCode: code,
    signal,
    stdout,
    stderr,
    outputs,
    state,
    summary,
    errors: commands(stdout, 'error'),
    warnings: commands(stdout, 'warning'),
    masked: commands(stdout, 'add-mask'),
    everything: [stdout, stderr, JSON.stringify(outputs), JSON.stringify(state), summary].join('\n')
  }
}

export interface ActionRun {
  main: StepResult
  /** The environment the main step ran with (its INPUT_* variables are the inputs it really got). */
  env: Record<string, string>
  ws: Workspace
  /** Runs the post step with the state the main step saved, as the runner does after the job's steps. */
  post(): Promise<StepResult>
}

/** A workspace with the runner's files and the environment a step of the action gets. */
export function prepareStep(options: StepOptions = {}): { env: Record<string, string>; ws: Workspace } {
  const ws = workspace()
  options.prepare?.(ws.dir)
  const event = options.event ?? 'workflow_dispatch'
  writeFileSync(ws.files.event, JSON.stringify(options.payload ?? examplePayload(event)))
  for (const [path, content] of Object.entries(options.files ?? {})) {
    // Only inside the workspace: a test's file must not land anywhere else on the machine.
    if (isAbsolute(path) || normalize(path).startsWith('..')) throw new Error(`files: ${path} is not a path inside the workspace`)
    mkdirSync(dirname(join(ws.dir, path)), { recursive: true })
    writeFileSync(join(ws.dir, path), content)
  }
  const inputs = { ...defaultInputs(options.githubToken ?? 'ghs_runnerJobToken000000000000000000000'), ...(options.inputs ?? {}) }
  return { env: { ...baseEnv(ws, event), ...inputEnv(inputs), ...(options.env ?? {}) }, ws }
}

/** Runs the main step of the bundled action; `post()` runs its post step afterwards. */
export async function runBundledAction(options: StepOptions = {}): Promise<ActionRun> {
  const { env, ws } = prepareStep(options)
  const main = await execute(env, ws, options)
  return {
    main,
    env,
    ws,
    post: async () => {
      const postWs = { ...ws, files: { ...ws.files } }
      // A fresh state file: the post step reads state from STATE_* variables, and writes its own.
      postWs.files.state = join(ws.dir, 'post-state')
      writeFileSync(postWs.files.state, '')
      const stateEnv = Object.fromEntries(Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value]))
      return execute({ ...env, GITHUB_STATE: postWs.files.state, ...stateEnv }, postWs, { timeoutMs: options.timeoutMs })
    }
  }
}
