import type { Settings } from '../action/inputs.js'
import { trimCiLog } from '../ask/ci-log.js'
import { type FailedJob, defaultPrompt } from '../ask/prompt.js'
import type { OpenPlan } from '../ask/request.js'
import type { DevinApi } from '../devin/api.js'
import { ListTooLongError } from '../devin/list-page.js'
import { type Session, isLiveSession } from '../devin/session.js'
import { FIXABLE_CONCLUSIONS } from '../event/gate.js'
import type { Trigger } from '../event/trigger.js'
import type { FailedJobRef, GitHub } from '../github/client.js'
import { describeFixTarget, judgeFixAttempts } from '../policy/fix-attempts.js'
import { ciTag } from '../policy/tags.js'

/**
 * The logs of at most this many failed jobs are attached. A failure is usually in one or two jobs and the rest
 * fail alike (a matrix); each log is one download and one upload, and a session reads a few logs well, not dozens.
 */
export const MAX_CI_LOGS = 10

/** Pages of the fix-attempt list read at most (200 sessions a page on v3): the cap is small, the list short. */
const FIX_ATTEMPT_MAX_PAGES = 5

type CreatePlan = Extract<OpenPlan, { kind: 'create' }>

/** What the CI step needs: Devin, the GitHub reads of the failed run, and the run's settings and words. */
export interface CiFixDeps {
  api: DevinApi
  github: Pick<GitHub, 'failedJobs' | 'jobLog'>
  settings: Settings
  trigger: Trigger
  instruction: string | undefined
  /** Removes the action's secrets from a log's text (the run's redactor). */
  redact(text: string): string
  deadline: number
  info(message: string): void
  warning(message: string): void
}

/** A log handed to Devin (or, in a dry run, that would be). */
export interface AttachedLog {
  job: string
  fileName: string
  keptBytes: number
  originalBytes: number
  url?: string
}

/** What the CI step decided: open the plan (reusing, or creating with the logs attached), or skip. */
export type CiFixStep = { kind: 'open'; plan: CreatePlan; logs: AttachedLog[] } | { kind: 'skip'; reason: string }

/** Whether this run fixes a failed workflow run: the gate let only a completed failure or time-out through. */
export function isCiFix(trigger: Trigger): boolean {
  return trigger.event === 'workflow_run' && trigger.workflowRun !== undefined && FIXABLE_CONCLUSIONS.has(trigger.workflowRun.conclusion ?? '')
}

/**
 * Prepares the create of a session fixing failed CI, in an order that keeps it exactly once and cheap:
 * 1. the idempotency key (by default `ci:<run id>/<attempt>`) is looked up first. When a live session has it, the
 *    same failed attempt was delivered again: nothing is counted, fetched or uploaded, and the open step reuses
 *    it, starting from this very list (no second look-up);
 * 2. the fix attempts for the pull request or branch are counted (`max-fix-attempts`); at the cap the run is
 *    skipped before anything is read from GitHub or sent to Devin; a list that fails fails the step (closed);
 * 3. the failed jobs are listed (GitHub) and named in the default prompt;
 * 4. with `ci-logs`, each failed job's log is fetched, trimmed and redacted, and uploaded; its URL joins the
 *    user's attachment URLs. An upload is sent once (see DevinApi.uploadAttachment): a log that cannot be fetched
 *    or uploaded is a warning, and the session opens without it. Only then does the open step create, once.
 */
export async function prepareCiFix(plan: CreatePlan, deps: CiFixDeps): Promise<CiFixStep> {
  const { api, deadline } = deps
  let listed: Session[] | undefined
  if (plan.reuse && plan.tag !== undefined) {
    listed = await api.listByTag(plan.tag, deadline)
    if (listed.some(isLiveSession)) {
      deps.info('A live session already has this failed run attempt: it is reused, and no log is fetched or uploaded.')
      return { kind: 'open', plan: { ...plan, listed }, logs: [] }
    }
  }
  const capped = await checkFixAttempts(plan, deps)
  if (capped !== undefined) return { kind: 'skip', reason: capped }

  const jobs = await listFailedJobs(deps)
  const logs: AttachedLog[] = []
  const urls: string[] = []
  if (deps.settings.ci.logs) {
    for (const job of logsToRead(jobs, deps)) {
      const log = await readLog(job, deps)
      if (log === undefined) continue
      // Nothing to read in it (the runner lost it, or the job printed nothing): no empty attachment.
      if (log.keptBytes === 0) {
        deps.info(`The log of job "${job.name}" is empty: nothing of it is attached.`)
        continue
      }
      try {
        const url = await api.uploadAttachment({ name: log.fileName, bytes: log.bytes, contentType: 'text/plain; charset=utf-8' }, deadline)
        urls.push(url)
        logs.push({ job: job.name, fileName: log.fileName, keptBytes: log.keptBytes, originalBytes: log.originalBytes, url })
      } catch (error) {
        deps.warning(
          `Could not upload the log of job "${job.name}" to Devin (${messageOf(error)}); the session opens without it. Uploading attachments needs the UseDevinSessions permission on Devin's side.`
        )
      }
    }
    if (urls.length > 0) deps.info(`Attached ${urls.length} failed job log${urls.length === 1 ? '' : 's'}: ${logs.map((log) => `"${log.job}"`).join(', ')}.`)
  } else {
    deps.info('ci-logs is false: no log of the failed jobs is sent to Devin.')
  }
  const request = {
    ...plan.request,
    prompt: withFailedJobs(plan.request.prompt, deps.trigger, deps.instruction, jobs),
    ...(urls.length > 0 ? { attachmentUrls: [...(plan.request.attachmentUrls ?? []), ...urls] } : {})
  }
  return { kind: 'open', plan: { ...plan, request, ...(listed !== undefined ? { listed } : {}) }, logs }
}

/**
 * A dry run of the CI step: the failed jobs are listed and each log is fetched and trimmed (GitHub reads), so the
 * run shows what a real one would attach and how big it would be; nothing is counted in, or sent to, Devin.
 */
export async function dryRunCiFix(plan: CreatePlan, deps: Omit<CiFixDeps, 'api'>): Promise<{ plan: CreatePlan; logs: AttachedLog[] }> {
  const jobs = await listFailedJobs(deps)
  const logs: AttachedLog[] = []
  if (deps.settings.ci.logs) {
    for (const job of logsToRead(jobs, deps)) {
      const log = await readLog(job, deps)
      if (log === undefined) continue
      logs.push({ job: job.name, fileName: log.fileName, keptBytes: log.keptBytes, originalBytes: log.originalBytes })
      deps.info(
        `Dry run: a real run would upload the log of job "${job.name}" as ${log.fileName}: ${log.keptBytes} bytes after trimming and redaction (of ${log.originalBytes}).`
      )
    }
  } else {
    deps.info('ci-logs is false: a real run would send no log of the failed jobs to Devin.')
  }
  const request = { ...plan.request, prompt: withFailedJobs(plan.request.prompt, deps.trigger, deps.instruction, jobs) }
  return { plan: { ...plan, request }, logs }
}

/** Counts this repository's sessions for the pull request or branch; the skip reason at the cap, else undefined. */
async function checkFixAttempts(plan: CreatePlan, deps: CiFixDeps): Promise<string | undefined> {
  const max = deps.settings.ci.maxFixAttempts
  const target = plan.scope.ci
  if (target === undefined || target === '' || plan.scope.repoId === '' || !deps.settings.trackingTags) {
    deps.warning(
      `max-fix-attempts cannot be applied: ${deps.settings.trackingTags ? 'the run names no pull request or branch, or no repository id' : 'tracking-tags is false, so no session carries the tag it counts'}.`
    )
    return undefined
  }
  const tag = ciTag(plan.scope.repoId, target)
  let sessions: Session[]
  try {
    sessions = await deps.api.listByTag(tag, deps.deadline, { maxPages: FIX_ATTEMPT_MAX_PAGES, whole: true })
  } catch (error) {
    // More sessions than a few pages hold is far past any cap: that is an answer, not a failure.
    if (error instanceof ListTooLongError && error.read >= max) {
      return `fix attempts: ${describeFixTarget(target)} already had more than ${error.read} sessions to fix CI (max-fix-attempts: ${max}).`
    }
    throw new Error(
      `max-fix-attempts is set, but the sessions it counts (tagged ${tag}) could not be listed, so no session was created (fix attempts fail closed): ${messageOf(error)}.`,
      { cause: error }
    )
  }
  const verdict = judgeFixAttempts(sessions, target, max)
  deps.info(`Fix attempts for ${describeFixTarget(target)}: ${verdict.count} of ${max} (max-fix-attempts).`)
  return verdict.go ? undefined : verdict.reason
}

/** The failed jobs of the run attempt; a list that cannot be read is a warning, and the session opens without them. */
async function listFailedJobs(deps: Omit<CiFixDeps, 'api'>): Promise<FailedJobRef[]> {
  const run = deps.trigger.workflowRun as NonNullable<Trigger['workflowRun']>
  try {
    const jobs = await deps.github.failedJobs(run.id, run.attempt)
    deps.info(`Failed jobs of run ${run.id} (attempt ${run.attempt}): ${jobs.length === 0 ? 'none listed' : jobs.map((job) => `"${job.name}"`).join(', ')}.`)
    return jobs
  } catch (error) {
    deps.warning(
      `Could not list the failed jobs of run ${run.id} (${messageOf(error)}); the session opens without them or their logs. The workflow needs the permission actions: read.`
    )
    return []
  }
}

/** The jobs whose logs are read: the first MAX_CI_LOGS, saying so when there are more. */
function logsToRead(jobs: FailedJobRef[], deps: Pick<CiFixDeps, 'info'>): FailedJobRef[] {
  if (jobs.length > MAX_CI_LOGS) {
    deps.info(
      `${jobs.length} jobs failed; the logs of the first ${MAX_CI_LOGS} are attached (the others most often fail the same way, and each log is a download and an upload).`
    )
  }
  return jobs.slice(0, MAX_CI_LOGS)
}

/** One job's log, fetched, trimmed to `ci-log-size` from its end, redacted; undefined (and a warning) when it cannot be read. */
async function readLog(
  job: FailedJobRef,
  deps: Pick<CiFixDeps, 'github' | 'settings' | 'redact' | 'warning'>
): Promise<{ fileName: string; bytes: Uint8Array; keptBytes: number; originalBytes: number } | undefined> {
  try {
    const log = await trimCiLog(await deps.github.jobLog(job.id), { maxBytes: deps.settings.ci.logBytes, redact: deps.redact })
    return { fileName: logFileName(job), bytes: new TextEncoder().encode(log.text), keptBytes: log.keptBytes, originalBytes: log.originalBytes }
  } catch (error) {
    const why = messageOf(error)
    // The permission is named when GitHub refused (403/404); a download that timed out or broke needs a re-run, not it.
    const refused = /\b(?:403|404)\b/.test(why) && !why.includes('actions: read')
    deps.warning(
      `Could not fetch the log of job "${job.name}" (${why}); the session opens without it.${refused ? ' Reading job logs needs the permission actions: read.' : ''}`
    )
    return undefined
  }
}

/**
 * The name a log is uploaded under: the job's name (a matrix job's includes its values) made safe for a file name,
 * and its id, so two jobs whose names sanitize alike stay apart.
 */
export function logFileName(job: Pick<FailedJobRef, 'id' | 'name'>): string {
  const safe = job.name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80)
  return `ci-log-${safe === '' ? 'job' : safe}-${job.id}.txt`
}

/**
 * The prompt with the failed jobs and steps named, when it is the default prompt (or holds it, framed for a
 * restricted session): a prompt the user wrote is theirs, and stays as written.
 */
function withFailedJobs(prompt: string, trigger: Trigger, instruction: string | undefined, jobs: readonly FailedJobRef[]): string {
  if (jobs.length === 0) return prompt
  const plain = defaultPrompt(trigger, instruction)
  if (plain === undefined || !prompt.includes(plain)) return prompt
  const failed: FailedJob[] = jobs.map((job) => ({ name: job.name, failedSteps: job.failedSteps }))
  const named = defaultPrompt(trigger, instruction, failed) ?? plain
  return prompt.replace(plain, () => named)
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '')
}
