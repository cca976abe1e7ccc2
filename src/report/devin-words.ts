// Devin's own words (its latest message, its question) as the action hands them on: capped for the `summary`
// output, and quoted for the comment and the job summary so that they read as Devin's and can do nothing else.

/** The most of Devin's latest message the `summary` output carries, in bytes of UTF-8 (the contract's 64 KiB). */
export const SUMMARY_MAX_BYTES = 64 * 1024

/** Room kept for the note that says how much was cut (it is ASCII and well under this). */
const CUT_NOTE_BYTES = 128

/**
 * The message as the `summary` output carries it: whole when it fits in 64 KiB of UTF-8, else cut on a code
 * point boundary and ended with a note of how many bytes were cut, the note included in the 64 KiB. Redact
 * before capping: a secret cut in half would no longer be recognised.
 */
export function capSummary(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= SUMMARY_MAX_BYTES) return text
  let end = SUMMARY_MAX_BYTES - CUT_NOTE_BYTES
  // A UTF-8 continuation byte (10xxxxxx) is never the first byte of a code point: step back to one that is.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  const cut = bytes.length - end
  return `${bytes.subarray(0, end).toString('utf8')}\n\n[… ${cut} more bytes cut: the message is longer than 64 KiB; the session has all of it.]`
}

/**
 * Devin's text as a markdown blockquote, at most `maxChars` characters of it (whole code points), with a line
 * saying how much more the session has. Devin's markdown still reads as markdown inside the quote, but it cannot
 * leave it, and it can neither open HTML (`<`, `>` and `&` are escaped, so no tag or entity comes through) nor
 * mention anyone (a zero-width space follows every `@` before a name, so GitHub sends no notification).
 */
export function quoteDevin(text: string, maxChars: number): string[] {
  const codePoints = [...text.replace(/\r\n?/g, '\n').replace(/\s+$/, '')]
  const shown = codePoints.length > maxChars ? codePoints.slice(0, maxChars).join('') : codePoints.join('')
  const lines = inert(shown)
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
  if (codePoints.length > maxChars) {
    lines.push('>', '> …', '', `<sub>${codePoints.length - maxChars} more characters are not shown here: the session has the whole message.</sub>`)
  }
  return lines
}

/** Text with nothing in it that GitHub would turn into HTML, an entity or a mention. */
function inert(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')).replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b')
}
