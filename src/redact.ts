import type { Report } from './report/report.js'

/** What replaces a secret anywhere the action writes text. */
export const REDACTED = '***'

export interface Redactor {
  /** Text with every secret replaced, in its plain and its JSON-escaped form. */
  text(text: string): string
  /** A copy of any JSON-like value with every string in it redacted, keys included. */
  deep<T>(value: T): T
}

/**
 * Removes known secret values. The runner masks registered secrets in its log, but not in outputs,
 * the job summary or anything built from API answers, so those pass through here. Redaction works on
 * the data, before it is serialized or escaped for markdown, so escaping cannot hide a secret; and
 * it is applied to text from outside (API answers, prompts, messages), never to the action's own
 * vocabulary such as `outcome`, so a secret that happens to be "true" cannot break an output.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (secret.length === 0) continue
    forms.add(secret)
    forms.add(JSON.stringify(secret).slice(1, -1))
  }
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...forms].sort((a, b) => b.length - a.length)
  const text = (input: string): string => {
    let result = input
    for (const value of values) result = result.split(value).join(REDACTED)
    return result
  }
  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T
    if (Array.isArray(value)) return value.map((item) => deep(item)) as T
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [text(key), deep(item)])) as T
    }
    return value
  }
  return { text, deep }
}

/** The report with everything that came from outside redacted; what the action chose itself is kept. */
export function redactReport(report: Report, redactor: Redactor): Report {
  const { session } = report
  return {
    ...report,
    prompt: report.prompt === undefined ? undefined : redactor.text(report.prompt),
    failure: report.failure === undefined ? undefined : redactor.text(report.failure),
    dryRun: redactor.deep(report.dryRun),
    session:
      session === undefined
        ? undefined
        : {
            ...session,
            id: redactor.text(session.id),
            url: redactor.text(session.url),
            tags: redactor.deep(session.tags),
            pullRequests: redactor.deep(session.pullRequests),
            structuredOutput: redactor.deep(session.structuredOutput)
          }
  }
}
