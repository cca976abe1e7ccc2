import type { Settings } from '../action/inputs.js'
import type { DevinApi } from '../devin/api.js'
import type { OpenRequest } from '../devin/open.js'
import type { Session } from '../devin/session.js'
import { type Trigger, threadOf } from '../event/trigger.js'
import { scopeOf } from '../policy/tags.js'
import { type BudgetScope, type BudgetVerdict, type ScopeList, budgetLists, describeFigure, formatAcus, hasLimits, judgeBudgets } from '../policy/budget.js'

/**
 * Pages read at most for one budget's list: 25 pages of 200 sessions on v3 and v3beta1 (5,000 sessions), of
 * 100 on v1. A longer list cannot be summed in one run, and a part of it would be a wrong answer, so it fails
 * the step like any list that cannot be read.
 */
export const BUDGET_MAX_PAGES = 25

/** Whether the plan may spend: a create, or a message that would resume a session. A run that only reads a session spends nothing. */
export function maySpend(plan: OpenRequest): boolean {
  return plan.kind === 'create' || plan.message !== undefined
}

/** The run's scope as the action's tags name it: the repository, the thread, the user who caused the run. */
export function budgetScope(trigger: Trigger): BudgetScope {
  const thread = threadOf(trigger)
  return {
    repoId: trigger.repoId,
    thread: thread === undefined ? undefined : { number: thread.number, kind: thread.kind },
    // The user the session's gh-user tag names (on a workflow_run, who started the failed run), so the budget counts
    // what it tags.
    user: scopeOf(trigger).user ?? trigger.actor
  }
}

/**
 * Lists this repository's sessions for each budget and the cap that is set, and judges them. Undefined when
 * none is set: then no list is made, and the run sends exactly the requests it would without this step.
 * A list that fails (after the request helper's retries, within the open deadline) throws a message that
 * names the input: spending fails closed, before anything is created or sent.
 */
export async function checkBudgets(
  api: DevinApi,
  settings: Settings,
  trigger: Trigger,
  plan: OpenRequest,
  deadline: number,
  now: number,
  info: (message: string) => void
): Promise<BudgetVerdict | undefined> {
  const limits = settings.spending
  if (!hasLimits(limits) || !maySpend(plan)) return undefined
  const scope = budgetScope(trigger)
  const { lists, notes } = budgetLists(limits, scope, now)
  for (const note of notes) info(note)
  // One list after the other: a list that fails stops the step at once, with no other list left retrying
  // in the background to hold the process open.
  const listed = new Map<ScopeList, Session[]>()
  for (const list of lists) {
    try {
      listed.set(list, await api.listByTag(list.tag, deadline, { createdAfter: list.createdAfter, maxPages: BUDGET_MAX_PAGES, whole: true }))
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      throw new Error(
        `${list.input} is set, but the sessions it counts (tagged ${list.tag}) could not be listed, so no session was created or messaged (spending fails closed): ${why.replace(/\.$/, '')}.`,
        { cause: error }
      )
    }
  }
  const requestLimit = plan.kind === 'create' ? plan.request.maxAcuLimit : undefined
  const verdict = judgeBudgets(limits, scope, listed, requestLimit, plan.kind === 'create')
  const figures = verdict.figures.map(describeFigure)
  if (figures.length > 0) info(`Budgets: ${figures.join('; ')}.`)
  if (verdict.go && plan.kind === 'create' && verdict.maxAcuLimit !== undefined && verdict.maxAcuLimit !== requestLimit) {
    info(
      `max_acu_limit: ${verdict.maxAcuLimit} (what the tightest budget has left, rounded down${requestLimit !== undefined ? `; ${requestLimit} asked for` : ''}); ${formatAcus(verdict.remaining ?? 0)} ACUs left after it.`
    )
  }
  return verdict
}

/** The plan with the create's `max_acu_limit` set to what the budgets allow. */
export function clampPlan(plan: OpenRequest, verdict: BudgetVerdict): OpenRequest {
  if (plan.kind !== 'create' || verdict.maxAcuLimit === undefined) return plan
  return { ...plan, request: { ...plan.request, maxAcuLimit: verdict.maxAcuLimit } }
}
