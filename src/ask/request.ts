import { Input } from '../action/constants.js'
import { InputError, type Settings } from '../action/inputs.js'
import { defaultPrompt } from './prompt.js'
import { expandTemplate, templateVariables } from './template.js'
import type { OpenRequest } from '../devin/open.js'
import type { SessionRequest } from '../devin/session.js'
import type { Trigger } from '../event/trigger.js'
import { idempotencyTag, repositoryTag } from '../policy/tags.js'

/**
 * A key for this one execution of the step when the user gave none. Matrix legs share run, job and
 * step ids, so a random part keeps each execution's key its own; within the execution the key is
 * fixed, which is what makes its retries safe.
 */
export function freshIdempotencyKey(trigger: Trigger, randomId: string): string {
  return [trigger.repo, trigger.runId, trigger.runAttempt, trigger.job, trigger.step, randomId].join('/')
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

/** Builds the plan for the open step from the settings, the trigger and the expanded texts. */
export function planOpen(settings: Settings, trigger: Trigger, texts: RequestTexts, randomId: string): OpenRequest {
  if (settings.sessionId !== undefined) {
    return { kind: 'continue', sessionId: settings.sessionId, message: texts.message }
  }
  const key = settings.idempotencyKey ?? freshIdempotencyKey(trigger, randomId)
  const tag = idempotencyTag(key, trigger.repo)
  const ownTags = trigger.repo === '' ? [tag] : [tag, repositoryTag(trigger.repo)]
  // The action's own tags come first and are never dropped; input checks keep the total within Devin's limit.
  const tags = [...ownTags, ...settings.request.tags.filter((t) => !ownTags.includes(t))]
  const request: SessionRequest = { ...settings.request, title: texts.title, prompt: texts.prompt, tags }
  return { kind: 'create', request, tag, reuse: settings.idempotencyKey !== undefined, message: texts.message }
}
