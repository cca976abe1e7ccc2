import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { CLEANUP_DEADLINE_MS, OPEN_DEADLINE_MS, type OutputName, REQUEST_TIMEOUT_MS, State } from './constants.js'
import type { DevinApi, WireRequest } from './devin/api.js'
import { connect } from './devin/client.js'
import { endSession } from './devin/end.js'
import { type Clock, DevinHttp } from './devin/http.js'
import { UnconfirmedSessionError, openSession } from './devin/open.js'
import type { Session } from './devin/session.js'
import { type WaitResult, type WaitUntil, waitForSession } from './devin/wait.js'
import { formatDuration } from './duration.js'
import { structuredOutputProblems } from './structured-schema.js'
import { WAIT_GOALS, failureFor } from './verdict.js'
import { REDACTED, type Redactor, createRedactor, redactReport } from './redact.js'
import { parseGitHubInputs, parseInputs, secretValues, type Settings } from './inputs.js'
import type { InFlightState } from './state.js'
import { COMMENT_EVENTS, PULL_REQUEST_EVENTS, decide, instructionOf } from './gate.js'
import { type GitHub, createGitHub } from './github/client.js'
import { LivingComment, commentBody, commentMarker } from './github/comment.js'
import { defaultPrompt } from './prompt.js'
import { expandTexts, planOpen } from './request.js'
import { reportOutputs } from './report/outputs.js'
import type { Report } from './report/report.js'
import { summaryMarkdown } from './report/summary.js'
import { type Runner, createActionsRunner } from './runner.js'
import { templateProblems, templateVariables } from './template.js'
import { type Trigger, readTrigger, threadOf, visibleTrigger } from './trigger.js'
import { readWorkspaceFile } from './workspace-file.js'

/** The edges of the main step, passed in so tests can replace any of them. */
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

/** Events whose thread gets the living comment under `comment: auto`. */
const THREAD_EVENTS: ReadonlySet<string> = new Set([...PULL_REQUEST_EVENTS, ...COMMENT_EVENTS, 'issues'])

/**
 * The main step: inputs → trigger → gate → request → open → wait → report. The one place that fails
 * the step: everything below throws errors whose text says what to fix, and this turns them into the
 * failure message, the outputs, the comment and the job summary, a session that was opened included.
 */
export async function run(deps: MainDeps = defaultDeps()): Promise<void> {
  const { runner } = deps
  // The post step runs from the same bundle; this state tells it apart.
  runner.saveState(State.IsPost, 'true')

  // Mask first, before anything could print a secret, even when the inputs turn out to be invalid.
  const secrets = secretValues((name) => runner.getInput(name))
  for (const secret of secrets) runner.setSecret(secret)
  const redactor = createRedactor(secrets)
  const redact = redactor.text

  const report: Report = {}
  let comment: { refresh(): void; settled(): Promise<void> } | undefined
  const written = new Map<string, string>()
  const publish = (): void => {
    for (const [name, value] of Object.entries(reportOutputs(redactReport(report, redactor)))) {
      if (written.get(name) === value) continue
      written.set(name, value)
      runner.setOutput(name as OutputName, value)
    }
    comment?.refresh()
  }

  try {
    const eventPath = deps.env.GITHUB_EVENT_PATH
    const trigger = await visibleTrigger(readTrigger(deps.env, eventPath ? deps.readFile(eventPath) : undefined))
    // The gate first, on the GitHub inputs alone: a run that is to be skipped (a fork, a bot, a stranger)
    // must be skipped even when GitHub withheld the secrets the other inputs need.
    const early = parseGitHubInputs((name) => runner.getInput(name))
    const github = deps.github(early.github.token ?? '', trigger.apiUrl, trigger.repo)
    if (early.problems.length === 0) {
      const decision = await decide(trigger, early.github, { permissionOf: (user) => github.permission(user) })
      if (!decision.run) {
        report.outcome = 'skipped'
        report.skipReason = decision.reason
        runner.info(`Skipped, nothing was sent to Devin: ${redact(decision.reason)}`)
        publish()
        return
      }
      for (const warning of decision.warnings) runner.warning(redact(warning))
    }

    const instruction = await instructionOf(trigger, early.github.triggerPhrase)
    const variables = templateVariables(trigger, instruction)
    // Files named by inputs are read only when they really lie in the workspace, links resolved.
    const settings = await parseInputs(
      (name) => runner.getInput(name),
      (path) => readWorkspaceFile(trigger.workspace, path),
      {
        event: trigger.event,
        hasDefaultPrompt: defaultPrompt(trigger, undefined) !== undefined,
        templateProblems: (template) => templateProblems(template, variables, trigger.event)
      }
    )
    for (const warning of settings.warnings) runner.warning(redact(warning))
    report.apiVersion = settings.apiVersion
    if (!settings.dryRun) comment = livingComment(trigger, settings, github, report, redactor, (message) => runner.warning(redact(message)))

    const texts = expandTexts(settings, trigger, instruction)
    const plan = planOpen(settings, trigger, texts, deps.randomId())
    const prompt = plan.kind === 'create' ? plan.request.prompt : undefined

    const http = new DevinHttp(
      { baseUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
      { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
    )
    const deadline = deps.clock.now() + OPEN_DEADLINE_MS

    if (settings.dryRun) {
      const api = await connect(http, settings, deadline, false)
      report.prompt = prompt
      dryRun(runner, report, plan.kind === 'create' ? api.describeCreate(plan.request) : undefined, settings, redactor)
      publish()
      return
    }

    await reactToTrigger(trigger, github, runner, redact)

    const api: DevinApi = await connect(http, settings, deadline)
    report.outcome = 'running'
    const reach = { orgId: api.orgId, apiVersion: api.version, apiUrl: settings.apiUrl, terminateOnCancel: settings.wait.terminateOnCancel }
    let creating = false
    const opened = await openSession(api, plan, deadline, {
      clock: deps.clock,
      info: (message) => runner.info(redact(message)),
      warning: (message) => runner.warning(redact(message)),
      onSession: (session, isNew) => {
        report.session = session
        report.isNew = isNew
        // The prompt output is the prompt sent: only a session this run created was sent one.
        report.prompt = isNew ? prompt : undefined
        publish()
      },
      beforeCreate: (tag) => {
        // Saved before the create is sent: a job cancelled before Devin answers leaves its session to the post step.
        creating = true
        runner.saveState(State.Waiting, JSON.stringify({ ...reach, creatingTag: tag } satisfies InFlightState))
      }
    }).finally(() => {
      // Settled either way (opened, or failed and reported): nothing is left for the post step to find.
      if (creating) runner.saveState(State.Waiting, '')
    })
    report.messageSent = opened.messageSent
    publish()

    if (settings.wait.mode !== 'none') {
      const failure = await waitAndJudge(api, opened.session, settings, report, deps, publish, redact)
      if (failure !== undefined) throw new Error(failure)
    }
  } catch (error) {
    if (error instanceof UnconfirmedSessionError) report.unconfirmedTag = error.tag
    report.failure = redact(error instanceof Error ? error.message : String(error))
    // Outputs of a session that was opened are already set; the failure does not take them back.
    runner.setFailed(report.failure)
    comment?.refresh()
  } finally {
    await comment?.settled()
    try {
      await runner.appendSummary(summaryMarkdown(redactReport(report, redactor)))
    } catch (error) {
      runner.warning(`Could not write the job summary: ${redact(error instanceof Error ? error.message : String(error))}`)
    }
  }
}

/**
 * The comment kept on the pull request or issue, when `comment` asks for one and there is a thread.
 * Writes are queued, so they happen in order and never block the run; the run waits for them at the end.
 */
function livingComment(trigger: Trigger, settings: Settings, github: GitHub, report: Report, redactor: Redactor, warn: (message: string) => void) {
  const mode = settings.github.comment
  const thread = threadOf(trigger)
  if (mode === 'false' || (mode === 'auto' && !THREAD_EVENTS.has(trigger.event))) return undefined
  if (thread === undefined) {
    if (mode === 'true') warn(`comment is true, but the "${trigger.event}" event has no pull request or issue to comment on.`)
    return undefined
  }
  const marker = commentMarker(trigger, settings.idempotencyKey)
  const living = new LivingComment(github, thread.number, marker, warn)
  let queue = Promise.resolve()
  return {
    refresh(): void {
      if (report.session === undefined && report.failure === undefined) return
      const body = commentBody(redactReport(report, redactor), marker, trigger.runUrl)
      queue = queue.then(() => living.write(body))
    },
    settled: () => queue
  }
}

/** Marks the triggering comment with 👀, so its author sees the request was taken. Failing that only warns. */
async function reactToTrigger(trigger: Trigger, github: GitHub, runner: Runner, redact: (text: string) => string): Promise<void> {
  const { comment } = trigger
  // GitHub's REST API takes reactions on these two kinds only (a review or a discussion comment has none there).
  if (comment === undefined || (comment.kind !== 'issue_comment' && comment.kind !== 'review_comment')) return
  try {
    await github.react(comment.id, comment.kind, 'eyes')
  } catch (error) {
    runner.debug(redact(`Could not react to the comment: ${error instanceof Error ? error.message : String(error)}`))
  }
}

/**
 * Waits on the session as the wait inputs say, keeps the outputs current while it does, ends the
 * session on a timeout when asked to, and returns the failure message when the outcome fails the step.
 */
async function waitAndJudge(
  api: DevinApi,
  session: Session,
  settings: Settings,
  report: Report,
  deps: MainDeps,
  publish: () => void,
  redact: (text: string) => string
): Promise<string | undefined> {
  const { runner } = deps
  const { wait } = settings
  // Saved before the wait, so a cancelled job's post step knows which session to end.
  const waiting: InFlightState = {
    sessionId: session.id,
    orgId: api.orgId,
    apiVersion: api.version,
    apiUrl: settings.apiUrl,
    terminateOnCancel: wait.terminateOnCancel
  }
  runner.saveState(State.Waiting, JSON.stringify(waiting))
  runner.info(`Waiting up to ${formatDuration(wait.timeoutMs)} for the session to ${WAIT_GOALS[wait.mode]}.`)
  let result: WaitResult
  try {
    result = await waitForSession(
      api,
      session,
      { until: wait.mode as WaitUntil, timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs },
      {
        clock: deps.clock,
        info: (message) => runner.info(redact(message)),
        warning: (message) => runner.warning(redact(message)),
        onPoll: (polled) => {
          report.session = polled
          publish()
        }
      }
    )
  } finally {
    runner.saveState(State.WaitDone, 'true')
  }
  report.session = result.session
  report.outcome = result.outcome
  report.waitedMs = result.waitedMs
  publish()

  const schema = settings.request.structuredOutputSchema
  const output = result.session.structuredOutput
  if (schema !== undefined && output !== undefined && output !== null) {
    const problems = await structuredOutputProblems(schema, output)
    if (problems.length > 0) {
      runner.warning(`The structured output does not match structured-output-schema (it is still set as the output): ${problems.join('; ')}`)
    }
  }

  let endFailure: string | undefined
  if (result.outcome === 'timeout' && wait.onTimeout === 'terminate') {
    try {
      // The ended session's status is the last one, and the outputs say so.
      const ended = await endSession(api, result.session.id, deps.clock.now() + CLEANUP_DEADLINE_MS)
      if (ended.session !== undefined) report.session = ended.session
      report.terminated = true
      if (ended.failedButEnded !== undefined) {
        runner.info(redact(`Devin answered the request to end the session with a failure (${ended.failedButEnded}), but reading it again shows it has ended.`))
      }
      runner.info(`Ended session ${result.session.id} because the wait timed out (on-timeout: terminate).`)
    } catch (error) {
      endFailure = `ending the session failed too: ${error instanceof Error ? error.message : String(error)}`
    }
    publish()
  }

  const failure = failureFor(result.outcome, report.session ?? result.session, wait, { pollFailure: result.pollFailure, terminated: report.terminated })
  if (result.outcome === 'timeout' && failure === undefined) {
    const why = wait.onTimeout === 'leave' ? 'on-timeout: leave' : '"timeout" is not in fail-on'
    runner.warning(
      `The wait timed out after ${formatDuration(wait.timeoutMs)}; the step succeeds because ${why}. The session ${report.terminated ? 'was ended' : 'keeps running'}: ${result.session.url}${result.pollFailure !== undefined ? ` ${result.pollFailure}` : ''}`
    )
  }
  if (endFailure !== undefined) return `${(failure ?? `Devin's session ${result.session.id} timed out`).replace(/\.$/, '')}; ${endFailure}`
  return failure
}

/** Prints the request a real run would send, with every secret value replaced, and reports outcome dry-run. */
function dryRun(runner: Runner, report: Report, request: WireRequest | undefined, settings: Settings, redactor: Redactor): void {
  report.outcome = 'dry-run'
  if (request === undefined) {
    report.dryRun = { continueSession: settings.sessionId ?? '', message: settings.message }
    runner.info(
      `Dry run: nothing was sent to Devin. A real run would continue session ${settings.sessionId}${settings.message !== undefined ? ' and send it the message' : ''}.`
    )
    return
  }
  const body = { ...request.body }
  if (Array.isArray(body.session_secrets)) {
    body.session_secrets = (body.session_secrets as { key: string }[]).map((secret) => ({ ...secret, value: REDACTED }))
  }
  report.dryRun = { ...request, body }
  runner.info('Dry run: nothing was sent to Devin. A real run would send:')
  // Redacted as data, so JSON's own values (true, false) are never taken for a secret's text.
  runner.info(`${request.method} ${redactor.text(decodeURI(request.url))}\n${JSON.stringify(redactor.deep(body), null, 2)}`)
}
