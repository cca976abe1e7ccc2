import { Input, MAX_TAGS } from '../action/constants.js'
import { InputError, type Settings } from '../action/inputs.js'
import { defaultPrompt } from './prompt.js'
import { expandTemplate, templateVariables } from './template.js'
import type { OpenRequest } from '../devin/open.js'
import type { SessionRequest } from '../devin/session.js'
import type { Trigger } from '../event/trigger.js'
import { type TagScope, idempotencyTag, repositoryTag, scopeOf, scopeTags } from '../policy/tags.js'

/**
 * A key for this one execution of the step when the user gave none. Matrix legs share run, job and
 * step ids, so a random part keeps each execution's key its own; within the execution the key is
 * fixed, which is what makes its retries safe.
 */
export function freshIdempotencyKey(trigger: Trigger, randomId: string): string {
  return [trigger.repo, trigger.runId, trigger.runAttempt, trigger.job, trigger.step, randomId].join('/')
}

/**
 * The key of a run fixing failed CI when the user gave none: the failed run's id and attempt, so the same failed
 * attempt delivered twice (a re-run of the fixing workflow, two workflows on one event) opens one session.
 */
export function ciIdempotencyKey(trigger: Trigger): string | undefined {
  const run = trigger.workflowRun
  if (trigger.event !== 'workflow_run' || run === undefined || !Number.isSafeInteger(run.id)) return undefined
  return `ci:${run.id}/${run.attempt}`
}

/** The texts of the request once the templates are expanded. */
export interface RequestTexts {
  /** Empty when a known session is continued: no prompt is sent then. */
  prompt: string
  title?: string
  message?: string
}

/**
 * Expands the template variables in prompt (or prompt-file), title and message, or uses the event's
 * default prompt. A variable that is empty for this event is an input error listing those available;
 * the input checks report it first, with every other bad input, so this only guards.
 */
export function expandTexts(settings: Settings, trigger: Trigger, instruction: string | undefined): RequestTexts {
  const variables = templateVariables(trigger, instruction)
  const problems: string[] = []
  const expand = (input: string, template: string | undefined, frame = true): string | undefined => {
    if (template === undefined) return undefined
    const result = expandTemplate(template, variables, trigger.event, { frame })
    if ('text' in result) return result.text
    problems.push(...result.problems.map((problem) => `${input}: ${problem}`))
    return template
  }
  const prompt = settings.sessionId !== undefined ? '' : (expand(settings.promptInput, settings.prompt) ?? defaultPrompt(trigger, instruction) ?? '')
  const title = expand(Input.Title, settings.request.title, false)
  const message = expand(Input.Message, settings.message)
  if (problems.length > 0) throw new InputError(problems)
  return { prompt, title, message }
}

/** The plan of the open step: what to open, and the scope of the run (what a budget or a follow-up lists by). */
export type OpenPlan = OpenRequest & { scope: TagScope }

/**
 * Builds the plan for the open step from the settings, the trigger and the expanded texts. A new session
 * carries the action's tags first (`idem:`, `github:`, then the scope tags), never dropped, and the user's
 * tags after them; the input checks keep the total within Devin's limit. With `tracking-tags: false` it
 * carries the user's tags alone, and nothing can find it by tag.
 */
export function planOpen(settings: Settings, trigger: Trigger, texts: RequestTexts, randomId: string): OpenPlan {
  const scope = scopeOf(trigger)
  if (settings.sessionId !== undefined) {
    return { kind: 'continue', sessionId: settings.sessionId, message: texts.message, scope }
  }
  if (!settings.trackingTags) {
    const request: SessionRequest = { ...settings.request, title: texts.title, prompt: texts.prompt, tags: settings.request.tags.slice(0, MAX_TAGS) }
    return { kind: 'create', request, reuse: false, message: texts.message, scope }
  }
  const ciKey = settings.idempotencyKey === undefined ? ciIdempotencyKey(trigger) : undefined
  const key = settings.idempotencyKey ?? ciKey ?? freshIdempotencyKey(trigger, randomId)
  const tag = idempotencyTag(key, trigger.repo)
  const ownTags = [tag, ...(trigger.repo === '' ? [] : [repositoryTag(trigger.repo)]), ...scopeTags(scope)]
  const userTags = settings.request.tags.filter((t) => !ownTags.includes(t)).slice(0, MAX_TAGS - ownTags.length)
  const request: SessionRequest = { ...settings.request, title: texts.title, prompt: texts.prompt, tags: [...ownTags, ...userTags] }
  return {
    kind: 'create',
    request,
    tag,
    actionTags: ownTags,
    reuse: settings.idempotencyKey !== undefined || ciKey !== undefined,
    message: texts.message,
    scope
  }
}
