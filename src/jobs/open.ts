import { OPEN_DEADLINE_MS, REQUEST_TIMEOUT_MS, State } from '../action/constants.js'
import { parseGitHubInputs, parseInputs } from '../action/inputs.js'
import type { Runner } from '../action/runner.js'
import type { InFlightState } from '../action/state.js'
import { readWorkspaceFile } from '../action/workspace-file.js'
import { defaultPrompt } from '../ask/prompt.js'
import { expandTexts, planOpen } from '../ask/request.js'
import { templateProblems, templateVariables } from '../ask/template.js'
import type { DevinApi } from '../devin/api.js'
import { connect } from '../devin/client.js'
import { DevinHttp } from '../devin/http.js'
import { openSession } from '../devin/open.js'
import { type RestrictedUser, decide, instructionOf } from '../event/gate.js'
import type { Trigger } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { restrictOpen } from '../policy/restricted.js'
import { dryRun } from '../report/dry-run.js'
import type { JobContext } from './job.js'
import { threadComment } from './thread-comment.js'
import { checkBudgets, clampPlan } from './budget.js'
import { waitAndJudge } from './wait.js'

/**
 * The open job: trigger → gate → inputs → plan → open (reuse, continue or create, exactly once) → wait →
 * report. Skips, dry runs and failures all leave the report filled in for main.ts to publish.
 */
export async function openJob(ctx: JobContext, trigger: Trigger): Promise<void> {
  const { deps, report, publish, secrets, redactor } = ctx
  const { runner } = deps
  const redact = redactor.text
  // The gate first, on the GitHub inputs alone: a run that is to be skipped (a fork, a bot, a stranger)
  // must be skipped even when GitHub withheld the secrets the other inputs need.
  const early = parseGitHubInputs((name) => runner.getInput(name))
  const github = deps.github(early.github.token ?? '', trigger.apiUrl, trigger.repo)
  let restrictedUsers: RestrictedUser[] | undefined
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
    restrictedUsers = decision.restricted
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
  if (!settings.dryRun) ctx.comment = threadComment(trigger, settings, github, report, redactor, (message) => runner.warning(redact(message)))

  const texts = expandTexts(settings, trigger, instruction)
  const tagged = settings.trackingTags ? await withPullHead(trigger, github, (message) => runner.info(redact(message))) : trigger
  let plan = planOpen(settings, tagged, texts, deps.randomId())
  if (restrictedUsers !== undefined) {
    // Let in only by allowed-users: the session is opened restricted, or not at all (before any request).
    const restricted = restrictOpen(plan, {
      users: restrictedUsers,
      requiredPermission: settings.github.requiredPermission,
      acuLimit: settings.spending.restrictedAcuLimit,
      repo: trigger.repo,
      idempotencyKey: settings.idempotencyKey
    })
    if (!restricted.run) {
      report.outcome = 'skipped'
      report.skipReason = restricted.reason
      runner.info(`Skipped, nothing was sent to Devin: ${redact(restricted.reason)}`)
      publish()
      return
    }
    plan = restricted.plan
    report.restricted = restricted.shown
    runner.info(redact(restricted.note))
    for (const warning of restricted.warnings) runner.warning(redact(warning))
  }
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

  const api: DevinApi = await connect(http, settings, deadline)
  // Budgets and the live-session cap: listed and judged only when one is set, before anything is created or sent.
  const budget = await checkBudgets(api, settings, trigger, plan, deadline, deps.clock.now(), (message) => runner.info(redact(message)))
  report.budget = budget
  if (budget !== undefined && !budget.go) {
    report.outcome = 'skipped'
    report.skipReason = budget.reason
    runner.info(`Skipped, no session was created or messaged: ${redact(budget.reason ?? '')} Raise ${budget.raise} to allow more.`)
    publish()
    return
  }
  // 👀 says the request was taken: only once no budget refuses it.
  await reactToTrigger(trigger, github, runner, redact)
  const open = budget === undefined ? plan : clampPlan(plan, budget)
  // A budget may have lowered a restricted session's limit further: the user is told the limit sent.
  if (report.restricted !== undefined && open.kind === 'create' && open.request.maxAcuLimit !== undefined) {
    report.restricted.maxAcuLimit = open.request.maxAcuLimit
  }
  report.outcome = 'running'
  const reach = { orgId: api.orgId, apiVersion: api.version, apiUrl: settings.apiUrl, terminateOnCancel: settings.wait.terminateOnCancel }
  let creating = false
  const opened = await openSession(api, open, deadline, {
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
      runner.saveState(State.Waiting, JSON.stringify({ ...reach, creatingTag: tag ?? '' } satisfies InFlightState))
    },
    random: deps.random
  }).finally(() => {
    // Settled either way (opened, or failed and reported): nothing is left for the post step to find.
    if (creating) runner.saveState(State.Waiting, '')
  })
  report.messageSent = opened.messageSent
  publish()

  if (settings.wait.mode !== 'none') {
    const failure = await waitAndJudge(ctx, api, opened.session, settings, tagged, github)
    if (failure !== undefined) throw new Error(failure)
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
 * A comment on a pull request (issue_comment) carries no head commit in its payload: it is read from GitHub,
 * so the session is tagged with the head it was asked about (`gh-sha`), never with GITHUB_SHA. Failing that,
 * the session goes without the tag: it says which commit it is about, nothing else depends on it yet.
 */
async function withPullHead(trigger: Trigger, github: GitHub, info: (message: string) => void): Promise<Trigger> {
  const pr = trigger.pullRequest
  if (pr === undefined || pr.headSha !== undefined) return trigger
  try {
    const headSha = await github.pullHead(pr.number)
    return { ...trigger, pullRequest: { ...pr, headSha } }
  } catch (error) {
    info(
      `Could not read the head commit of pull request #${pr.number} (${error instanceof Error ? error.message : String(error)}); the session has no gh-sha tag.`
    )
    return trigger
  }
}
