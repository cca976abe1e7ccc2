import type { MarkdownIt, MarkdownItOptions } from 'markdown-it'

type MarkdownItClass = new (options?: MarkdownItOptions) => MarkdownIt

/**
 * Loads the CommonMark parser from its lazily loaded chunk: only runs whose event carries markdown to
 * read (a comment, an issue) pay for it. The module's export is the parser's class; the bundler's
 * interop may hand it over as `default` or as that object's own `default` (the trap that made Ajv
 * "not a constructor" in `dist/`), so both are tried, the same way in the bundle and the source.
 */
export async function loadMarkdownIt(options: MarkdownItOptions): Promise<MarkdownIt> {
  const loaded = (await import('markdown-it')) as unknown as { default?: unknown }
  const candidates = [loaded.default, (loaded.default as { default?: unknown } | undefined)?.default]
  const MarkdownIt = candidates.find((candidate): candidate is MarkdownItClass => typeof candidate === 'function')
  if (MarkdownIt === undefined) throw new Error('the markdown parser (markdown-it) could not be loaded from the bundle')
  return new MarkdownIt(options)
}
