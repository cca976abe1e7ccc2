// Markdown pieces shared by the job summary and the pull request comment. Text from outside never
// opens markup of its own: HTML is escaped, table cells keep to one line, links only go to http(s).

/** A fenced block whose fence is longer than any run of backticks inside, so the content cannot close it. */
export function codeBlock(language: string, text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = '`'.repeat(longest + 1)
  return [`${fence}${language}`, text, fence]
}

/** A link to an http(s) URL; anything else is shown as plain text rather than linked. */
export function link(text: string, url: string): string {
  if (!/^https?:\/\//.test(url)) return escapeCell(text)
  let target: string
  try {
    target = encodeURI(decodeURI(url))
  } catch {
    return escapeCell(text)
  }
  return `[${escapeCell(text)}](${target.replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))})`
}

/** Text that cannot open HTML or markdown structure of its own. */
export function escapeText(text: string): string {
  return text.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))
}

export function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
