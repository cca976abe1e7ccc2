import { Input } from '../action/constants.js'
import { type Session, isLiveSession } from '../devin/session.js'
import { repoIdTag, threadTag, userTag } from './tags.js'

/**
 * Budgets and the live-session cap, as plain functions of listed sessions: which lists a run needs, and
 * from what they hold, whether the run may go on and with what `max_acu_limit`. No I/O here: the open job
 * lists the sessions and passes them in.
 *
 * ACUs are summed in millionths, so that 0.1 + 0.2 is 0.3 and "rounded down" never loses a whole ACU to
 * floating point. The 24-hour windows end now and start 86,400 seconds earlier; a session created exactly
 * 24 hours ago is still in (Devin's `created_after` is inclusive, and counting it is the cautious side).
 */

/** The inputs that limit spending. */
export type LimitInput = typeof Input.BudgetPerPr | typeof Input.BudgetPerDay | typeof Input.BudgetPerUser | typeof Input.MaxLiveSessions

/** The budgets and the cap as the inputs set them; undefined when not set. */
export interface Limits {
  budgetPerPr?: number
  budgetPerDay?: number
  budgetPerUser?: number
  maxLiveSessions?: number
}

/** Who and what the run is about, as the action's tags name them. */
export interface BudgetScope {
  /** The numeric repository id; '' when unknown. */
  repoId: string
  /** The pull request or issue the run is about, if any. */
  thread?: { number: number; kind: 'pull request' | 'issue' }
  /** The login of the user who caused the run. */
  user?: string
}

/** One tag-filtered list a budget needs. */
export interface ScopeList {
  input: LimitInput
  tag: string
  /** Epoch seconds: only sessions created at or after it count (the 24-hour windows). Undefined: any age. */
  createdAfter?: number
}

export const DAY_SECONDS = 86_400
const MICRO = 1_000_000

/** Whether any budget or the cap is set: only then does the action list sessions at all. */
export function hasLimits(limits: Limits): boolean {
  return limits.budgetPerPr !== undefined || limits.budgetPerDay !== undefined || limits.budgetPerUser !== undefined || limits.maxLiveSessions !== undefined
}

/**
 * The lists the set budgets need, one per scope, and a note for each budget that does not apply to this run
 * (a per-PR budget on a schedule). Throws, naming the input, when a budget applies but its tag cannot be
 * built: a budget that cannot be computed must stop the run, not be ignored.
 */
export function budgetLists(limits: Limits, scope: BudgetScope, nowMs: number): { lists: ScopeList[]; notes: string[] } {
  const set = (
    [
      [Input.BudgetPerPr, limits.budgetPerPr],
      [Input.BudgetPerDay, limits.budgetPerDay],
      [Input.BudgetPerUser, limits.budgetPerUser],
      [Input.MaxLiveSessions, limits.maxLiveSessions]
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([input]) => input)
  if (set.length > 0 && scope.repoId === '') {
    throw new Error(
      `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, but the repository id is unknown (neither the event payload nor GITHUB_REPOSITORY_ID has it), so the sessions the ${set.length === 1 ? 'limit counts' : 'limits count'} cannot be listed; nothing was sent to Devin. Run the action on GitHub Actions, or set GITHUB_REPOSITORY_ID.`
    )
  }
  const windowStart = windowStartOf(nowMs)
  const lists: ScopeList[] = []
  const notes: string[] = []
  if (limits.budgetPerPr !== undefined) {
    if (scope.thread === undefined) notes.push(`${Input.BudgetPerPr} does not apply: this run is about no pull request or issue.`)
    else lists.push({ input: Input.BudgetPerPr, tag: threadTag(scope.repoId, scope.thread.number) })
  }
  if (limits.budgetPerUser !== undefined) {
    if (scope.user === undefined || scope.user === '') notes.push(`${Input.BudgetPerUser} does not apply: no GitHub user caused this run.`)
    else lists.push({ input: Input.BudgetPerUser, tag: userTag(scope.repoId, scope.user), createdAfter: windowStart })
  }
  if (limits.budgetPerDay !== undefined) lists.push({ input: Input.BudgetPerDay, tag: repoIdTag(scope.repoId), createdAfter: windowStart })
  if (limits.maxLiveSessions !== undefined) lists.push({ input: Input.MaxLiveSessions, tag: repoIdTag(scope.repoId) })
  return { lists, notes }
}

/** The first second of the 24-hour window that ends now. */
export function windowStartOf(nowMs: number): number {
  return Math.floor(nowMs / 1_000) - DAY_SECONDS
}

/** What one budget or the cap counted. */
export interface BudgetFigure {
  input: LimitInput
  /** What was counted, e.g. "pull request #12", "this repository's sessions". */
  what: string
  /** ACUs used, or live sessions. */
  used: number
  limit: number
  unit: 'ACUs' | 'live sessions'
  /** How many sessions the figure is made of. */
  sessions: number
  /** ACUs left (budgets only): the limit less what was used, at least 0. */
  left?: number
}

export interface BudgetVerdict {
  /** Whether the run may go on. */
  go: boolean
  /** Why not, starting with `budget:` and giving the figures. */
  reason?: string
  /** The input that would let the run go on if raised. */
  raise?: LimitInput
  figures: BudgetFigure[]
  /** The `max_acu_limit` to send: the request's own, lowered to what each budget has left (rounded down). */
  maxAcuLimit?: number
  /**
   * ACUs left under the tightest budget once this session's limit is reserved (on a skip: what is left now).
   * Undefined when no ACU budget applied.
   */
  remaining?: number
}

/**
 * Judges the listed sessions against the limits. `listed` holds, per list of `budgetLists`, what the API
 * returned; tags and creation times are checked here again (the API's filters are not documented exactly),
 * and a session listed twice (pages that shifted) counts once. `requestLimit` is the `max_acu_limit` the
 * request already has (max-acu-limit, restricted-acu-limit), if any. Throws, naming the input, when a
 * session's ACUs are unknown: a budget that cannot be computed fails closed.
 */
export function judgeBudgets(
  limits: Limits,
  scope: BudgetScope,
  listed: ReadonlyMap<ScopeList, readonly Session[]>,
  requestLimit: number | undefined,
  /**
   * Whether the run may create a session. A run that only messages a known session (`session-id`) adds no
   * live session, so the cap does not apply to it, and it reserves no `max_acu_limit` of a session it does not create.
   */
  creates = true
): BudgetVerdict {
  const figures: BudgetFigure[] = []
  let refusal: { reason: string; raise: LimitInput } | undefined
  const refuse = (reason: string, raise: LimitInput) => (refusal ??= { reason: `budget: ${reason}`, raise })
  let limitMicro = requestLimit === undefined ? Number.POSITIVE_INFINITY : requestLimit * MICRO
  let tightestLeft: number | undefined

  for (const [list, all] of listed) {
    const sessions = inScope(all, list)
    if (list.input === Input.MaxLiveSessions) {
      const cap = limits.maxLiveSessions as number
      const live = sessions.filter(isLiveSession).length
      figures.push({ input: list.input, what: "this repository's sessions", used: live, limit: cap, unit: 'live sessions', sessions: live })
      if (creates && live >= cap) refuse(`this repository has ${live} of ${cap} live sessions (${list.input}).`, list.input)
      continue
    }
    const budget = budgetOf(limits, list.input)
    // Rounded like the usage: 8.2 × 10⁶ is 8199999.999… in floating point, which would lose a whole ACU below.
    const budgetMicro = Math.round(budget * MICRO)
    const usedMicro = sessions.reduce((sum, session) => sum + acusOf(session, list), 0)
    const leftMicro = Math.max(0, budgetMicro - usedMicro)
    const what = describeScope(list.input, scope)
    const window = list.createdAfter !== undefined ? ' in the last 24 hours' : ''
    figures.push({ input: list.input, what, used: usedMicro / MICRO, limit: budget, unit: 'ACUs', sessions: sessions.length, left: leftMicro / MICRO })
    tightestLeft = Math.min(tightestLeft ?? Number.POSITIVE_INFINITY, leftMicro)
    const used = `${what} used ${formatAcus(usedMicro / MICRO)} of ${formatAcus(budget)} ACUs${window}`
    if (usedMicro >= budgetMicro) refuse(`${used} (${list.input}).`, list.input)
    else if (leftMicro < MICRO) refuse(`${used}; the ${formatAcus(leftMicro / MICRO)} ACUs left are less than 1 ACU (${list.input}).`, list.input)
    // Rounded down: a session may not be given a part of an ACU the budget does not have.
    limitMicro = Math.min(limitMicro, Math.floor(leftMicro / MICRO) * MICRO)
  }

  if (refusal !== undefined) {
    return { go: false, reason: refusal.reason, raise: refusal.raise, figures, remaining: tightestLeft === undefined ? undefined : tightestLeft / MICRO }
  }
  const maxAcuLimit = creates && Number.isFinite(limitMicro) ? limitMicro / MICRO : undefined
  const remaining = tightestLeft === undefined ? undefined : (tightestLeft - (maxAcuLimit ?? 0) * MICRO) / MICRO
  return { go: true, figures, maxAcuLimit, remaining }
}

/** The listed sessions that really are in the list's scope, each once. */
function inScope(sessions: readonly Session[], list: ScopeList): Session[] {
  const seen = new Map<string, Session>()
  for (const session of sessions) {
    if (!session.tags.includes(list.tag)) continue
    // A session whose creation time the API did not give is counted: counting too much is the safe side.
    if (list.createdAfter !== undefined && session.createdAt !== undefined && session.createdAt < list.createdAfter) continue
    seen.set(session.id, session)
  }
  return [...seen.values()]
}

function acusOf(session: Session, list: ScopeList): number {
  const acus = session.acusConsumed
  if (acus === undefined || !Number.isFinite(acus) || acus < 0) {
    throw new Error(
      `${list.input}: Devin did not say how many ACUs session ${session.id} used (no acus_consumed in the list of sessions tagged ${list.tag}), so the budget cannot be computed and no session was created (spending fails closed).`
    )
  }
  return Math.round(acus * MICRO)
}

function budgetOf(limits: Limits, input: LimitInput): number {
  const value = input === Input.BudgetPerPr ? limits.budgetPerPr : input === Input.BudgetPerDay ? limits.budgetPerDay : limits.budgetPerUser
  return value as number
}

function describeScope(input: LimitInput, scope: BudgetScope): string {
  if (input === Input.BudgetPerPr && scope.thread !== undefined) return `${scope.thread.kind} #${scope.thread.number}`
  if (input === Input.BudgetPerUser) return `sessions caused by ${scope.user ?? ''}`
  return "this repository's sessions"
}

/** ACUs as people read them: at most two decimals, rounded down (a figure never claims more than there is), no trailing zeros. */
export function formatAcus(acus: number): string {
  return String(Math.floor(Math.round(acus * MICRO) / 10_000) / 100)
}

/** One figure as a line of text, for the log, the job summary and the comment. */
export function describeFigure(figure: BudgetFigure): string {
  if (figure.unit === 'live sessions') return `${figure.what}: ${figure.used} of ${figure.limit} live (${figure.input})`
  const window = figure.input === Input.BudgetPerPr ? '' : ' in the last 24 hours'
  return `${figure.what}: ${formatAcus(figure.used)} of ${formatAcus(figure.limit)} ACUs used${window}, ${formatAcus(figure.left ?? 0)} left (${figure.input})`
}
