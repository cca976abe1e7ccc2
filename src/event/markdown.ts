import type { MarkdownIt, Token } from 'markdown-it'
import { loadMarkdownIt } from '../lazy/markdown-it.js'

/*
 * GitHub markdown as the person reading it sees it, read with a CommonMark parser: a line-based guess
 * gets indented code, `<code>`, double-backtick code, quotes inside list items and lazy quote
 * continuations wrong, and each of those let a trigger phrase count where nobody wrote it as a request.
 */

let parser: Promise<MarkdownIt> | undefined

/** The parser, loaded once, on first use. */
function markdownIt(): Promise<MarkdownIt> {
  // html: raw HTML must come as HTML tokens (left out below), not as text that would count as prose.
  parser ??= loadMarkdownIt({ html: true })
  return parser
}

/** What a person wrote as their own words. */
export interface OwnWords {
  /**
   * Their prose, and their code kept as code (fenced anew, so nothing inside can close it). Quotes
   * (someone else's words, at any depth), HTML (comments, `<details>` blocks, tags) and images are left out.
   */
  text: string
  /**
   * `text` with everything but the prose blanked, one space per character: a phrase is looked for here,
   * so it counts only in prose, and the place it is found is the same place in `text`.
   */
  prose: string
}

/** Inline HTML tags whose content is code, as `<code>`, not prose. */
const CODE_TAG = /^<(\/?)(?:code|pre|kbd|samp|tt|var)(?=[\s/>])[^>]*>$/i

/** Builds `OwnWords` piece by piece, with the line breaks blocks owe each other. */
class Writer {
  text = ''
  prose = ''
  private breaks = 0
  private marker = ''

  /** A new block starts: it is set apart by this many line breaks from what came before. */
  block(lineBreaks: number, marker = ''): void {
    this.breaks = Math.max(this.breaks, lineBreaks)
    if (marker !== '') this.marker = marker
  }

  write(piece: string, isProse: boolean): void {
    if (piece === '') return
    const lead = `${this.text === '' ? '' : '\n'.repeat(this.breaks)}${this.marker}`
    this.breaks = 0
    this.marker = ''
    this.text += lead + piece
    // Per UTF-16 unit (no `u` flag), so positions in `prose` and `text` stay the same.
    this.prose += lead + (isProse ? piece : piece.replace(/[^\n]/g, ' '))
  }
}

/** The longest run of `char` in the text. */
function longestRun(text: string, char: string): number {
  let longest = 0
  for (const run of text.match(new RegExp(`${char}+`, 'g')) ?? []) longest = Math.max(longest, run.length)
  return longest
}

/** Code in a span whose backticks outnumber any run inside it, so the code cannot end it early. */
function inlineCode(code: string): string {
  const flat = code.replace(/\r?\n/g, ' ')
  const fence = '`'.repeat(longestRun(flat, '`') + 1)
  const pad = /^[` ]|[` ]$/.test(flat) ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/** A code block in a fence longer than any backtick run inside it. */
function codeBlock(code: string, info: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, '`') + 1))
  const language = /^[^\s`]+/.exec(info.trim())?.[0] ?? ''
  return `${fence}${language}\n${code.replace(/\n$/, '')}\n${fence}`
}

function writeInline(children: Token[], out: Writer): void {
  let code: string | undefined
  let depth = 0
  for (const child of children) {
    const tag = child.type === 'html_inline' ? CODE_TAG.exec(child.content) : null
    if (tag !== null) {
      if (tag[1] === '') {
        depth += 1
        code ??= ''
      } else if (depth > 0 && --depth === 0) {
        out.write(inlineCode(code ?? ''), false)
        code = undefined
      }
      continue
    }
    if (code !== undefined) {
      if (child.type === 'text' || child.type === 'code_inline') code += child.content
      else if (child.type === 'softbreak' || child.type === 'hardbreak') code += '\n'
      continue
    }
    if (child.type === 'text') out.write(child.content, true)
    else if (child.type === 'softbreak' || child.type === 'hardbreak' || (child.type === 'html_inline' && /^<br\b/i.test(child.content))) out.write('\n', true)
    else if (child.type === 'code_inline') out.write(inlineCode(child.content), false)
    // Left out: other inline HTML (comments included) and images, whose alt text nobody reads as a request.
  }
  if (code !== undefined) out.write(inlineCode(code), false)
}

/**
 * The writer's own words in a piece of GitHub markdown (a comment, an issue body): what counts when
 * looking for the trigger phrase, and what the instruction after it is taken from.
 */
export async function ownWords(markdown: string): Promise<OwnWords> {
  const tokens = (await markdownIt()).parse(markdown, {})
  const out = new Writer()
  let quotes = 0
  const lists: string[] = []
  let cells = 0
  for (const token of tokens) {
    if (token.type === 'blockquote_open') quotes += 1
    else if (token.type === 'blockquote_close') quotes -= 1
    if (quotes > 0 || token.type === 'blockquote_close') continue
    switch (token.type) {
      case 'bullet_list_open':
      case 'ordered_list_open':
        out.block(lists.length > 0 ? 1 : 2)
        lists.push(token.type)
        break
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop()
        out.block(2)
        break
      case 'list_item_open':
        out.block(1, `${'  '.repeat(Math.max(0, lists.length - 1))}${token.info}${token.markup} `)
        break
      case 'paragraph_open':
        out.block(token.hidden ? 1 : 2)
        break
      case 'heading_open':
      case 'table_open':
      case 'hr':
        out.block(2)
        break
      case 'tr_open':
        out.block(1)
        cells = 0
        break
      case 'th_open':
      case 'td_open':
        if (cells++ > 0) out.write(' | ', true)
        break
      case 'fence':
      case 'code_block':
        out.block(2)
        out.write(codeBlock(token.content, token.info), false)
        break
      case 'inline':
        writeInline(token.children ?? [], out)
        break
      // html_block: raw HTML, a comment or a <details> block; not prose.
    }
  }
  return { text: out.text, prose: out.prose }
}

/** A closed code span (a run of backticks, then the same run) or a closed HTML comment, in inline text. */
const INLINE_CODE_OR_COMMENT = /(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)|<!--(?:-?>|[\s\S]*?-->)/g
/** An HTML comment in raw HTML; one left open hides the rest of the block. */
const HTML_COMMENT = /<!--(?:-?>|[\s\S]*?(?:-->|$))/g

/**
 * The markdown without its HTML comments: GitHub shows them to nobody, so whatever they hold is not
 * what the maintainer who reads the issue or comment saw. Code blocks and code spans stay as they are
 * (a comment there is shown, as code); everything else is kept as written.
 */
export async function withoutHtmlComments(markdown: string): Promise<string> {
  if (!markdown.includes('<!--')) return markdown
  // The parser counts lines of the normalized text; normalize the same way so its line numbers hold.
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n')
  const kinds: ('code' | 'html' | undefined)[] = lines.map(() => undefined)
  for (const token of (await markdownIt()).parse(lines.join('\n'), {})) {
    const kind = token.type === 'html_block' ? 'html' : token.type === 'fence' || token.type === 'code_block' ? 'code' : undefined
    if (kind === undefined || token.map === null) continue
    for (let line = token.map[0]; line < token.map[1]; line++) kinds[line] = kind
  }
  const kept: string[] = []
  // Runs of lines of one kind; prose runs end at blank lines, as paragraphs do, so a code span never pairs across them.
  for (let start = 0; start < lines.length;) {
    const kind = kinds[start]
    let end = start + 1
    while (end < lines.length && kinds[end] === kind && !(kind === undefined && (lines[end] ?? '').trim() === '')) end++
    const run = lines.slice(start, end).join('\n')
    if (kind === 'code') kept.push(run)
    else if (kind === 'html') kept.push(run.replace(HTML_COMMENT, ''))
    else kept.push(run.replace(INLINE_CODE_OR_COMMENT, (match) => (match.startsWith('`') ? match : '')))
    start = end
  }
  return kept.join('\n')
}
