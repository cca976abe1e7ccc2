import { MIN_SECRET_LENGTH } from '../action/constants.js'
import type { Report } from './report.js'

/** What replaces a secret anywhere the action writes text. */
export const REDACTED = '***'

export interface Redactor {
  /** Text with every secret replaced, in its plain form and the encoded forms an API may echo it in. */
  text(text: string): string
  /** A copy of any JSON-like value with every string in it redacted, keys included. */
  deep<T>(value: T): T
}

/**
 * Whether a value can be masked without hiding ordinary text too: a value shorter than
 * MIN_SECRET_LENGTH, or only white space, recurs in everyday output ("1", "true", " "), so masking it
 * would garble every log line, output and message that happens to contain it.
 */
export function isMaskable(value: string): boolean {
  return value.trim().length >= MIN_SECRET_LENGTH
}

/**
 * Removes known secret values. The runner masks registered secrets in its log, but not in outputs,
 * the job summary or anything built from API answers, so those pass through here. Redaction works on
 * the data, before it is clipped, serialized or escaped for markdown, so neither clipping nor escaping
 * can hide a secret; and it is applied to text from outside (API answers, prompts, messages), never
 * to the action's own vocabulary such as `outcome`.
 *
 * An API that echoes a credential rarely echoes it verbatim: it may be URL-encoded (a query string, a
 * form body), JSON-escaped (a body quoted inside another), base64-encoded (an `Authorization: Basic`
 * header, alone or after a `user:`), wrapped across lines or have its white space changed. Each
 * secret therefore becomes patterns that match all of these forms.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const unique = [...new Set(secrets)].filter((secret) => secret.trim() !== '')
  // Longest first, so a secret that contains another is replaced whole.
  unique.sort((a, b) => b.length - a.length)
  const sources = unique.flatMap((secret) => [textPattern(secret), ...base64Patterns(secret)])
  const pattern = sources.length === 0 ? undefined : new RegExp(sources.join('|'), 'g')
  const text = (input: string): string => (pattern === undefined ? input : input.replace(pattern, REDACTED))
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

/**
 * What may stand between two characters of an echoed secret: white space (a line break where a body
 * was wrapped, spaces changed or collapsed), and the same encoded: JSON escapes, percent-encoding and
 * the `+` of form encoding. A secret's own white space is matched by this too, so a secret with its
 * white space changed is still found.
 */
const GAP = String.raw`(?:\s|\\[nrt]|\\u00(?:20|0[9aAdD])|%(?:20|0[9aAdD])|\+)*`

/** The secret as text: each character plain, percent-encoded (any hex case) or JSON-escaped. */
function textPattern(secret: string): string {
  const characters = [...secret].filter((character) => !/\s/.test(character))
  return characters.map((character) => `(?:${characterForms(character).join('|')})`).join(GAP)
}

function characterForms(character: string): string[] {
  const forms = [escapeRegExp(character)]
  forms.push([...Buffer.from(character, 'utf8')].map((byte) => `%${hexPattern(byte, 2)}`).join(''))
  // JSON's \uXXXX form, a surrogate pair for characters outside the BMP.
  const units = Array.from({ length: character.length }, (_, index) => character.charCodeAt(index))
  forms.push(units.map((unit) => String.raw`\\u${hexPattern(unit, 4)}`).join(''))
  const shortEscape: Record<string, string> = { '"': String.raw`\\"`, '\\': String.raw`\\\\`, '/': String.raw`\\/` }
  if (shortEscape[character] !== undefined) forms.push(shortEscape[character])
  return forms
}

/**
 * Base64 of the secret, standard and URL-safe alphabets, with or without padding, at each of the
 * three alignments it can have inside a longer base64 string (`Basic base64(user:key)`). For each
 * alignment only the characters that depend on the secret's bytes alone are matched: the first ones
 * also carry bits of what precedes it and the last ones bits of what follows.
 */
function base64Patterns(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const cores = new Set<string>()
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6))
    // A few base64 characters occur in ordinary text by chance; only a core this long identifies the secret.
    if (core.length < MIN_BASE64_CORE) continue
    cores.add(core)
    cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  // Wrapped (MIME) or JSON-escaped line breaks may split it; `+` and `/` may be percent-encoded in a URL.
  const gap = String.raw`(?:\s|\\[nr])*`
  return [...cores].map((core) => [...core].map(base64CharacterPattern).join(gap))
}

const MIN_BASE64_CORE = 6

function base64CharacterPattern(character: string): string {
  if (character === '+') return String.raw`(?:\+|%2[bB])`
  if (character === '/') return String.raw`(?:\/|%2[fF]|\\\/)`
  return escapeRegExp(character)
}

/** A number in hex of the given width, matching upper- and lower-case digits. */
function hexPattern(value: number, width: number): string {
  return [...value.toString(16).padStart(width, '0')].map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit)).join('')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** The report with everything that came from outside redacted; what the action chose itself is kept. */
export function redactReport(report: Report, redactor: Redactor): Report {
  const { session } = report
  return {
    ...report,
    prompt: report.prompt === undefined ? undefined : redactor.text(report.prompt),
    failure: report.failure === undefined ? undefined : redactor.text(report.failure),
    dryRun: redactor.deep(report.dryRun),
    // Devin's words may quote anything it saw, a secret among them.
    summary: report.summary === undefined ? undefined : redactor.text(report.summary),
    question: report.question === undefined ? undefined : { ...report.question, text: redactor.text(report.question.text) },
    // end-on-close: ids and links of the ended sessions are Devin's answers, and so are the ids the step's comment
    // lists (redacted alike, so the two still match) and those a restart ended.
    ended: redactor.deep(report.ended),
    closed: report.closed === undefined ? undefined : { ...report.closed, inStepComment: redactor.deep(report.closed.inStepComment) },
    thread: report.thread?.kind === 'restart' ? { ...report.thread, ended: redactor.deep(report.thread.ended) } : report.thread,
    // reconcile: the sessions' ids and links are Devin's answers too.
    reconcile: redactor.deep(report.reconcile),
    // devin review: the status and the repository path are Devin's answers.
    review: redactor.deep(report.review),
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
