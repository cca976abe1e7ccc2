import { Input } from './constants.js'
import { InputError, type Settings } from './inputs.js'
import type { Trigger } from './trigger.js'

/**
 * The prompt to send: the user's `prompt` or `prompt-file`. Events without a default prompt need one;
 * the default prompts of pull request, issue and comment events join here with event triggers.
 */
export function resolvePrompt(settings: Pick<Settings, 'prompt'>, trigger: Pick<Trigger, 'event'>): string {
  if (settings.prompt !== undefined) return settings.prompt
  const event = trigger.event === '' ? 'this' : `the "${trigger.event}"`
  throw new InputError([
    `${Input.Prompt}: is empty, and ${event} event has no default prompt. Accepted: the task for Devin in ${Input.Prompt}, or a file with it in ${Input.PromptFile}.`
  ])
}
