import * as z from 'zod/mini'
import {
  DEFAULT_API_URL,
  Input,
  type InputName,
  MAX_POLL_INTERVAL_MS,
  MAX_TAGS,
  MAX_WAIT_TIMEOUT_MS,
  MIN_POLL_INTERVAL_MS,
  MIN_CI_LOG_BYTES,
  MAX_CI_LOG_BYTES,
  MIN_SECRET_LENGTH,
  MIN_WAIT_TIMEOUT_MS
} from './constants.js'
import { REQUEST_FIELDS, type RequestField } from '../devin/fields.js'
import {
  ADVANCED_MODES,
  type ApiVersion,
  DEVIN_MODES,
  type OptionalRequestField,
  type SessionRequest,
  type SessionSecret,
  normalizeSessionId
} from '../devin/session.js'
import { loadStructuredOutputSchema } from './structured-schema.js'
import { TEMPLATE_VARIABLES, unknownVariables } from '../ask/template.js'
import { formatDuration } from './duration.js'
import { isMaskable } from '../report/redact.js'
import { type ReadWorkspaceFile, isInsideWorkspace } from './workspace-file.js'

/**
 * The most tags the action adds to a session it creates: `idem:`, `github:`, `gh-repo:`, `gh-thread:`, `gh-user:`,
 * `gh-sha:` and `gh-ci:`. The user's tags must leave room for them, so the action's are never the ones dropped.
 */
export const MAX_ACTION_TAGS = 7

export const WAIT_MODES = ['none', 'stopped', 'pull-request', 'structured-output'] as const
export type WaitMode = (typeof WAIT_MODES)[number]
export const FAIL_ON_OUTCOMES = ['blocked', 'error', 'suspended', 'exited', 'timeout'] as const
export type FailOnOutcome = (typeof FAIL_ON_OUTCOMES)[number]
/** action.yml's default for `fail-on`. */
export const DEFAULT_FAIL_ON: readonly FailOnOutcome[] = ['error', 'suspended', 'timeout']
export const ON_TIMEOUT = ['fail', 'leave', 'terminate'] as const
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export const FOLLOW_UP = ['message', 'new'] as const
export const ON_NEW_COMMITS = ['message', 'restart', 'new'] as const

/** Inputs that only a session can take: set together with devin-review, they are an input error that lists them. */
const SESSION_ONLY_INPUTS: readonly InputName[] = [
  Input.Prompt,
  Input.PromptFile,
  Input.Title,
  Input.Tags,
  Input.Repos,
  Input.PlaybookId,
  Input.ChildPlaybookId,
  Input.KnowledgeIds,
  Input.SecretIds,
  Input.SessionSecrets,
  Input.SessionLinks,
  Input.AttachmentUrls,
  Input.MaxAcuLimit,
  Input.StructuredOutputSchema,
  Input.StructuredOutputRequired,
  Input.DevinMode,
  Input.Platform,
  Input.Resumable,
  Input.BypassApproval,
  Input.CreateAsUserId,
  Input.AdvancedMode,
  Input.SnapshotId,
  Input.Unlisted,
  Input.IdempotencyKey,
  Input.Message,
  Input.SessionId,
  Input.BudgetPerPr,
  Input.BudgetPerDay,
  Input.BudgetPerUser,
  Input.MaxLiveSessions,
  Input.AllowedUsers
]

/** Events on which a run may message the thread's live session instead of opening one (follow-up, on-new-commits). */
const THREAD_MESSAGE_EVENTS: ReadonlySet<string> = new Set([
  'issue_comment',
  'pull_request_review_comment',
  'pull_request_review',
  'pull_request',
  'pull_request_target'
])

/** `end-on-close` as main.ts needs it to pick the job, before the other inputs are read: an invalid value reads as false, and the open job's checks then report it. */
export function endOnCloseWanted(getInput: GetInput): boolean {
  const parsed = requiredBoolean(true).safeParse(getInput(Input.EndOnClose))
  return parsed.success && parsed.data
}

/** `reconcile` as main.ts needs it to pick the job, before the other inputs are read: an invalid value reads as false, and the open job's checks then report it. */
export function reconcileWanted(getInput: GetInput): boolean {
  const parsed = requiredBoolean(false).safeParse(getInput(Input.Reconcile))
  return parsed.success && parsed.data
}

/** `devin-review` as main.ts needs it to pick the job, before the other inputs are read: an invalid value reads as false, and the open job's checks then report it. */
export function devinReviewWanted(getInput: GetInput): boolean {
  const parsed = requiredBoolean(false).safeParse(getInput(Input.DevinReview))
  return parsed.success && parsed.data
}

/** The create-session fields as the user set them; the prompt is resolved later, from the trigger too. */
export type RequestFields = Omit<SessionRequest, 'prompt'>

/** Every input of the action, validated and typed. */
export interface Settings {
  apiKey: string
  orgId?: string
  apiVersion: ApiVersion
  apiUrl: string
  /** The prompt as written (a template), from `prompt` or the text of `prompt-file`; undefined when neither is set. */
  prompt?: string
  /** Which input the prompt came from, for messages. */
  promptInput: 'prompt' | 'prompt-file'
  request: RequestFields
  idempotencyKey?: string
  message?: string
  sessionId?: string
  wait: {
    mode: WaitMode
    timeoutMs: number
    pollIntervalMs: number
    onTimeout: (typeof ON_TIMEOUT)[number]
    failOn: FailOnOutcome[]
    terminateOnCancel: boolean
  }
  github: {
    token?: string
    comment: 'auto' | 'true' | 'false'
    triggerPhrase: string
    requiredPermission: (typeof PERMISSIONS)[number]
    allowedBots: string[]
    allowForks: boolean
    /** Logins that may trigger runs without `required-permission`; their sessions are restricted. */
    allowedUsers: string[]
  }
  dryRun: boolean
  /** Spending control (budgets and the live-session cap are undefined when not set). */
  spending: {
    budgetPerPr?: number
    budgetPerDay?: number
    budgetPerUser?: number
    maxLiveSessions?: number
    /** `max_acu_limit` of a restricted session (a run allowed only by `allowed-users`). */
    restrictedAcuLimit: number
  }
  /** Whether sessions carry the action's own tags (`idem:`, `github:`, `gh-*`). */
  trackingTags: boolean
  /** One conversation per thread: what a comment, new commits and a close do to the thread's live sessions. */
  thread: {
    followUp: (typeof FOLLOW_UP)[number]
    onNewCommits: (typeof ON_NEW_COMMITS)[number]
    endOnClose: boolean
    notifyOnBlocked: boolean
  }
  /** Fixing failed CI (`workflow_run`): attach the failed jobs' logs, how much of each, and how many sessions per pull request or branch. */
  ci: { logs: boolean; logBytes: number; maxFixAttempts: number }
  /** The check run that stands for the session on the pull request's head (`check-run`, `check-run-name`). */
  checks: { enabled: boolean; name: string }
  /** `devin-review: true`: ask Devin Review (not a session) to review the pull request's head commit (v3 only). */
  devinReview: boolean
  /** `reconcile: true`: open nothing, bring this repository's comments and check runs up to date from Devin. */
  reconcile: boolean
  /** Things worth telling the user that do not stop the run. */
  warnings: string[]
}

/** Every problem with the inputs, reported together before anything is sent. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `${problems.length} inputs are invalid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

export type GetInput = (name: InputName) => string

/** Inputs whose values are secrets: their values are never quoted in a message. */
const SECRET_INPUTS: ReadonlySet<InputName> = new Set([Input.ApiKey, Input.GithubToken, Input.SessionSecrets])

/**
 * The values to mask before anything is logged: the API key, the GitHub token and each session secret
 * value. Works on the raw strings, so masking happens even when the inputs turn out to be invalid.
 * A value too short to mask safely is left out: masking it would garble every line that holds the
 * same text, and the input checks refuse it before anything is sent, without quoting it.
 */
export function secretValues(getInput: GetInput): string[] {
  const values = [getInput(Input.ApiKey).trim(), getInput(Input.GithubToken).trim()]
  for (const line of getInput(Input.SessionSecrets).split(/\r?\n/)) {
    const at = line.indexOf('=')
    // Trimmed, so the runner also masks the value where it is shown without its surrounding spaces.
    if (at > 0) values.push(line.slice(at + 1).trim())
  }
  return values.filter(isMaskable)
}

/**
 * Parses and checks every input, then either returns the settings or throws one InputError listing
 * each problem: the input, what is wrong with its value, and what is accepted.
 */
/** What the inputs are checked against besides themselves. */
export interface InputContext {
  /** The event that started the run, e.g. "workflow_dispatch". */
  event: string
  /** Whether the event has a default prompt, so `prompt` may be empty. */
  hasDefaultPrompt: boolean
  /**
   * The problems of a template on this event (unknown names, names empty for it), reported with the
   * other inputs' problems. Without it only names that no event has are reported.
   */
  templateProblems?: (template: string) => string[]
}

export async function parseInputs(getInput: GetInput, readFile: ReadWorkspaceFile, context: InputContext): Promise<Settings> {
  const problems: string[] = []
  const warnings: string[] = []

  const field = fieldReader(getInput, problems)

  const apiKey = field(Input.ApiKey, apiKeyParser) ?? ''
  const apiVersionInput = field(Input.ApiVersion, oneOf(['auto', 'v3', 'v3beta1', 'v1'] as const, 'auto'))
  const orgId = field(
    Input.OrgId,
    optional(
      pattern(
        /^org-[A-Za-z0-9_-]+$/,
        'is not an organization id. Accepted: an id that starts with "org-", e.g. "org-abc123", or empty to discover it from the key.'
      )
    )
  )
  const apiUrl = field(Input.ApiUrl, apiUrlParser, noQuote)

  const prompt = field(Input.Prompt, optionalRaw)
  const promptFile = field(Input.PromptFile, optional(z.string()))
  const tags = field(Input.Tags, tagList, noQuote) ?? []
  const request: RequestFields = {
    tags,
    title: field(Input.Title, optional(z.string())),
    repos: field(
      Input.Repos,
      optionalList(pattern(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'is not a repository. Accepted: "owner/repo" names, separated by newlines or commas.')),
      noQuote
    ),
    playbookId: field(Input.PlaybookId, optional(z.string())),
    childPlaybookId: field(Input.ChildPlaybookId, optional(z.string())),
    knowledgeIds: field(Input.KnowledgeIds, optionalList(z.string()), noQuote),
    secretIds: field(Input.SecretIds, optionalList(z.string()), noQuote),
    sessionSecrets: field(Input.SessionSecrets, sessionSecretsParser),
    sessionLinks: field(Input.SessionLinks, optionalList(httpUrl), noQuote),
    attachmentUrls: field(Input.AttachmentUrls, optionalList(httpUrl), noQuote),
    maxAcuLimit: field(Input.MaxAcuLimit, optional(positiveInteger)),
    structuredOutputRequired: field(Input.StructuredOutputRequired, optionalBoolean),
    devinMode: field(Input.DevinMode, optional(oneOf(DEVIN_MODES))),
    platform: field(Input.Platform, optional(z.string())),
    resumable: field(Input.Resumable, optionalBoolean),
    bypassApproval: field(Input.BypassApproval, optionalBoolean),
    createAsUserId: field(Input.CreateAsUserId, optional(z.string())),
    advancedMode: field(Input.AdvancedMode, optional(oneOf(ADVANCED_MODES))),
    snapshotId: field(Input.SnapshotId, optional(z.string())),
    unlisted: field(Input.Unlisted, optionalBoolean)
  }

  const rawSchema = getInput(Input.StructuredOutputSchema)
  if (rawSchema.trim() !== '') {
    const loaded = await loadStructuredOutputSchema(rawSchema, readFile)
    if (loaded.ok) request.structuredOutputSchema = loaded.schema
    else problems.push(`${Input.StructuredOutputSchema}: ${loaded.problem}`)
  }

  const idempotencyKey = field(Input.IdempotencyKey, optional(z.string()))
  const message = field(Input.Message, optionalRaw)
  const sessionId = field(
    Input.SessionId,
    optional(then(pattern(/^[A-Za-z0-9_-]+$/, 'is not a session id. Accepted: an id such as "devin-abc123" or "abc123".'), normalizeSessionId))
  )

  const wait: Settings['wait'] = {
    mode: field(Input.Wait, oneOf(WAIT_MODES, 'none', { true: 'stopped' })) ?? 'none',
    timeoutMs:
      field(Input.WaitTimeout, duration(MIN_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS, 60 * 60_000, 'a job on a GitHub-hosted runner stops after 6 hours')) ?? 0,
    pollIntervalMs:
      field(Input.PollInterval, duration(MIN_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, 15_000, 'the interval grows up to 4×, to at most 2 minutes')) ?? 0,
    onTimeout: field(Input.OnTimeout, oneOf(ON_TIMEOUT, 'fail')) ?? 'fail',
    failOn: field(Input.FailOn, failOnParser, noQuote) ?? [],
    terminateOnCancel: field(Input.TerminateOnCancel, requiredBoolean(true)) ?? true
  }
  const { github, problems: githubProblems } = parseGitHubInputs(getInput)
  problems.push(...githubProblems)
  const dryRun = field(Input.DryRun, requiredBoolean(false)) ?? false
  const spending: Settings['spending'] = {
    budgetPerPr: field(Input.BudgetPerPr, optional(acus)),
    budgetPerDay: field(Input.BudgetPerDay, optional(acus)),
    budgetPerUser: field(Input.BudgetPerUser, optional(acus)),
    maxLiveSessions: field(Input.MaxLiveSessions, optional(positiveInteger)),
    restrictedAcuLimit: field(Input.RestrictedAcuLimit, defaulted(positiveInteger, 5)) ?? 5
  }
  const trackingTags = field(Input.TrackingTags, requiredBoolean(true)) ?? true
  const thread: Settings['thread'] = {
    followUp: field(Input.FollowUp, oneOf(FOLLOW_UP, 'message')) ?? 'message',
    onNewCommits: field(Input.OnNewCommits, oneOf(ON_NEW_COMMITS, 'message')) ?? 'message',
    endOnClose: field(Input.EndOnClose, requiredBoolean(true)) ?? true,
    notifyOnBlocked: field(Input.NotifyOnBlocked, requiredBoolean(true)) ?? true
  }
  const checks: Settings['checks'] = {
    enabled: field(Input.CheckRun, requiredBoolean(false)) ?? false,
    name: field(Input.CheckRunName, checkRunName) ?? 'Devin'
  }
  const reconcile = field(Input.Reconcile, requiredBoolean(false)) ?? false
  const ci: Settings['ci'] = {
    logs: field(Input.CiLogs, requiredBoolean(true)) ?? true,
    logBytes: field(Input.CiLogSize, byteSize(MIN_CI_LOG_BYTES, MAX_CI_LOG_BYTES, 64 * 1024)) ?? 64 * 1024,
    maxFixAttempts: field(Input.MaxFixAttempts, defaulted(positiveInteger, 3)) ?? 3
  }
  const devinReview = field(Input.DevinReview, requiredBoolean(false)) ?? false

  // Checks across inputs, run on whatever parsed, so one run reports everything at once.
  let promptText = prompt
  if (promptFile !== undefined && !isInsideWorkspace(promptFile)) {
    problems.push(`${Input.PromptFile}: "${promptFile}" is outside the workspace. Accepted: a path relative to the workspace, without "..".`)
  } else if (prompt !== undefined && promptFile !== undefined) {
    problems.push(`${Input.Prompt} and ${Input.PromptFile}: both are set. Accepted: one of them.`)
  } else if (promptFile !== undefined) {
    const read = readFile(promptFile)
    if (!read.ok && read.missing)
      problems.push(
        `${Input.PromptFile}: "${promptFile}" does not exist in the workspace. Accepted: the path of a text file relative to the workspace (check out the repository first).`
      )
    else if (!read.ok) problems.push(`${Input.PromptFile}: ${read.problem}`)
    else if (read.text.trim() === '') problems.push(`${Input.PromptFile}: "${promptFile}" is empty. Accepted: a file with the prompt's text.`)
    else promptText = read.text
  }
  const actionTags = trackingTags ? MAX_ACTION_TAGS : 0
  if (tags.length > MAX_TAGS - actionTags) {
    problems.push(
      `${Input.Tags}: ${tags.length} tags given. Accepted: at most ${MAX_TAGS - actionTags}, because Devin allows ${MAX_TAGS} per session and the action adds up to ${actionTags} of its own.`
    )
  }
  if (!trackingTags) {
    // Each of these finds sessions by the action's tags: without them it cannot work, so it is refused, not ignored.
    const needTags = [
      [Input.IdempotencyKey, idempotencyKey],
      [Input.BudgetPerPr, spending.budgetPerPr],
      [Input.BudgetPerDay, spending.budgetPerDay],
      [Input.BudgetPerUser, spending.budgetPerUser],
      [Input.MaxLiveSessions, spending.maxLiveSessions]
    ].flatMap(([name, value]) => (value === undefined ? [] : [name as string]))
    // restart ends the sessions it finds by the thread's tag; the defaults (message, end-on-close) simply
    // find nothing without tags and say so, since a default cannot be told from a value the user chose.
    if (thread.onNewCommits === 'restart') needTags.push(Input.OnNewCommits)
    // Reconcile finds every session by the repository's tag and its comment and check run by the thread and head tags.
    if (reconcile) needTags.push(Input.Reconcile)
    for (const name of needTags) {
      problems.push(
        `${name}: needs the action's tags to find this repository's sessions, and ${Input.TrackingTags} is false. Accepted: ${name} empty, or ${Input.TrackingTags}: true (ask the enterprise admin to allow the gh-* tags).`
      )
    }
    if (needTags.length === 0)
      warnings.push(
        `${Input.TrackingTags} is false: sessions carry none of the action's tags, so a retry after a create that may have reached Devin can no longer rule out a duplicate session.`
      )
  }
  if (sessionId !== undefined && idempotencyKey !== undefined) {
    problems.push(
      `${Input.SessionId} and ${Input.IdempotencyKey}: both are set. Accepted: one of them (session-id continues a known session; idempotency-key finds or creates one).`
    )
  }
  if (devinReview) {
    // A review is asked for with the pull request's URL alone: what only a session can take is refused, not ignored.
    const sessionOnly = SESSION_ONLY_INPUTS.filter((name) => getInput(name).trim() !== '')
    if (sessionOnly.length > 0) {
      problems.push(
        `${Input.DevinReview}: a Devin Review takes only the pull request, so ${sessionOnly.join(', ')} ${sessionOnly.length === 1 ? 'has' : 'have'} no effect on it. Accepted: ${sessionOnly.length === 1 ? 'that input' : 'those inputs'} empty with devin-review: true, or devin-review: false for a session.`
      )
    }
    if (apiVersionInput !== undefined && apiVersionInput !== 'auto' && apiVersionInput !== 'v3') {
      problems.push(
        `${Input.DevinReview}: Devin Review is in the v3 API only, and api-version is ${apiVersionInput}. Accepted: a cog_ key with api-version auto or v3.`
      )
    } else if (apiVersionInput === 'auto' && apiKey.startsWith('apk_')) {
      problems.push(`${Input.DevinReview}: Devin Review is in the v3 API only, and an apk_ key selects v1. Accepted: a cog_ key (v3).`)
    }
    if (reconcile) problems.push(`${Input.DevinReview} and ${Input.Reconcile}: both are set. Accepted: one of them.`)
    // A review has no pull request or structured output of its own to wait for: only its status.
    if (wait.mode === 'pull-request' || wait.mode === 'structured-output') {
      problems.push(
        `${Input.Wait}: ${wait.mode} waits for what only a session makes, and devin-review is true. Accepted: none, or stopped (alias true) to wait until the review's status is final.`
      )
    }
  }
  if (prompt === undefined && promptFile === undefined && sessionId === undefined && !reconcile && !devinReview && !context.hasDefaultPrompt) {
    const event = context.event === '' ? 'this' : `the "${context.event}"`
    problems.push(
      `${Input.Prompt}: is empty, and ${event} event has no default prompt. Accepted: the task for Devin in ${Input.Prompt}, or a file with it in ${Input.PromptFile}.`
    )
  }
  // Template names are checked with everything else, so one run reports every bad input at once.
  const templateProblems =
    context.templateProblems ??
    ((template: string) =>
      unknownVariables(template).map(
        (unknown) => `{{ ${unknown} }} is not a template variable. Accepted: ${TEMPLATE_VARIABLES.map((v) => `{{ ${v} }}`).join(', ')}.`
      ))
  for (const [name, template] of [
    // With session-id the prompt is not used (a warning says so), so its names are not checked either.
    [promptFile !== undefined ? Input.PromptFile : Input.Prompt, sessionId === undefined ? promptText : undefined],
    [Input.Title, request.title],
    [Input.Message, message]
  ] as const) {
    for (const problem of templateProblems(template ?? '')) problems.push(`${name}: ${problem}`)
  }
  // On comments and pull request events the message may also go to the thread's live session (follow-up, on-new-commits).
  const threadMessages = THREAD_MESSAGE_EVENTS.has(context.event) && (thread.followUp === 'message' || thread.onNewCommits === 'message')
  if (message !== undefined && sessionId === undefined && idempotencyKey === undefined && !threadMessages) {
    warnings.push(
      `${Input.Message} is sent only to a session that is reused (idempotency-key), continued (session-id), or followed up by a comment or new commits on its thread (follow-up, on-new-commits); on this event with neither key nor session-id set, every run opens a new session and the message is never sent.`
    )
  }
  if (sessionId !== undefined) {
    const ignored = [Input.Prompt, Input.PromptFile, Input.Title, Input.Tags].filter((name) => getInput(name).trim() !== '')
    if (ignored.length > 0)
      warnings.push(
        `${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} ignored with session-id: the session already exists; use message to tell it something.`
      )
  }

  const apiVersion = resolveApiVersion(apiKey, apiVersionInput, request, problems)
  if (apiVersion !== undefined) checkFieldsForVersion(request, apiVersion, problems)
  checkAdvancedModeNeeds(request, problems)
  if (apiVersion === 'v1') {
    // v1's session list documents no ACU figure (and no created_after): a budget could never be summed, and
    // failing closed would fail every run once a session exists. The live-session cap needs only statuses.
    for (const [name, value] of [
      [Input.BudgetPerPr, spending.budgetPerPr],
      [Input.BudgetPerDay, spending.budgetPerDay],
      [Input.BudgetPerUser, spending.budgetPerUser]
    ] as const) {
      if (value !== undefined)
        problems.push(
          `${name}: needs the v3 or v3beta1 API, whose session list gives each session's ACUs; v1's does not. Accepted: a cog_ key (v3), or ${name} empty on v1 (max-live-sessions works on v1).`
        )
    }
  }

  if (problems.length > 0) throw new InputError(problems)
  return {
    apiKey,
    orgId,
    apiVersion: apiVersion as ApiVersion,
    apiUrl: apiUrl as string,
    prompt: promptText,
    promptInput: promptFile !== undefined ? Input.PromptFile : Input.Prompt,
    request,
    idempotencyKey,
    message,
    sessionId,
    wait,
    github,
    dryRun,
    spending,
    trackingTags,
    thread,
    ci,
    checks,
    reconcile,
    devinReview,
    warnings
  }
}

const noQuote = { quoteValue: false }

/** A check run's name: what GitHub shows in the checks list; empty means the default. */
const checkRunName = fromText((raw, ctx) => {
  const name = raw.trim()
  if (name.length > 100) return fail(ctx, 'is longer than 100 characters. Accepted: a short name for the checks list, e.g. "Devin".')
  return name === '' ? 'Devin' : name
})

/** A parser runner for one set of inputs: each problem is recorded under the input's name, with its value unless secret. */
function fieldReader(getInput: GetInput, problems: string[]) {
  return function field<T>(name: InputName, parser: Parser<T>, options: { quoteValue?: boolean } = {}): T | undefined {
    const raw = getInput(name)
    const result = parser.safeParse(raw)
    if (result.success) return result.data
    // List parsers name the failing item themselves; secret values are never quoted.
    const quoteValue = options.quoteValue !== false && !SECRET_INPUTS.has(name) && raw.trim() !== ''
    const shown = quoteValue ? `${quote(raw)} ` : ''
    for (const issue of result.error.issues) problems.push(`${name}: ${shown}${issue.message}`)
    return undefined
  }
}

/**
 * The GitHub inputs alone. The gate runs on them before the other inputs are checked: GitHub gives
 * no secrets to runs from forks or Dependabot, and such a run must be skipped, not failed for an
 * empty api-key.
 */
export function parseGitHubInputs(getInput: GetInput): { github: Settings['github']; problems: string[] } {
  const problems: string[] = []
  const field = fieldReader(getInput, problems)
  const github: Settings['github'] = {
    token: field(Input.GithubToken, githubTokenParser),
    comment: field(Input.Comment, oneOf(['auto', 'true', 'false'] as const, 'auto')) ?? 'auto',
    triggerPhrase: getInput(Input.TriggerPhrase).trim(),
    requiredPermission: field(Input.RequiredPermission, oneOf(PERMISSIONS, 'write')) ?? 'write',
    allowedBots: field(Input.AllowedBots, list(z.string()), noQuote) ?? [],
    allowForks: field(Input.AllowForks, requiredBoolean(false)) ?? false,
    allowedUsers: field(Input.AllowedUsers, list(githubLogin), noQuote) ?? []
  }
  return { github, problems }
}

/** The key's own family: `cog_` keys speak v3/v3beta1, `apk_` keys v1. */
function keyFamily(apiKey: string): 'v3' | 'v1' | undefined {
  if (apiKey.startsWith('cog_')) return 'v3'
  if (apiKey.startsWith('apk_')) return 'v1'
  return undefined
}

function resolveApiVersion(apiKey: string, requested: 'auto' | ApiVersion | undefined, request: RequestFields, problems: string[]): ApiVersion | undefined {
  if (apiKey === '' || requested === undefined) return undefined
  const family = keyFamily(apiKey)
  if (requested === 'auto') {
    if (family === undefined) {
      problems.push(
        `${Input.ApiKey}: does not look like a Devin key. Accepted: a "cog_…" key (v3) or an "apk_…"/"apk_user_…" key (v1); or set api-version when a proxy uses other keys.`
      )
      return undefined
    }
    if (family === 'v1') return 'v1'
    // advanced_mode exists only in v3beta1, so asking for it picks that version.
    return request.advancedMode !== undefined ? 'v3beta1' : 'v3'
  }
  const wanted = requested === 'v1' ? 'v1' : 'v3'
  if (family !== undefined && family !== wanted) {
    const keyKind = family === 'v3' ? 'a "cog_…" key (v3/v3beta1)' : 'an "apk_…" key (v1)'
    const needs = wanted === 'v3' ? 'a "cog_…" key' : 'an "apk_…" or "apk_user_…" key'
    problems.push(
      `${Input.ApiVersion}: "${requested}" needs ${needs}, but api-key is ${keyKind}. Accepted: api-version "auto", or a key of the version you chose.`
    )
    return undefined
  }
  return requested
}

function checkFieldsForVersion(request: RequestFields, version: ApiVersion, problems: string[]): void {
  for (const [fieldName, { input, versions }] of Object.entries(REQUEST_FIELDS) as [OptionalRequestField, RequestField][]) {
    if (request[fieldName] === undefined || versions.includes(version)) continue
    problems.push(
      `${input}: the ${version} API has no such field; it exists in ${versions.join(' and ')}. Remove the input or use api-version: ${versions[0]} (with a key of that version).`
    )
  }
}

function checkAdvancedModeNeeds(request: RequestFields, problems: string[]): void {
  const mode = request.advancedMode
  if (mode === 'analyze' && request.sessionLinks === undefined) {
    problems.push(`${Input.AdvancedMode}: "analyze" needs ${Input.SessionLinks}, the sessions to analyze.`)
  }
  if ((mode === 'improve' || mode === 'batch') && request.childPlaybookId === undefined) {
    problems.push(`${Input.AdvancedMode}: "${mode}" needs ${Input.ChildPlaybookId}.`)
  }
}

// ---- Field parsers: each takes the raw input string and gives a typed value or a message. ----

function quote(raw: string): string {
  const text = raw.trim()
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)
}

/** Splits a list input on newlines and commas, trimming items and dropping empty ones. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

/** A parser of the raw input string. zod's mini build keeps the bundle, and so start-up, small. */
type Parser<T> = z.ZodMiniType<T>
type Ctx = z.core.ParsePayload

/** A parser from the raw string. */
function fromText<T>(parse: (raw: string, ctx: Ctx) => T): Parser<T> {
  return z.pipe(z.string(), z.transform(parse)) as unknown as Parser<T>
}

/** A parser that takes another's result further. */
function then<A, B>(first: Parser<A>, next: (value: A, ctx: Ctx) => B): Parser<B> {
  return z.pipe(first, z.transform(next)) as unknown as Parser<B>
}

function addProblem(ctx: Ctx, message: string): void {
  ctx.issues.push({ code: 'custom', message, input: ctx.value })
}

function fail(ctx: Ctx, message: string): typeof z.NEVER {
  addProblem(ctx, message)
  return z.NEVER
}

/** Empty (after trimming) means "not set". */
function optional<T>(inner: Parser<T>): Parser<T | undefined> {
  return fromText((raw, ctx) => {
    if (raw.trim() === '') return undefined
    const result = inner.safeParse(raw.trim())
    if (result.success) return result.data
    for (const issue of result.error.issues) addProblem(ctx, issue.message)
    return z.NEVER
  })
}

/** Text kept exactly as written (a prompt or message template), or undefined when blank. */
const optionalRaw = fromText((raw) => (raw.trim() === '' ? undefined : raw))

function pattern(regex: RegExp, message: string): Parser<string> {
  return z.string().check(z.refine((value) => regex.test(value), { message }))
}

function oneOf<const T extends readonly string[]>(values: T, fallback?: T[number], aliases: Record<string, T[number]> = {}): Parser<T[number]> {
  return fromText((raw, ctx) => {
    const value = raw.trim()
    if (value === '' && fallback !== undefined) return fallback
    const known = (values as readonly string[]).includes(value) ? (value as T[number]) : aliases[value]
    if (known !== undefined) return known
    const accepted = [...values, ...Object.keys(aliases)].map((v) => `"${v}"`).join(', ')
    return fail(ctx, `is not one of the accepted values. Accepted: ${accepted}.`)
  })
}

function list<T>(item: Parser<T>): Parser<T[]> {
  return fromText((raw, ctx) => {
    const items = splitList(raw)
    const values: T[] = []
    items.forEach((text, index) => {
      const result = item.safeParse(text)
      if (result.success) values.push(result.data)
      else for (const issue of result.error.issues) addProblem(ctx, `item ${index + 1} ${JSON.stringify(text)} ${issue.message}`)
    })
    return values
  })
}

function optionalList<T>(item: Parser<T>): Parser<T[] | undefined> {
  return then(list(item), (items) => (items.length === 0 ? undefined : items))
}

/** Tags: a list without duplicates. */
const tagList = then(list(z.string()), (tags) => [...new Set(tags)])

const positiveInteger = fromText((raw, ctx) => {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) === 0) {
    return fail(ctx, 'is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".')
  }
  return Number(raw)
})

/** A number of ACUs: greater than 0, fractions allowed (sessions use fractions of an ACU). */
const acus = fromText((raw, ctx) => {
  const value = raw.trim()
  if (!/^\d+(\.\d+)?$/.test(value) || !(Number(value) > 0) || !Number.isFinite(Number(value))) {
    return fail(ctx, 'is not a number of ACUs. Accepted: a number greater than 0, e.g. "40" or "12.5", or empty for no limit.')
  }
  return Number(value)
})

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, kb: 1000, k: 1024, mib: 1024 * 1024, mb: 1000 * 1000, m: 1024 * 1024 }

/** A size in bytes: a bare number of bytes, or with a unit (`64KiB`, `1MiB`, `500KB`), within bounds; empty means the default. */
function byteSize(minimum: number, maximum: number, fallback: number): Parser<number> {
  const accepted = `Accepted: a size such as "64KiB", "1MiB" or a number of bytes, from ${minimum / 1024}KiB to ${maximum / 1024 / 1024}MiB.`
  return fromText((raw, ctx) => {
    const value = raw.trim()
    if (value === '') return fallback
    const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value)
    const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()]
    if (match === null || unit === undefined) return fail(ctx, `is not a size. ${accepted}`)
    const bytes = Math.floor(Number(match[1]) * unit)
    if (bytes < minimum || bytes > maximum)
      return fail(ctx, `is ${bytes < minimum ? 'less' : 'more'} than the ${bytes < minimum ? 'least' : 'most'} a log may keep. ${accepted}`)
    return bytes
  })
}

/** A GitHub login: letters, digits and single hyphens, not at either end, at most 39 characters. */
const githubLogin = pattern(
  /^(?=.{1,39}$)[A-Za-z0-9](?:-?[A-Za-z0-9])*$/,
  'is not a GitHub login. Accepted: logins such as "octocat" (letters, digits and single hyphens, at most 39 characters).'
)

/** The parser's value, or `fallback` when the input is empty (action.yml's default, for a tool that passes ''). */
function defaulted<T>(parser: Parser<T>, fallback: T): Parser<T> {
  return fromText((raw, ctx) => {
    if (raw.trim() === '') return fallback
    const result = parser.safeParse(raw)
    if (result.success) return result.data
    for (const issue of result.error.issues) addProblem(ctx, issue.message)
    return fallback
  })
}

const BOOLEANS: Record<string, boolean> = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false }

const optionalBoolean = fromText((raw, ctx) => {
  const value = raw.trim()
  if (value === '') return undefined
  return BOOLEANS[value] ?? fail(ctx, 'is not a boolean. Accepted: "true" or "false", or empty to leave the field unset.')
})

function requiredBoolean(fallback: boolean): Parser<boolean> {
  return fromText((raw, ctx) => {
    const value = raw.trim()
    if (value === '') return fallback
    return BOOLEANS[value] ?? fail(ctx, 'is not a boolean. Accepted: "true" or "false".')
  })
}

const UNIT_MS: Record<string, number> = { '': 1_000, s: 1_000, m: 60_000, h: 3_600_000 }

/**
 * A duration ("90s", "15m", "2h" or a bare number of seconds) in milliseconds, from `minimumMs` to
 * `maximumMs`; empty means the default. The upper bound keeps every pause far below what a timer can
 * hold (2^31-1 ms, about 24.8 days): a longer one fires at once, and the wait would poll in a tight loop.
 */
function duration(minimumMs: number, maximumMs: number, fallbackMs: number, whyMaximum: string): Parser<number> {
  return fromText((raw, ctx) => {
    if (raw.trim() === '') return fallbackMs
    const match = /^(\d+)\s*(s|m|h)?$/i.exec(raw.trim())
    if (!match) return fail(ctx, 'is not a duration. Accepted: "90s", "15m", "2h" or a bare number of seconds.')
    const ms = Number(match[1]) * (UNIT_MS[(match[2] ?? '').toLowerCase()] ?? 1_000)
    const range = `from ${formatDuration(minimumMs)} to ${formatDuration(maximumMs)}`
    if (ms < minimumMs) return fail(ctx, `is too short. Accepted: ${range}.`)
    if (ms > maximumMs) return fail(ctx, `is too long. Accepted: ${range} (${whyMaximum}).`)
    return ms
  })
}

/** `fail-on`: empty is action.yml's default, not "fail on nothing", so a tool that passes '' for an unset input gets the default. */
const failOnParser = fromText((raw, ctx) => {
  if (raw.trim() === '') return [...DEFAULT_FAIL_ON]
  const result = list(oneOf(FAIL_ON_OUTCOMES)).safeParse(raw)
  if (result.success) return result.data
  for (const issue of result.error.issues) addProblem(ctx, issue.message)
  return z.NEVER
})

/** Hosts that never leave the machine, where plain http (the local emulator) exposes the key to no one. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * `api-url`: the base URL every request (with the key in its Authorization header) goes to. It must
 * be https, except on loopback, so the key never crosses a network in clear text; it may not carry a
 * user name or password (they would be sent, and shown, with every URL), a query or a fragment (paths
 * are appended to it, so they would end up in the wrong place), or a path that is not valid
 * percent-encoding. Messages never quote the value: it may hold a password. Empty means the default.
 */
const apiUrlParser = fromText((raw, ctx) => {
  const value = raw.trim()
  if (value === '') return DEFAULT_API_URL
  const accepted = `Accepted: the https base URL of the Devin API or a proxy, e.g. "${DEFAULT_API_URL}"; plain http only on this machine (http://127.0.0.1, http://localhost, http://[::1]), e.g. for the emulator.`
  let url: URL | undefined
  try {
    url = /[\s\\]/.test(value) ? undefined : new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fail(ctx, `is not an absolute http(s) URL. ${accepted}`)
  if (url.username !== '' || url.password !== '' || /^[^/]*\/\/[^/]*@/.test(value)) {
    return fail(ctx, `contains a user name or password, which would be sent and shown with every request. ${accepted} The key goes in api-key.`)
  }
  if (value.includes('?') || value.includes('#')) return fail(ctx, `has a query or a fragment, which the API paths cannot be appended to. ${accepted}`)
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return fail(ctx, `uses plain http to ${url.host}, which would send the API key in clear text. ${accepted}`)
  }
  try {
    decodeURI(url.pathname)
  } catch {
    return fail(ctx, `has a path that is not valid percent-encoding. ${accepted}`)
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
})

/** Why a secret input's value cannot be masked, or undefined when it can. */
function unmaskable(value: string): string | undefined {
  if (isMaskable(value)) return undefined
  if (value === '') return 'is empty'
  if (value.trim() === '') return 'is only white space'
  const length = value.trim().length
  return `is ${length} character${length === 1 ? '' : 's'} long`
}

const githubTokenParser = fromText((raw, ctx) => {
  const value = raw.trim()
  if (value === '') return undefined
  if (/\s/.test(value)) return fail(ctx, 'contains white space. Accepted: the token alone, e.g. the default ${{ github.token }} or ${{ secrets.MY_TOKEN }}.')
  const problem = unmaskable(value)
  if (problem !== undefined) {
    return fail(
      ctx,
      `${problem}, too short to be a GitHub token or to mask safely. Accepted: a token of at least ${MIN_SECRET_LENGTH} characters, e.g. the default \${{ github.token }}.`
    )
  }
  return value
})

/** An absolute http(s) URL of at most 2083 characters (Devin's limit on attachment URLs). */
const httpUrl = fromText((raw, ctx) => {
  const value = raw.trim()
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return fail(ctx, 'is not an absolute http(s) URL. Accepted: a URL such as "https://example.com/path".')
  }
  if (value.length > 2083) return fail(ctx, `is ${value.length} characters long. Accepted: at most 2083.`)
  return value
})

const apiKeyParser = fromText((raw, ctx) => {
  const value = raw.trim()
  if (value === '') {
    return fail(
      ctx,
      'is empty. Accepted: a Devin key from a secret, e.g. api-key: ${{ secrets.DEVIN_API_KEY }}. (GitHub gives no secrets to runs from forks or Dependabot.)'
    )
  }
  if (/\s/.test(value)) return fail(ctx, 'contains white space. Accepted: the key alone, with nothing around it.')
  // Anything else outside printable ASCII cannot be sent in an HTTP header at all.
  if (!/^[\x21-\x7e]+$/.test(value))
    return fail(ctx, 'contains characters that cannot be sent in an HTTP header. Accepted: the key exactly as Devin shows it (printable ASCII).')
  // Devin's keys are far longer; one this short is a placeholder, and masking it would garble the log.
  if (!isMaskable(value))
    return fail(ctx, `is ${value.length} characters long. Accepted: a Devin key as Devin shows it (at least ${MIN_SECRET_LENGTH} characters).`)
  return value
})

/** `KEY=value` lines. Messages name lines by number and never quote a value. */
const sessionSecretsParser = fromText((raw, ctx) => {
  const secrets: SessionSecret[] = []
  const seen = new Set<string>()
  raw.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return
    const at = line.indexOf('=')
    const key = at < 0 ? '' : line.slice(0, at).trim()
    const value = at < 0 ? '' : line.slice(at + 1)
    const where = `line ${index + 1}`
    if (at < 0) addProblem(ctx, `${where} has no "=". Accepted: one KEY=value per line.`)
    else if (key.length === 0 || key.length > 256) addProblem(ctx, `${where} has a key of ${key.length} characters. Accepted: keys of 1 to 256 characters.`)
    else if (value.length > 65_536) addProblem(ctx, `${where} (${key}) has a value of ${value.length} characters. Accepted: at most 65536.`)
    else if (!isMaskable(value)) addProblem(ctx, unmaskableSecret(where, key, value))
    else if (seen.has(key)) addProblem(ctx, `${where} repeats the key ${key}. Accepted: each key once.`)
    else {
      seen.add(key)
      secrets.push({ key, value })
    }
  })
  return secrets.length === 0 ? undefined : secrets
})

/**
 * Why a session secret's value is refused. Every value is masked in the log and redacted from outputs,
 * the summary and messages; a short or blank one ("1", "a", " ") would hide that text everywhere. An
 * input error rather than an unmasked value: the input is declared secret, so sending it unmasked
 * would break that promise silently. An empty value is usually a secret that is not set.
 */
function unmaskableSecret(where: string, key: string, value: string): string {
  const problem = unmaskable(value) ?? ''
  const hint = value === '' ? ' (is the secret it comes from set for this run?)' : ''
  return (
    `${where} (${key}) has a value that ${problem}${hint}, too short to mask without hiding the same text everywhere in the log and outputs. ` +
    `Accepted: values of at least ${MIN_SECRET_LENGTH} characters besides surrounding white space. A setting that is not secret belongs in the prompt; ` +
    `a short secret can be stored in Devin and passed by id in ${Input.SecretIds}.`
  )
}
