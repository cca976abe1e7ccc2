import { OPEN_DEADLINE_MS, REQUEST_TIMEOUT_MS, State } from '../action/constants.js'
import { parseGitHubInputs, parseInputs } from '../action/inputs.js'
import type { Runner } from '../action/runner.js'
import type { InFlightState } from '../action/state.js'
import { readWorkspaceFile } from '../action/workspace-file.js'
import { defaultPrompt } from '../ask/prompt.js'
import { type OpenPlan, expandTexts, planOpen } from '../ask/request.js'
import { followUpMessage, newCommitsMessage } from '../ask/thread-messages.js'
import { templateProblems, templateVariables } from '../ask/template.js'
import type { DevinApi } from '../devin/api.js'
import { connect } from '../devin/client.js'
import { DevinHttp } from '../devin/http.js'
import { type Opened, openSession } from '../devin/open.js'
import { isLiveSession } from '../devin/session.js'
import { type RestrictedUser, decide, instructionOf } from '../event/gate.js'
import type { Trigger } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { restrictOpen } from '../policy/restricted.js'
import { dryRun } from '../report/dry-run.js'
import type { JobContext } from './job.js'
import { threadComment } from './thread-comment.js'
import { sessionCheckRun } from './check-run.js'
import { checkBudgets, clampPlan } from './budget.js'
import { type CiFixDeps, dryRunCiFix, isCiFix, prepareCiFix } from './ci-fix.js'
import { type ThreadRouting, endReplaced, routeByThread, threadAskOf } from './thread.js'
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
  // The head is read for the gh-sha tag and for the check run, which goes on it.
  const tagged = settings.trackingTags || settings.checks.enabled ? await withPullHead(trigger, github, (message) => runner.info(redact(message))) : trigger
  ctx.checkRun = sessionCheckRun(tagged, settings, github, report, redactor, {
    warning: (message) => runner.warning(redact(message)),
    info: (message) => runner.info(redact(message))
  })
  let plan: OpenPlan = planOpen(settings, tagged, texts, deps.randomId())
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
  // One conversation per thread: a follow-up or new commits may go to the thread's live session instead.
  const ask = threadAskOf(settings, trigger, restrictedUsers !== undefined)
  if (ask !== undefined && !settings.trackingTags) {
    runner.info(
      `tracking-tags is false, so this thread's sessions cannot be found: ${ask.kind === 'follow-up' ? 'follow-up' : 'on-new-commits'} opens a new session.`
    )
  }

  const http = new DevinHttp(
    { baseUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
    { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
  )
  const deadline = deps.clock.now() + OPEN_DEADLINE_MS
  // Fixing failed CI: the failed jobs and their logs are read from GitHub (see ci-fix.ts for the order).
  const ciDeps: Omit<CiFixDeps, 'api'> = {
    github,
    settings,
    trigger: tagged,
    instruction,
    redact,
    deadline,
    info: (message) => runner.info(redact(message)),
    warning: (message) => runner.warning(redact(message))
  }

  if (settings.dryRun) {
    const api = await connect(http, settings, deadline, false)
    if (isCiFix(trigger) && plan.kind === 'create') plan = (await dryRunCiFix(plan, ciDeps)).plan
    const prompt = plan.kind === 'create' ? plan.request.prompt : undefined
    if (ask !== undefined && settings.trackingTags) {
      runner.info(
        `A real run would first list this thread's sessions and ${ask.choice === 'restart' ? 'end those opened for an older head, then create' : 'send the newest live one the message below instead of creating, when there is one'}; a dry run lists nothing.`
      )
      if (ask.choice === 'message')
        runner.info(redact(texts.message ?? (ask.kind === 'follow-up' ? followUpMessage(trigger, instruction) : newCommitsMessage(trigger))))
    }
    report.prompt = prompt
    dryRun(runner, report, plan.kind === 'create' ? api.describeCreate(plan.request) : undefined, settings, redactor)
    publish()
    return
  }

  const api: DevinApi = await connect(http, settings, deadline)
  const createPlan = plan
  let replaced: ThreadRouting['end'] = []
  if (ask !== undefined && settings.trackingTags) {
    const routing = await routeByThread(api, ask, trigger, plan, texts, instruction, deadline, (message) => runner.info(redact(message)))
    plan = routing.plan
    replaced = routing.end
    report.thread = routing.note
  }
  // Budgets and the live-session cap: listed and judged only when one is set, before anything is created or sent.
  const budgeted = async (planned: OpenPlan): Promise<OpenPlan | undefined> => {
    const budget = await checkBudgets(api, settings, trigger, planned, deadline, deps.clock.now(), (message) => runner.info(redact(message)))
    report.budget = budget
    if (budget !== undefined && !budget.go) {
      report.outcome = 'skipped'
      report.skipReason = budget.reason
      runner.info(`Skipped, no session was created or messaged: ${redact(budget.reason ?? '')} Raise ${budget.raise} to allow more.`)
      publish()
      return undefined
    }
    const open = budget === undefined ? planned : { ...clampPlan(planned, budget), scope: planned.scope }
    // A budget may have lowered a restricted session's limit further: the user is told the limit sent.
    if (report.restricted !== undefined && open.kind === 'create' && open.request.maxAcuLimit !== undefined) {
      report.restricted.maxAcuLimit = open.request.maxAcuLimit
    }
    return open
  }
  let open = await budgeted(plan)
  if (open === undefined) return
  if (isCiFix(trigger) && open.kind === 'create') {
    // Reuse first, then the fix-attempt cap, then the logs: only a run that will create fetches and uploads them.
    const ci = await prepareCiFix(open, { ...ciDeps, api })
    if (ci.kind === 'skip') {
      report.outcome = 'skipped'
      report.skipReason = ci.reason
      runner.info(`Skipped, no session was created: ${redact(ci.reason)} Raise max-fix-attempts to allow more.`)
      publish()
      return
    }
    open = ci.plan
  }
  // 👀 says the request was taken: only once no budget refuses it.
  await reactToTrigger(trigger, github, runner, redact)
  if (replaced.length > 0 && report.thread?.kind === 'restart') {
    report.thread.ended = await endReplaced(api, replaced, deadline, (message) => runner.warning(redact(message)))
    runner.info(`Ended ${report.thread.ended.length} of ${replaced.length} session(s) opened for an older head (on-new-commits: restart).`)
  }
  report.outcome = 'running'
  const reach = { orgId: api.orgId, apiVersion: api.version, apiUrl: settings.apiUrl, terminateOnCancel: settings.wait.terminateOnCancel }
  const openOnce = (planned: OpenPlan): Promise<Opened> => {
    const prompt = planned.kind === 'create' ? planned.request.prompt : undefined
    let creating = false
    return openSession(api, planned, deadline, {
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
  }
  let opened: Opened
  try {
    opened = await openOnce(open)
  } catch (error) {
    // The thread's session may have stopped between the list and the message: then the run opens a new
    // session, as it would have had the list shown it stopped. A session still live keeps the failure.
    if (open.kind !== 'continue' || open.known === undefined || (await stillLive(api, open.sessionId, deadline))) throw error
    runner.info(redact(`Session ${open.sessionId} stopped before the message reached it; a new session is opened instead.`))
    report.thread = undefined
    report.session = undefined
    report.isNew = undefined
    const fresh = await budgeted(createPlan)
    if (fresh === undefined) return
    opened = await openOnce(fresh)
  }
  report.messageSent = opened.messageSent
  publish()

  if (settings.wait.mode !== 'none') {
    const failure = await waitAndJudge(ctx, api, opened.session, settings, tagged, github)
    if (failure !== undefined) throw new Error(failure)
  }
}

/** Whether a session is still live when read again (a read that fails counts as live: the first failure stands). */
async function stillLive(api: DevinApi, sessionId: string, deadline: number): Promise<boolean> {
  try {
    return isLiveSession(await api.get(sessionId, deadline))
  } catch {
    return true
  }
}

/** Marks the triggering comment with 👀, so its author sees the request was taken. Failing that only warns. */
export async function reactToTrigger(trigger: Trigger, github: GitHub, runner: Runner, redact: (text: string) => string): Promise<void> {
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
