import { createHash } from 'node:crypto'
import { type Trigger, threadOf } from '../event/trigger.js'

/**
 * The action's own tags. Each identifies one scope on its own, so one tag is enough to list a scope's sessions
 * by (results are re-checked on the client). Scopes use the repository's numeric id, which survives renames;
 * `github:<owner>/<repo>` stays for people looking for a repository's sessions by name.
 */

/**
 * The tag that stands for an idempotency key. A short hash, so any text can be a key; scoped by the
 * repository, so two repositories that pick the same key in one organization do not share a session.
 */
export function idempotencyTag(key: string, repo: string): string {
  const digest = createHash('sha256').update(`${repo}\n${key}`).digest('hex')
  return `idem:${digest.slice(0, 24)}`
}

/** The tag that lets a team find every session a repository opened, by its name. */
export function repositoryTag(repo: string): string {
  return `github:${repo}`
}

/** The repository, by numeric id: the day budget, the live-session cap, reconcile. */
export function repoIdTag(repoId: string): string {
  return `gh-repo:${repoId}`
}

/** The pull request or issue the run is about: the per-PR budget, follow-ups, new commits, closing. */
export function threadTag(repoId: string, number: number): string {
  return `gh-thread:${repoId}#${number}`
}

/** The GitHub user who caused the run (logins are case-insensitive, so lower-cased): the per-user budget. */
export function userTag(repoId: string, login: string): string {
  return `gh-user:${repoId}/${login.toLowerCase()}`
}

/** The pull request head the session was asked about: staleness and check runs. */
export function shaTag(sha: string): string {
  return `gh-sha:${sha.toLowerCase()}`
}

/** A session opened to fix failed CI for a pull request (by number) or a branch: the fix-attempt cap. */
export function ciTag(repoId: string, prOrBranch: number | string): string {
  return `gh-ci:${repoId}#${prOrBranch}`
}

/** What the tags of one run are made of; the parts the event does not have are left out. */
export interface TagScope {
  repo: string
  /** The numeric repository id, '' when neither the payload nor GITHUB_REPOSITORY_ID gives it. */
  repoId: string
  thread?: number
  user?: string
  /** A 40-hex head SHA of the pull request the run is about. */
  headSha?: string
  /** A run fixing failed CI: the pull request (number) or branch (name) the fix attempts are counted for. */
  ci?: number | string
}

/** The scope tags (`gh-repo`, `gh-thread`, `gh-user`, `gh-sha`, `gh-ci`) of a run, in that order; none without a repository id. */
export function scopeTags(scope: TagScope): string[] {
  if (scope.repoId === '') return []
  const tags = [repoIdTag(scope.repoId)]
  if (scope.thread !== undefined) tags.push(threadTag(scope.repoId, scope.thread))
  if (scope.user !== undefined && scope.user !== '') tags.push(userTag(scope.repoId, scope.user))
  if (scope.headSha !== undefined && /^[0-9a-f]{40}$/i.test(scope.headSha)) tags.push(shaTag(scope.headSha))
  if (scope.ci !== undefined && scope.ci !== '') tags.push(ciTag(scope.repoId, scope.ci))
  return tags
}

/**
 * The scope of a run, from its trigger: the pull request or issue it is about, the user who caused it, and
 * the pull request head from the payload. Never GITHUB_SHA: on `pull_request` that is a merge commit, and on
 * `pull_request_target` a commit of the default branch. A comment on a pull request (`issue_comment`) has no
 * head in its payload, so it has no SHA.
 */
export function scopeOf(trigger: Trigger): TagScope {
  const run = trigger.workflowRun
  if (trigger.event === 'workflow_run' && run !== undefined) {
    // A failed CI run is about its pull request when GitHub names one (the first), else its branch.
    const pr = run.pullRequests[0]
    return {
      repo: trigger.repo,
      repoId: trigger.repoId,
      thread: pr,
      user: run.triggeringActor ?? (trigger.actor === '' ? undefined : trigger.actor),
      headSha: run.headSha,
      ci: pr ?? run.headBranch
    }
  }
  const thread = threadOf(trigger)?.number
  return {
    repo: trigger.repo,
    repoId: trigger.repoId,
    thread: thread !== undefined && Number.isSafeInteger(thread) && thread > 0 ? thread : undefined,
    user: trigger.actor === '' ? undefined : trigger.actor,
    headSha: trigger.pullRequest?.headSha
  }
}
