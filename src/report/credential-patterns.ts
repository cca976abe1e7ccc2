import { REDACTED } from './redact.js'

/**
 * Credentials recognized by their shape rather than by their value. The redactor (redact.ts) removes the
 * secrets the action was given; text the action did not write, a CI log above all, may hold credentials it
 * was never told about: a token a test printed, a key in a dumped config, an `Authorization` header a
 * verbose HTTP client echoed. These patterns find those. They live in their own file, beside the redactor
 * and not inside the CI log trimming, so that any text that leaves the repository can use them without
 * depending on the log code; the redactor does not apply them by default, because its output is the
 * action's own text, where a pattern's false positive would garble ids and links.
 *
 * Each pattern matches one line at most (no `\s` that could cross a line break), so a caller that keeps
 * text line by line can tell which line a replacement came from. Private key blocks are the exception and
 * are handled by PRIVATE_KEY_BLOCK below.
 */
export interface CredentialPattern {
  /** What the pattern finds, for tests and for a reader. */
  name: string
  pattern: RegExp
  /** The replacement: `***`, or the match with only its secret part replaced (the key name or scheme stays readable). */
  replacement: string
}

/** Not preceded by a character that would make the prefix part of a longer word (`xghp_…` is not a token). */
const START = '(?<![A-Za-z0-9_])'
/** Not followed by more token characters, so the whole token goes, not a prefix of it. */
const END = '(?![A-Za-z0-9_])'
/**
 * Devin keys have no published length; the random part is required to hold a digit, which a random key
 * almost always does and an identifier such as `apk_output_dir` does not.
 */
const RANDOM_WITH_DIGIT = '(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{16,}'

export const CREDENTIAL_PATTERNS: readonly CredentialPattern[] = [
  // GitHub: personal (ghp_), OAuth (gho_), user-to-server (ghu_), server-to-server such as GITHUB_TOKEN (ghs_), refresh (ghr_).
  { name: 'GitHub token', pattern: new RegExp(`${START}gh[pousr]_[A-Za-z0-9]{20,}${END}`, 'g'), replacement: REDACTED },
  { name: 'GitHub fine-grained token', pattern: new RegExp(`${START}github_pat_[A-Za-z0-9_]{20,}${END}`, 'g'), replacement: REDACTED },
  // Devin: v3 service-user and personal keys (cog_), v1 service (apk_) and personal (apk_user_) keys.
  { name: 'Devin key', pattern: new RegExp(`${START}(?:cog|apk)_${RANDOM_WITH_DIGIT}`, 'g'), replacement: REDACTED },
  // AWS access key ids: long-term (AKIA) and temporary (ASIA), 16 upper-case letters and digits.
  { name: 'AWS access key id', pattern: new RegExp(`${START}(?:AKIA|ASIA)[A-Z0-9]{16}${END}`, 'g'), replacement: REDACTED },
  // The secret key itself is random base64 with no prefix; only its name (env var, credentials file, CLI output) gives it away.
  {
    name: 'AWS secret access key',
    pattern: /(aws_secret_access_key["']?[ \t]*[=:][ \t]*["']?)[A-Za-z0-9/+=]{16,}/gi,
    replacement: `$1${REDACTED}`
  },
  // An Authorization header or a curl -H echoed in a log: the scheme stays, the credential goes.
  { name: 'Bearer token', pattern: /(\bBearer[ \t]+)[A-Za-z0-9._~+/=-]{8,}/gi, replacement: `$1${REDACTED}` },
  { name: 'Authorization header', pattern: /(\bAuthorization:[ \t]*(?:Basic|token)[ \t]+)[A-Za-z0-9._~+/=-]{8,}/gi, replacement: `$1${REDACTED}` },
  // A password in a URL (a git remote, a database URL a tool echoed): the scheme, user and host stay readable.
  { name: 'password in a URL', pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi, replacement: `$1${REDACTED}` },
  // Fixed-prefix tokens of services CI jobs talk to: npm, GitLab, Slack, Stripe live keys.
  { name: 'npm token', pattern: new RegExp(`${START}npm_[A-Za-z0-9]{36}${END}`, 'g'), replacement: REDACTED },
  { name: 'GitLab token', pattern: new RegExp(`${START}glpat-[A-Za-z0-9_-]{20,}${END}`, 'g'), replacement: REDACTED },
  { name: 'Slack token', pattern: new RegExp(`${START}xox[abposr]-[A-Za-z0-9-]{10,}${END}`, 'g'), replacement: REDACTED },
  { name: 'Stripe live key', pattern: new RegExp(`${START}[sr]k_live_[A-Za-z0-9]{16,}${END}`, 'g'), replacement: REDACTED },
  // A JSON Web Token (an OIDC id token a job printed): three base64url parts, the first two JSON objects (`eyJ`).
  { name: 'JSON Web Token', pattern: new RegExp(`${START}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}${END}`, 'g'), replacement: REDACTED }
]

/** The BEGIN and END lines of a PEM, OpenSSH or PGP private key (`-----BEGIN RSA PRIVATE KEY-----`, `… PGP PRIVATE KEY BLOCK-----`). */
export const PRIVATE_KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/
export const PRIVATE_KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/

/**
 * A private key, BEGIN to END; a block whose END never comes (the text ends inside it) is taken to the
 * end of the text, since every line after BEGIN may be key material.
 */
export const PRIVATE_KEY_BLOCK = new RegExp(`${PRIVATE_KEY_BEGIN.source}[\\s\\S]*?(?:${PRIVATE_KEY_END.source}|$(?![\\s\\S]))`, 'g')

/** Text with every credential these patterns recognize replaced by `***`. */
export function redactCredentials(text: string): string {
  let result = text.replace(PRIVATE_KEY_BLOCK, REDACTED)
  for (const { pattern, replacement } of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement)
  return result
}
