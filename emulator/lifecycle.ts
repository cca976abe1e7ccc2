/**
 * Scripted session lifecycles. A scenario is the list of states a session walks through; the server moves a
 * session one state further on every GET of that session (never on a clock), so a test can predict exactly what
 * its N-th poll sees. A session stays at its last state for ever.
 *
 * Status values and suspension reasons are those of the v3 spec (devin-api.md §1.2); `unknown-status` deliberately
 * uses values the spec does not list, because clients must tolerate them.
 */

export interface PullRequest {
  pr_url: string
  pr_state: string | null
}

/** One step of a scripted lifecycle. Fields left out keep their previous value. */
export interface LifecycleState {
  status: string
  status_detail: string | null
  pull_requests?: PullRequest[]
  structured_output?: Record<string, unknown> | null
  acus_consumed?: number
  /** A message Devin posts when the session enters this state (read back through the messages endpoint). */
  message?: string
}

export interface Scenario {
  name: string
  description: string
  states: readonly LifecycleState[]
  /**
   * What the session does after a user message (on a live session): Devin takes the message up and works on it.
   * Replaces the rest of the script, so a session waiting for the user can be continued to a new end state.
   */
  afterMessage: readonly LifecycleState[]
}

/** A create request whose tags hold `emulator-scenario:<name>` gets that scenario instead of the default. */
export const SCENARIO_TAG_PREFIX = 'emulator-scenario:'

/** Every `status_detail` the v3 spec gives for `status: suspended` (devin-api.md §1.2, §1.3), `error` excluded. */
export const SUSPENSION_REASONS = [
  'inactivity',
  'user_request',
  'usage_limit_exceeded',
  'out_of_credits',
  'out_of_quota',
  'no_quota_allocation',
  'payment_declined',
  'org_usage_limit_exceeded',
  'user_usage_limit_exceeded',
  'total_session_limit_exceeded'
] as const

/** The repository of the emulated PR when the session was given none (`repos`): obviously emulated, so nobody mistakes it for a real one. */
export const EMULATED_REPO = 'emulator-org/emulator-repo'
/** The PR an emulated session opens; in the session's first repository when the create body has `repos` (see store.ts). */
export const EMULATED_PR_URL = `https://github.com/${EMULATED_REPO}/pull/1`

export const EMULATED_STRUCTURED_OUTPUT: Readonly<Record<string, unknown>> = {
  summary: 'Emulated session: fixed the bug and added a regression test.',
  tests_passed: true
}

const NEW: LifecycleState = { status: 'new', status_detail: null }
const WORKING: LifecycleState = { status: 'running', status_detail: 'working', acus_consumed: 0.5 }
const OPEN_PR: PullRequest = { pr_url: EMULATED_PR_URL, pr_state: 'open' }

const FINISHED: LifecycleState = {
  status: 'running',
  status_detail: 'finished',
  pull_requests: [OPEN_PR],
  structured_output: { ...EMULATED_STRUCTURED_OUTPUT },
  acus_consumed: 2.25,
  message: `Done. I opened ${EMULATED_PR_URL} and the tests pass.`
}

/** Default reaction to a user message: work on it, then finish again (keeping PRs and structured output). */
const WORK_THEN_FINISH: readonly LifecycleState[] = [
  { status: 'running', status_detail: 'working' },
  { status: 'running', status_detail: 'finished', message: 'Done with your follow-up.' }
]

function scenario(name: string, description: string, states: readonly LifecycleState[], afterMessage: readonly LifecycleState[] = WORK_THEN_FINISH): Scenario {
  return { name, description, states, afterMessage }
}

function suspended(reason: string): Scenario {
  return scenario(`suspended:${reason}`, `starts working, then is suspended (${reason})`, [
    NEW,
    WORKING,
    { status: 'suspended', status_detail: reason, acus_consumed: 1 }
  ])
}

const ALL: readonly Scenario[] = [
  scenario('finished', 'works, opens a PR, finishes with pull_requests and structured_output', [
    NEW,
    WORKING,
    { status: 'running', status_detail: 'working', pull_requests: [OPEN_PR], acus_consumed: 1.5 },
    FINISHED
  ]),
  scenario('waiting_for_user', 'works, then asks the user a question', [
    NEW,
    WORKING,
    {
      status: 'running',
      status_detail: 'waiting_for_user',
      acus_consumed: 0.75,
      message: 'Which branch should I base the fix on?'
    }
  ]),
  scenario('waiting_for_approval', 'works, then waits for an action approval (safe mode)', [
    NEW,
    WORKING,
    { status: 'running', status_detail: 'waiting_for_approval', acus_consumed: 0.75 }
  ]),
  scenario('error', 'works, then fails (status error)', [
    NEW,
    WORKING,
    { status: 'error', status_detail: null, acus_consumed: 0.8, message: 'I hit an internal error.' }
  ]),
  scenario('suspended-error', 'works, then is suspended because of an error', [
    NEW,
    WORKING,
    { status: 'suspended', status_detail: 'error', acus_consumed: 0.8 }
  ]),
  // The spec lists `error` among the suspension reasons too, so `suspended:error` exists as a synonym.
  suspended('error'),
  ...SUSPENSION_REASONS.map(suspended),
  scenario('exit', 'works, then the session ends (status exit)', [NEW, WORKING, { status: 'exit', status_detail: null, acus_consumed: 1 }]),
  scenario('unknown-status', 'passes through a status and detail the spec does not list, then finishes', [
    NEW,
    WORKING,
    { status: 'hibernating', status_detail: 'defragmenting_vm', acus_consumed: 1 },
    FINISHED
  ]),
  scenario('pull-request-midway', 'opens a PR while working and keeps working', [
    NEW,
    WORKING,
    { status: 'running', status_detail: 'working', pull_requests: [OPEN_PR], acus_consumed: 1.5 },
    { status: 'running', status_detail: 'working', acus_consumed: 2 }
  ]),
  scenario(
    'forever-working',
    'is running/working from the start and never changes, not even after a message',
    [{ status: 'running', status_detail: 'working', acus_consumed: 0.5 }],
    [{ status: 'running', status_detail: 'working' }]
  )
]

/**
 * The end of a scenario at the first GET (`new`, then its last state): end-to-end runs of the bundle that only
 * need the end wait one poll interval (poll-interval is at least 5 s), not one per state.
 */
function atOnce(name: string, description: string, base: string): Scenario {
  const { states, afterMessage } = ALL.find((s) => s.name === base) as Scenario
  return scenario(name, `${description} at the first GET`, [NEW, states.at(-1) as LifecycleState], afterMessage)
}

const AT_ONCE: readonly Scenario[] = [
  atOnce('finished-at-once', 'finished, with a PR and structured_output,', 'finished'),
  atOnce('waiting_for_user-at-once', 'waiting for the user, with a question,', 'waiting_for_user'),
  atOnce('error-at-once', 'failed (status error)', 'error'),
  atOnce('suspended-at-once', 'suspended (out_of_credits)', 'suspended:out_of_credits'),
  atOnce('exit-at-once', 'ended (status exit)', 'exit')
]

const BY_NAME: ReadonlyMap<string, Scenario> = new Map([...ALL, ...AT_ONCE].map((s) => [s.name, s]))

export const DEFAULT_SCENARIO = 'finished'

export function scenarioNames(): string[] {
  return [...BY_NAME.keys()]
}

export function isScenarioName(name: string): boolean {
  return BY_NAME.has(name)
}

/** The scenario of that name; throws with the list of known names otherwise. */
export function getScenario(name: string): Scenario {
  const found = BY_NAME.get(name)
  if (!found) throw new UnknownScenarioError(name)
  return found
}

export class UnknownScenarioError extends Error {
  constructor(name: string) {
    super(`Unknown emulator scenario '${name}'. Known scenarios: ${scenarioNames().join(', ')}`)
    this.name = 'UnknownScenarioError'
  }
}

/**
 * The scenario for a new session: a `emulator-scenario:<name>` tag wins over the emulator's default, so one
 * emulator can serve several scenarios side by side. An unknown name throws: a typo must not silently fall back.
 */
export function chooseScenario(defaultName: string, tags: readonly string[] | null | undefined): Scenario {
  const tagged = (tags ?? []).find((t) => t.startsWith(SCENARIO_TAG_PREFIX))
  return getScenario(tagged === undefined ? defaultName : tagged.slice(SCENARIO_TAG_PREFIX.length))
}
