import { withoutHtmlComments } from './markdown.js'

/** A pull request the run is about. Fields the event does not carry are undefined. */
export interface PullRequest {
  number: number
  title: string
  url: string
  body: string
  author: string
  headSha?: string
  headRef?: string
  baseRef?: string
  /** The head branch lives in another repository (or one that was deleted). */
  isFork: boolean
  /** `open` or `closed` (merged pull requests are closed), when the payload says. */
  state?: string
}

/** An issue the run is about (not a pull request). */
export interface Issue {
  number: number
  title: string
  url: string
  body: string
  author: string
}

/** The comment or review that triggered the run. */
export interface Comment {
  id: number
  kind: 'issue_comment' | 'review_comment' | 'review' | 'commit_comment' | 'discussion_comment'
  body: string
  /** It begins with the action's hidden marker (read before HTML comments are removed): one of the action's own comments. */
  fromAction?: boolean
  author: string
  url: string
}

/** A workflow run the event is about (`workflow_run`): what fixing failed CI and check runs need of it. */
export interface WorkflowRun {
  id: number
  attempt: number
  /** The workflow's name (user-written, in the workflow file). */
  name: string
  /** `success`, `failure`, `timed_out`, …; undefined while it runs. */
  conclusion?: string
  url: string
  /** The commit the run ran on (40 hex, lower-cased), when the payload has one. */
  headSha?: string
  /** The branch it ran on (named by whoever pushed it). */
  headBranch?: string
  /** Pull requests of this repository (their base is it) whose head is the run's branch, by number. */
  pullRequests: number[]
  /** The repository of the head commit, `owner/repo`; differs from the repository for a fork's pull request. */
  headRepo: string
  /** Who started the run and who re-ran it, when the payload says. */
  actor?: string
  triggeringActor?: string
  /** The triggering actor's account type ("User", "Bot"). */
  triggeringActorType?: string
}

/** What an `edited` event changed: the text before the edit. */
export interface Edit {
  previousBody?: string
  previousTitle?: string
}

/** What started the workflow run, as far as the action needs it. */
export interface Trigger {
  /** `owner/repo`. */
  repo: string
  /** The repository's numeric id (payload `repository.id`, else GITHUB_REPOSITORY_ID): stable across renames. '' when unknown. */
  repoId: string
  event: string
  /** The webhook's `action`, e.g. "opened", "created". */
  action?: string
  /** Who triggered the run: the event's sender, else GITHUB_ACTOR. */
  actor: string
  /** The sender's account type ("User", "Bot", "Organization"), when the payload says. */
  actorType?: string
  sha: string
  ref: string
  runUrl: string
  runId: string
  runAttempt: string
  workflow: string
  job: string
  /** The step's id within the job (GITHUB_ACTION). */
  step: string
  workspace: string
  /** The GitHub web server (GITHUB_SERVER_URL, no trailing slash): links such as a compare view. */
  serverUrl: string
  /** Base URL of the GitHub REST API (GITHUB_API_URL; differs on GitHub Enterprise Server). */
  apiUrl: string
  pullRequest?: PullRequest
  issue?: Issue
  /** A discussion the run is about (`discussion`, `discussion_comment`): its text is a user's, like an issue's. */
  discussion?: Issue
  comment?: Comment
  edit?: Edit
  workflowRun?: WorkflowRun
  /** A `synchronize` of a pull request: the head before and after the push (40-hex SHAs; `before` when the payload has it). */
  newCommits?: { before?: string; after: string }
}

/** How every comment the action writes begins (github/comment.ts writes it). */
const ACTION_COMMENT_MARKER = '<!-- devin-session-action:'

/** Events whose payload carries a comment the action understands, and the comment's kind. */
const COMMENT_KINDS: Record<string, Comment['kind']> = {
  issue_comment: 'issue_comment',
  pull_request_review_comment: 'review_comment',
  commit_comment: 'commit_comment',
  discussion_comment: 'discussion_comment'
}

type Json = Record<string, unknown>

function record(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function login(user: unknown): string {
  return text(record(user)?.login)
}

/** A pull request object of a pull_request* payload. */
function pullRequestFrom(pr: Json): PullRequest {
  const head = record(pr.head) ?? {}
  const base = record(pr.base) ?? {}
  const headRepo = text(record(head.repo)?.full_name)
  const baseRepo = text(record(base.repo)?.full_name)
  return {
    number: Number(pr.number),
    title: text(pr.title),
    url: text(pr.html_url),
    body: text(pr.body),
    author: login(pr.user),
    headSha: optionalText(head.sha),
    headRef: optionalText(head.ref),
    baseRef: optionalText(base.ref),
    // A deleted fork has no head repository: treat it as a fork, the cautious reading.
    isFork: headRepo === '' || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
    state: optionalText(pr.state)
  }
}

/** The workflow_run object of a workflow_run payload. */
function workflowRunFrom(run: Json, repoId: string): WorkflowRun {
  // GitHub lists every pull request whose head is the run's branch, in any repository (a fork's pull request to
  // another repository among them): only those whose base is this repository are this repository's pull requests.
  const pulls = (Array.isArray(run.pull_requests) ? run.pull_requests : []).filter(
    (pr) => repoId !== '' && repositoryId(record(record(record(pr)?.base)?.repo)?.id) === repoId
  )
  const triggering = record(run.triggering_actor)
  return {
    id: Number(run.id),
    attempt: Number(run.run_attempt ?? 1) || 1,
    name: text(run.name),
    conclusion: optionalText(run.conclusion),
    url: text(run.html_url),
    headSha: commitSha(run.head_sha),
    headBranch: optionalText(run.head_branch),
    pullRequests: pulls.flatMap((pr) => {
      const number = Number(record(pr)?.number)
      return Number.isSafeInteger(number) && number > 0 ? [number] : []
    }),
    headRepo: text(record(run.head_repository)?.full_name),
    actor: optionalText(login(run.actor)),
    triggeringActor: optionalText(login(triggering)),
    triggeringActorType: optionalText(triggering?.type)
  }
}

/** The event payload as an object; an absent or unreadable payload reads as an empty one. */
function parsePayload(text: string | undefined): Json {
  if (text === undefined) return {}
  try {
    return record(JSON.parse(text)) ?? {}
  } catch {
    return {}
  }
}

/** A commit SHA as the payload has it, when it is one (40 hex digits, lower-cased). */
function commitSha(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-f]{40}$/i.test(value) ? value.toLowerCase() : undefined
}

/** A repository id as text: a positive whole number (from JSON or the environment), else undefined. */
function repositoryId(value: unknown): string | undefined {
  const textValue = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  return /^[1-9]\d*$/.test(textValue) ? textValue : undefined
}

/**
 * Reads the trigger from the runner's environment and the event payload. This module is the only
 * reader of either: everything else works with the typed Trigger.
 */
export function readTrigger(env: NodeJS.ProcessEnv, payloadText: string | undefined): Trigger {
  const repo = env.GITHUB_REPOSITORY ?? ''
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '')
  const runId = env.GITHUB_RUN_ID ?? ''
  const runAttempt = env.GITHUB_RUN_ATTEMPT ?? '1'
  const payload = parsePayload(payloadText)
  const sender = record(payload.sender)
  const repository = record(payload.repository)
  const trigger: Trigger = {
    repo,
    repoId: repositoryId(repository?.id) ?? repositoryId(env.GITHUB_REPOSITORY_ID) ?? '',
    event: env.GITHUB_EVENT_NAME ?? '',
    action: optionalText(payload.action),
    actor: login(sender) || (env.GITHUB_ACTOR ?? ''),
    actorType: optionalText(sender?.type),
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runUrl: repo && runId ? `${serverUrl}/${repo}/actions/runs/${runId}${runAttempt !== '1' ? `/attempts/${runAttempt}` : ''}` : '',
    runId,
    runAttempt,
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    step: env.GITHUB_ACTION ?? '',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    serverUrl,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '')
  }

  const pr = record(payload.pull_request)
  const issue = record(payload.issue)
  const comment = record(payload.comment)
  const review = record(payload.review)
  const discussion = record(payload.discussion)
  if (pr !== undefined) trigger.pullRequest = pullRequestFrom(pr)
  if (discussion !== undefined) {
    trigger.discussion = {
      number: Number(discussion.number),
      title: text(discussion.title),
      url: text(discussion.html_url),
      body: text(discussion.body),
      author: login(discussion.user)
    }
  }
  if (issue !== undefined) {
    const thread = { number: Number(issue.number), title: text(issue.title), url: text(issue.html_url), body: text(issue.body), author: login(issue.user) }
    // A comment on a pull request arrives as an issue comment whose issue has a pull_request link;
    // that payload has no head or base, so those stay unknown.
    if (record(issue.pull_request) !== undefined) trigger.pullRequest ??= { ...thread, isFork: false, state: optionalText(issue.state) }
    else trigger.issue = thread
  }
  const commentKind = COMMENT_KINDS[trigger.event]
  if (comment !== undefined && commentKind !== undefined) {
    trigger.comment = {
      id: Number(comment.id),
      kind: commentKind,
      body: text(comment.body),
      author: login(comment.user),
      url: text(comment.html_url),
      fromAction: text(comment.body).trimStart().startsWith(ACTION_COMMENT_MARKER)
    }
  } else if (review !== undefined && trigger.event === 'pull_request_review') {
    trigger.comment = { id: Number(review.id), kind: 'review', body: text(review.body), author: login(review.user), url: text(review.html_url) }
  }
  const run = record(payload.workflow_run)
  if (run !== undefined && trigger.event === 'workflow_run') trigger.workflowRun = workflowRunFrom(run, trigger.repoId)
  if (trigger.pullRequest !== undefined && trigger.action === 'synchronize') {
    const after = commitSha(payload.after) ?? commitSha(trigger.pullRequest.headSha)
    if (after !== undefined) trigger.newCommits = { before: commitSha(payload.before), after }
  }
  const changes = record(payload.changes)
  if (trigger.action === 'edited' && changes !== undefined) {
    trigger.edit = { previousBody: optionalText(record(changes.body)?.from), previousTitle: optionalText(record(changes.title)?.from) }
  }
  return trigger
}

/**
 * The trigger as the people who read it on GitHub see it: HTML comments, which GitHub shows to nobody,
 * are removed from the bodies users wrote that prompts quote (issues, discussions, comments), so a
 * hidden line cannot reach a prompt unseen by the maintainer who let it run. The markdown parser is
 * loaded only when such a body has an HTML comment.
 */
export async function visibleTrigger(trigger: Trigger): Promise<Trigger> {
  const visible = { ...trigger }
  if (trigger.issue !== undefined) visible.issue = { ...trigger.issue, body: await withoutHtmlComments(trigger.issue.body) }
  if (trigger.discussion !== undefined) visible.discussion = { ...trigger.discussion, body: await withoutHtmlComments(trigger.discussion.body) }
  if (trigger.comment !== undefined) visible.comment = { ...trigger.comment, body: await withoutHtmlComments(trigger.comment.body) }
  return visible
}

/** The pull request or issue the run can comment on, if any. */
export function threadOf(trigger: Trigger): { number: number; url: string; kind: 'pull request' | 'issue' } | undefined {
  if (trigger.pullRequest !== undefined) return { number: trigger.pullRequest.number, url: trigger.pullRequest.url, kind: 'pull request' }
  if (trigger.issue !== undefined) return { number: trigger.issue.number, url: trigger.issue.url, kind: 'issue' }
  // A failed workflow run is about this repository's pull request it names (the first), when it names one.
  const pr = trigger.event === 'workflow_run' ? trigger.workflowRun?.pullRequests[0] : undefined
  if (pr !== undefined && trigger.repo !== '') return { number: pr, url: `${trigger.serverUrl}/${trigger.repo}/pull/${pr}`, kind: 'pull request' }
  return undefined
}
