import { Input, OPEN_DEADLINE_MS, REQUEST_TIMEOUT_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import { parseGitHubInputs, parseInputs } from '../action/inputs.js'
import { readWorkspaceFile } from '../action/workspace-file.js'
import type { DevinApi } from '../devin/api.js'
import { connect } from '../devin/client.js'
import { DevinHttp } from '../devin/http.js'
import { DevinReviews, openReview, reviewOutcome } from '../devin/review.js'
import { waitForReview } from '../devin/review-wait.js'
import { COMMENT_EVENTS, PULL_REQUEST_EVENTS, decide } from '../event/gate.js'
import type { Trigger } from '../event/trigger.js'
import type { GitHub } from '../github/client.js'
import { reviewFailureFor } from '../policy/verdict.js'
import { sessionCheckRun } from './check-run.js'
import type { JobContext } from './job.js'
import { reactToTrigger } from './open.js'
import { threadComment } from './thread-comment.js'

/**
 * The review job (`devin-review: true`, devin-api.md §9.2): on a pull request event or a comment on a pull
 * request, Devin Review (not a session) reviews the pull request's head commit. The same gate as the open job
 * (trigger phrase, permission, bots, forks), the 👀 on a triggering comment, the living comment, the check run on
 * the head, dry run and wait; the review of the commit is adopted when Devin already has one, else asked for
 * exactly once (openReview). Choices:
 * - There is no session: session-id, session-url, status and acus-consumed stay empty; `review-status` is the
 *   review's status, `outcome` its mapping, `is-new-session` true when this run asked for the review.
 * - Other events, issue comments and a closed pull request are a visible skip with the reason, nothing sent.
 * - `wait: stopped` polls the review until its status is final; fail-on applies to the mapped outcome after a wait,
 *   as it does for a session. A review cannot be ended: on-timeout terminate is a warning and reads as fail.
 * - Budgets and allowed-users are refused with devin-review by the inputs: a review reports no ACUs.
 */
export async function reviewJob(ctx: JobContext, trigger: Trigger): Promise<void> {
  const { deps, report, publish, secrets, redactor } = ctx
  const { runner } = deps
  const redact = redactor.text
  report.review = {}
  const skip = (reason: string, loud: boolean): void => {
    report.outcome = 'skipped'
    report.skipReason = reason
    ;(loud ? runner.warning : runner.info)(redact(`Skipped, nothing was sent to Devin: ${reason}`))
    publish()
  }

  const pr = trigger.pullRequest
  const isPullRequestEvent = PULL_REQUEST_EVENTS.has(trigger.event)
  if (pr === undefined || (!isPullRequestEvent && !COMMENT_EVENTS.has(trigger.event))) {
    // A comment on an issue is routine for a workflow that listens to comments; any other event is a workflow to fix.
    const onIssue = trigger.issue !== undefined && COMMENT_EVENTS.has(trigger.event)
    skip(
      onIssue
        ? `event: devin-review reviews pull requests, and this comment is on issue #${trigger.issue?.number}.`
        : `event: devin-review reviews pull requests, and the "${trigger.event}" event is about none. Run it on pull_request, pull_request_target, or comments on pull requests.`,
      !onIssue
    )
    return
  }
  // Closed (or merged): on the close itself, and on any later event about it (a label, a comment).
  if (trigger.action === 'closed' || pr.state === 'closed') {
    skip(`event: pull request #${pr.number} was closed, so there is nothing to review.`, false)
    return
  }

  // The gate first, on the GitHub inputs alone, as for a session: a fork or a stranger is skipped even when GitHub
  // withheld the secrets the other inputs need.
  const early = parseGitHubInputs((name) => runner.getInput(name))
  const github = deps.github(early.github.token ?? '', trigger.apiUrl, trigger.repo)
  if (early.problems.length === 0) {
    const decision = await decide(trigger, early.github, { permissionOf: (user) => github.permission(user) })
    if (!decision.run) {
      skip(decision.reason, false)
      return
    }
    for (const warning of decision.warnings) runner.warning(redact(warning))
  }

  const settings = await parseInputs(
    (name) => runner.getInput(name),
    (path) => readWorkspaceFile(trigger.workspace, path),
    // Nothing is prompted: devin-review refuses the prompt inputs. The inputs' warnings are about sessions (a
    // message never sent, sessions without tags) and are not repeated here.
    { event: trigger.event, hasDefaultPrompt: true }
  )
  report.apiVersion = settings.apiVersion
  if (settings.wait.mode !== 'none' && settings.wait.onTimeout === 'terminate') {
    runner.warning(
      `${Input.OnTimeout} is terminate, but a Devin Review cannot be ended: a timeout is treated as on-timeout: fail (the review goes on in Devin).`
    )
  }
  if (!settings.dryRun) ctx.comment = threadComment(trigger, settings, github, report, redactor, (message) => runner.warning(redact(message)))

  // The commit to review: the payload's head, or for a comment (whose payload has none) the head as GitHub says.
  const headSha = pr.headSha?.toLowerCase() ?? (await readPullHead(github, pr.number))
  const prUrl = pr.url
  report.review = { pullRequest: pr.number, prUrl, headSha }
  ctx.checkRun = sessionCheckRun({ ...trigger, pullRequest: { ...pr, headSha } }, settings, github, report, redactor, {
    warning: (message) => runner.warning(redact(message)),
    info: (message) => runner.info(redact(message))
  })

  const http = new DevinHttp(
    { baseUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
    { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
  )
  const deadline = deps.clock.now() + OPEN_DEADLINE_MS

  if (settings.dryRun) {
    const reviews = reviewsOf(http, await connect(http, settings, deadline, false))
    const lookUp = reviews.describeLookUp(prUrl, headSha)
    const request = reviews.describeRequest(prUrl)
    report.outcome = 'dry-run'
    report.review.lookUp = lookUp
    report.dryRun = request
    runner.info('Dry run: nothing was sent to Devin. A real run would first look up the review of this commit:')
    runner.info(redact(`${lookUp.method} ${decodeURI(lookUp.url)}`))
    runner.info('and, when Devin has none, ask for one:')
    runner.info(redact(`${request.method} ${decodeURI(request.url)}\n${JSON.stringify(request.body, null, 2)}`))
    publish()
    return
  }

  const reviews = reviewsOf(http, await connect(http, settings, deadline))
  // 👀 says the request was taken, before Devin is asked.
  await reactToTrigger(trigger, github, runner, redact)
  const opened = await openReview(reviews, prUrl, headSha, deadline, { clock: deps.clock, info: (message) => runner.info(redact(message)) })
  const reviewed = opened.review.commitSha ?? headSha
  if (reviewed !== headSha) {
    // Devin Review always takes the pull request's latest commit: it moved on since the event.
    runner.info(redact(`Devin Review took the pull request's latest commit ${reviewed}; the event was about ${headSha}.`))
  }
  report.review.current = opened.review
  report.isNew = opened.isNew
  report.outcome = reviewOutcome(opened.review.status)
  publish()

  if (settings.wait.mode === 'none') {
    runner.info(redact(`Not waiting (wait: none): the review is ${opened.review.status}.`))
    return
  }
  runner.info(`Waiting up to ${formatDuration(settings.wait.timeoutMs)} for the review's status to be final.`)
  const result = await waitForReview(
    reviews,
    opened.review,
    reviewed,
    { timeoutMs: settings.wait.timeoutMs, pollIntervalMs: settings.wait.pollIntervalMs },
    {
      clock: deps.clock,
      info: (message) => runner.info(redact(message)),
      warning: (message) => runner.warning(redact(message)),
      onPoll: (review) => {
        if (report.review !== undefined) report.review.current = review
        report.outcome = reviewOutcome(review.status)
        publish()
      }
    }
  )
  report.review.current = result.review
  report.outcome = result.outcome
  report.waitedMs = result.waitedMs
  publish()
  const failure = reviewFailureFor(result.outcome, result.review, settings.wait, { pollFailure: result.pollFailure })
  if (result.outcome === 'timeout' && failure === undefined) {
    const why = settings.wait.onTimeout === 'leave' ? 'on-timeout: leave' : '"timeout" is not in fail-on'
    runner.warning(
      redact(
        `The wait timed out after ${formatDuration(settings.wait.timeoutMs)}; the step succeeds because ${why}. The review goes on in Devin (last "${result.review.status}").${result.pollFailure !== undefined ? ` ${result.pollFailure}` : ''}`
      )
    )
  }
  if (failure !== undefined) throw new Error(failure)
}

/** The head commit of the pull request as GitHub says (a comment's payload has none); failing that, the step fails before Devin is asked. */
async function readPullHead(github: GitHub, number: number): Promise<string> {
  try {
    return (await github.pullHead(number)).toLowerCase()
  } catch (error) {
    throw new Error(
      `Could not read the head commit of pull request #${number} (${error instanceof Error ? error.message : String(error)}): a Devin Review is looked up and asked for by it. Nothing was sent to Devin.`,
      { cause: error }
    )
  }
}

/** The pr-reviews endpoints of the organization the connection resolved (v3 only: the inputs refuse v1 with devin-review). */
function reviewsOf(http: DevinHttp, api: DevinApi): DevinReviews {
  if (api.orgId === undefined) throw new Error(`${Input.DevinReview}: Devin Review is in the v3 API only, and this run speaks ${api.version}.`)
  return new DevinReviews(http, api.orgId)
}
