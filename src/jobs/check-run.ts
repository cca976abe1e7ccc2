import type { Settings } from '../action/inputs.js'
import type { Trigger } from '../event/trigger.js'
import { type CheckRunWrite, type GitHub, githubStatus } from '../github/client.js'
import { type CheckRunContent, checkRunContent } from '../report/check-run.js'
import { type Redactor, redactReport } from '../report/redact.js'
import type { Report } from '../report/report.js'
import type { SessionCheckRun } from './job.js'

const COMMIT_SHA = /^[0-9a-f]{40}$/i

/** The commit a check run goes on, or why the run has none. */
export type CheckRunHead = { sha: string } | { none: string; pullRequest?: number }

/**
 * The commit the check run of this run goes on, never GITHUB_SHA (on a pull request event that is a merge
 * commit nobody looks at): the pull request's head as the payload has it (a comment's trigger carries the head
 * read from GitHub, see open.ts), or the head of a `workflow_run` that ran for a pull request.
 */
export function checkRunHead(trigger: Trigger): CheckRunHead {
  const run = trigger.workflowRun
  if (run !== undefined) {
    if (run.pullRequests.length === 0) return { none: `the workflow run ${run.id} ran for no pull request of this repository` }
    if (run.headSha === undefined) return { none: `the payload names no head commit of workflow run ${run.id}`, pullRequest: run.pullRequests[0] }
    return { sha: run.headSha }
  }
  const pr = trigger.pullRequest
  if (pr === undefined) return { none: `the "${trigger.event}" event is about no pull request` }
  if (pr.headSha === undefined || !COMMIT_SHA.test(pr.headSha))
    return { none: `the head commit of pull request #${pr.number} is not known`, pullRequest: pr.number }
  return { sha: pr.headSha.toLowerCase() }
}

/**
 * The check run that stands for the session on the pull request's head, when `check-run` asks for one and
 * the run is about a pull request whose head is known. It is created in progress once the session is known
 * (an existing check run of the session on that commit, from an earlier run, is taken over instead), written
 * again only when its status or title changes, and completed at the end of the step with the whole report:
 * the conclusion, and the job summary as its summary. A budget skip is created completed as `skipped`.
 * Writes are queued, so they happen in order and never block the run; the step waits for them at its end.
 * A token without `checks: write` (a fork's pull request) is one warning naming it, and nothing more is sent.
 */
/** Check-run writes that may fail and pass on a later try (not a 403) given up after this many in a row. */
const MAX_WRITE_FAILURES = 3

export function sessionCheckRun(
  trigger: Trigger,
  settings: Settings,
  github: GitHub,
  report: Report,
  redactor: Redactor,
  log: { warning(message: string): void; info(message: string): void }
): SessionCheckRun | undefined {
  if (!settings.checks.enabled || settings.dryRun) return undefined
  const head = checkRunHead(trigger)
  if ('none' in head) {
    // A run about a pull request was meant to have one; a workflow that also runs on issues is not news.
    const say = head.pullRequest !== undefined ? log.warning : log.info
    say(`check-run is true, but ${head.none}, so there is no check run.`)
    return undefined
  }
  const { name } = settings.checks
  const where = `the check run "${name}" on ${head.sha}`

  let queue = Promise.resolve()
  let disabled = false
  let failures = 0
  /** The check run on GitHub: the session it stands for, and its id once found or created. */
  let current: { sessionId?: string; id?: number } = {}
  /** What was last queued: its status, conclusion, title and session, and all of it with the summary. */
  let queuedShape: string | undefined
  let queuedWhole: string | undefined

  const put = async (content: CheckRunContent, session: { id: string; url: string } | undefined): Promise<void> => {
    if (disabled) return
    try {
      if (session !== undefined && session.id !== current.sessionId) {
        // A second run on the same session (a follow-up, a reuse) keeps its one check run on this commit.
        const existing = (await github.listCheckRuns(head.sha, name)).find((run) => run.externalId === session.id)
        current = { sessionId: session.id, id: existing?.id }
      }
      const write: CheckRunWrite = {
        ...content,
        ...(session !== undefined ? { externalId: session.id, ...(session.url !== '' ? { detailsUrl: session.url } : {}) } : {})
      }
      if (current.id === undefined) current.id = (await github.createCheckRun(head.sha, name, write)).id
      else await github.updateCheckRun(current.id, write)
      failures = 0
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (githubStatus(error) === 403) {
        disabled = true
        log.warning(
          `Could not write ${where}: GitHub refused it (${message}). Give the job the "checks: write" permission; a pull request from a fork gets a read-only token, which cannot have it. The run goes on without a check run.`
        )
        return
      }
      // Anything else may pass (a 5xx, an answer lost after GitHub acted): the next write looks the check run up
      // again by the session (a create whose answer was lost is found, not made twice) and writes what is due then,
      // the final conclusion included. A few failures in a row end the trying.
      failures++
      current = {}
      queuedShape = undefined
      queuedWhole = undefined
      if (failures >= MAX_WRITE_FAILURES) disabled = true
      log.warning(
        failures >= MAX_WRITE_FAILURES
          ? `Could not write ${where} (${message}), ${failures} times in a row. The run goes on without updating it.`
          : `Could not write ${where} (${message}). It is written again with the next change, and at the end of the run.`
      )
    }
  }

  const enqueue = (content: CheckRunContent, session: { id: string; url: string } | undefined): void => {
    queuedShape = shapeOf(content, session)
    queuedWhole = JSON.stringify([queuedShape, content.summary])
    queue = queue.then(() => put(content, session))
  }

  return {
    refresh(): void {
      if (disabled) return
      const shown = redactReport(report, redactor)
      const session = standsFor(shown)
      if (session === undefined) return
      const content = checkRunContent(shown)
      // The conclusion is the run's last word, written once by finish with all the run learnt after the wait.
      if (content.status === 'completed') return
      if (shapeOf(content, session) !== queuedShape) enqueue(content, session)
    },
    async finish(): Promise<void> {
      await queue
      // The last word, tried again (a bounded number of times) when a write fails in a way a later try may not.
      while (!disabled) {
        const shown = redactReport(report, redactor)
        const content = checkRunContent(shown)
        const session = standsFor(shown)
        const whole = JSON.stringify([shapeOf(content, session), content.summary])
        // Without a session only a budget skip has a check run; with one, the summary is brought up to date too.
        // A skipped follow-up or new-commits note is not a run of its own: the session it would have reached keeps
        // its check run, which a newer `skipped` one of the same name would hide (and let the pull request merge).
        const continuing = report.thread?.kind === 'follow-up' || report.thread?.kind === 'new-commits'
        const wanted = session !== undefined || (content.conclusion === 'skipped' && !continuing)
        if (!wanted || whole === queuedWhole) break
        enqueue(content, session)
        await queue
      }
    }
  }
}

/**
 * What the check run stands for: the session (its id the external id, its page the details), or a Devin Review
 * once Devin showed it, by the commit reviewed, with no details page (a review has none in the API).
 */
function standsFor(report: Report): { id: string; url: string } | undefined {
  if (report.session !== undefined) return { id: report.session.id, url: report.session.url }
  // ---- devin review ----
  const review = report.review
  const commit = review?.current?.commitSha ?? review?.headSha
  if (review?.current !== undefined && commit !== undefined) return { id: `devin-review:${commit}`, url: '' }
  // ---- end of devin review ----
  return undefined
}

/** What makes a write worth sending during the run: the status, conclusion and title, and the session they stand for. */
function shapeOf(content: CheckRunContent, session: { id: string } | undefined): string {
  return JSON.stringify([session?.id, content.status, content.conclusion, content.title])
}
