import { quoteUserText, sanitizeUserText } from './sanitize.js'
import type { Trigger } from '../event/trigger.js'

/** The template variable names, as the contract lists them. */
export const TEMPLATE_VARIABLES = [
  'repo',
  'event',
  'actor',
  'sha',
  'ref',
  'run_url',
  'pr.number',
  'pr.title',
  'pr.url',
  'pr.head_sha',
  'pr.head_ref',
  'pr.base_ref',
  'pr.author',
  'issue.number',
  'issue.title',
  'issue.url',
  'comment.body',
  'comment.author',
  'comment.url',
  'instruction'
] as const
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number]
export type Variables = Record<TemplateVariable, string | undefined>

/**
 * The variables' values for this trigger; undefined where the event has none. Text that users wrote
 * (titles, a head branch's name, comment bodies, the instruction) is sanitized like everything else of theirs.
 */
export function templateVariables(trigger: Trigger, instruction: string | undefined): Variables {
  const { pullRequest: pr, issue, comment } = trigger
  const user = (text: string | undefined) => (text === undefined || text === '' ? undefined : sanitizeUserText(text))
  const value = (text: string | number | undefined) => (text === undefined || text === '' ? undefined : String(text))
  return {
    repo: value(trigger.repo),
    event: value(trigger.event),
    actor: value(trigger.actor),
    sha: value(trigger.sha),
    ref: value(trigger.ref),
    run_url: value(trigger.runUrl),
    'pr.number': value(pr?.number),
    'pr.title': user(pr?.title),
    'pr.url': value(pr?.url),
    'pr.head_sha': value(pr?.headSha),
    'pr.head_ref': user(pr?.headRef),
    'pr.base_ref': value(pr?.baseRef),
    'pr.author': value(pr?.author),
    'issue.number': value(issue?.number),
    'issue.title': user(issue?.title),
    'issue.url': value(issue?.url),
    'comment.body': user(comment?.body),
    'comment.author': value(comment?.author),
    'comment.url': value(comment?.url),
    instruction: user(instruction)
  }
}

const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g

/** Variables whose text a user wrote, and how a framed quote names them. */
const USER_WRITTEN: Partial<Record<TemplateVariable, string>> = {
  'pr.title': "The pull request's title",
  'pr.head_ref': "The pull request's head branch name",
  'issue.title': "The issue's title",
  'comment.body': 'The comment',
  instruction: 'The request'
}

export interface ExpandOptions {
  /**
   * Put text users wrote in a labelled quote it cannot close (prompts and messages, which Devin reads
   * as instructions); otherwise it goes in sanitized, on one line (titles).
   */
  frame: boolean
}

/**
 * Expands `{{ name }}` in a template. Returns the text, or the problems: each unknown name, and each
 * name that is empty for this event, with the names that are available.
 */
export function expandTemplate(template: string, variables: Variables, event: string, options: ExpandOptions): { text: string } | { problems: string[] } {
  const problems: string[] = []
  const available = TEMPLATE_VARIABLES.filter((name) => variables[name] !== undefined)
  const listed = available.length > 0 ? available.join(', ') : 'none'
  const text = template.replace(REFERENCE, (whole, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      problems.push(`{{ ${name} }} is not a template variable. Available for this event: ${listed}.`)
      return whole
    }
    const value = variables[name as TemplateVariable]
    if (value === undefined) {
      problems.push(`{{ ${name} }} is empty for the "${event}" event. Available for this event: ${listed}.`)
      return whole
    }
    const label = USER_WRITTEN[name as TemplateVariable]
    if (label === undefined) return value
    return options.frame ? `\n${quoteUserText(label, value)}\n` : value.replace(/\s+/g, ' ').trim()
  })
  return problems.length > 0 ? { problems: [...new Set(problems)] } : { text }
}

/**
 * The problems of a template for this trigger's variables (unknown names, names empty for the event),
 * so they can be reported with every other bad input, in one round.
 */
export function templateProblems(template: string, variables: Variables, event: string): string[] {
  const result = expandTemplate(template, variables, event, { frame: false })
  return 'problems' in result ? result.problems : []
}

/** Names used in a template that are not template variables, whatever the event. */
export function unknownVariables(template: string): string[] {
  const names = [...template.matchAll(REFERENCE)].map((match) => match[1] as string)
  return [...new Set(names.filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name)))]
}
