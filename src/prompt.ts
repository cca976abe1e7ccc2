import type { Settings } from './inputs.js'
import type { Trigger } from './trigger.js'

/**
 * Whether the event has a default prompt, so the `prompt` input may stay empty. The default prompts
 * of pull request, issue and comment events join here with event triggers; until then none has one.
 */
export function hasDefaultPrompt(_trigger: Pick<Trigger, 'event'>): boolean {
  return false
}

/** The prompt to send: the user's `prompt` or `prompt-file` (input checks make sure there is one). */
export function resolvePrompt(settings: Pick<Settings, 'prompt'>, _trigger: Pick<Trigger, 'event'>): string {
  return settings.prompt ?? ''
}
