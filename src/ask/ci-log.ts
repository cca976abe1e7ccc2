import { PRIVATE_KEY_BEGIN, PRIVATE_KEY_END, redactCredentials } from '../report/credential-patterns.js'
import { REDACTED } from '../report/redact.js'

/** A failed job's log as it is handed to Devin: its end, cleaned and redacted. */
export interface CiLog {
  /** What is kept: at most `maxBytes` bytes of UTF-8, a note on its first line when the log was cut. */
  text: string
  /** The log's size as GitHub served it. */
  originalBytes: number
  /** The size of `text` in UTF-8. */
  keptBytes: number
  /** Whether part of the log was left out (the note on the first line says how much). */
  cut: boolean
  /** Raw bytes held at once while reading: rawWindowBytes(maxBytes) whatever the log's size (what bounds memory). */
  bufferBytes: number
}

export interface CiLogOptions {
  /** Most bytes of UTF-8 in `text`, note included. */
  maxBytes: number
  /** Removes the action's own secrets (the redactor's `text`), in every encoded form it knows. */
  redact: (text: string) => string
}

/**
 * Raw bytes read beyond maxBytes. Cleaning shrinks the text (a timestamp is 29 bytes a line, colour codes
 * can be half of a line), so twice maxBytes of raw log are read to fill maxBytes of clean text; the fixed
 * part leaves room for a multi-line secret (a private key block) that ends inside the window.
 */
const WINDOW_MARGIN = 64 * 1024

/** The raw bytes trimCiLog holds while reading a log, for a given maxBytes: memory is O(maxBytes). */
export function rawWindowBytes(maxBytes: number): number {
  return 2 * maxBytes + WINDOW_MARGIN
}

/**
 * Lets the garbage collector free a chunk the window has copied, soon. A socket's chunks live outside the
 * JavaScript heap, and V8 collects them only when a collection runs; their size alone starts one only after
 * some 64 MB more have piled up, so reading a 200 MB log held up to ~130 MB of finished chunks at once (a
 * 192 MB peak for the whole run, measured by `npm run bench`). A short-lived string of the chunk (latin1: a
 * byte-for-byte copy, no decoding) fills the young generation as fast as the chunks arrive, so its frequent,
 * cheap collections run and free them within a few MB. The cost: one copy of each byte, which reading it
 * already costs.
 */
function releaseSoon(chunk: Uint8Array): void {
  Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
}

/**
 * The end of a CI job's log, ready to hand to Devin, read from a stream of any size in bounded memory:
 * only the last rawWindowBytes(maxBytes) bytes are ever held, in one ring buffer, so a 200 MB log costs
 * what a 200 KB one does. Then, on that window:
 * - a line cut in two by the window's start is dropped, so a secret that straddled it cannot survive
 *   half-visible where no pattern recognizes it; a private key whose BEGIN line fell before the window is
 *   redacted up to its END line;
 * - the runner's timestamps, ANSI escape sequences (CSI, OSC, string and lone ESC codes) and other control
 *   characters are removed;
 * - workflow command markers are neutralized: `##[error]x` becomes `Error: x` (the error's text is what
 *   the reader needs), `##[group]`/`##[endgroup]` and the like go, and any `##[` or line-leading `::` left
 *   is broken up, so text from the log can never act as a workflow command wherever it is printed later;
 * - the action's secrets (options.redact) and credential patterns are replaced with `***`;
 * - the result is cut to its last maxBytes bytes, on a code point boundary and a line start where there
 *   is one, after a first line saying how many bytes of the log were left out. Redaction comes first, so
 *   the cut can never halve a secret and let half of it through.
 */
export async function trimCiLog(chunks: AsyncIterable<Uint8Array>, options: CiLogOptions): Promise<CiLog> {
  const { maxBytes } = options
  const window = new TailWindow(rawWindowBytes(maxBytes))
  for await (const chunk of chunks) {
    window.push(chunk)
    releaseSoon(chunk)
  }
  const raw = window.bytes()
  const originalBytes = window.total
  const dropped = originalBytes - raw.length

  let start = 0
  if (dropped > 0) start = partialLineEnd(raw)
  const lines: string[] = []
  /** Where each kept line starts in the original log, in bytes. */
  const offsets: number[] = []
  for (let at = start; at < raw.length;) {
    const end = lineEnd(raw, at)
    const line = cleanLine(raw.toString('utf8', at, end))
    if (line !== undefined) {
      lines.push(line)
      offsets.push(dropped + at)
    }
    at = end + separatorLength(raw, end)
  }

  let text = lines.join('\n')
  if (dropped > 0) text = redactHeadlessKey(text)
  const redacted = redactCredentials(options.redact(text))

  const whole = Buffer.from(redacted, 'utf8')
  if (dropped === 0 && whole.length <= maxBytes) {
    return { text: redacted, originalBytes, keptBytes: whole.length, cut: false, bufferBytes: window.capacity }
  }

  // The note's length depends on the number it holds: reserve room for the largest it can be, and its line break.
  const budget = Math.max(0, maxBytes - Buffer.byteLength(cutNote(originalBytes, originalBytes)) - 1)
  let from = Math.max(0, whole.length - budget)
  while (from < whole.length && ((whole[from] as number) & 0xc0) === 0x80) from++
  if (from > 0 && whole[from - 1] !== 0x0a) {
    const next = whole.indexOf(0x0a, from)
    if (next >= 0 && next + 1 < whole.length) from = next + 1
  }
  const kept = whole.toString('utf8', from)
  const leftOut = Math.min(originalBytes, leftOutBefore(whole, from, lines.length, offsets, dropped + start))
  const result = `${cutNote(leftOut, originalBytes)}\n${kept}`
  return { text: result, originalBytes, keptBytes: Buffer.byteLength(result), cut: true, bufferBytes: window.capacity }
}

/** The first line of a cut log. */
function cutNote(leftOut: number, originalBytes: number): string {
  return `[devin-session-action: the first ${leftOut} of this log's ${originalBytes} bytes were left out; ANSI codes, timestamps and workflow commands removed, secrets redacted]`
}

/**
 * How many bytes of the original log come before the kept text. Lines are counted from the end: the
 * kept text's first line is the same line of the log as long as no redaction joined lines within the
 * kept part (a secret wrapped across lines); when one did, the count is a little too high, never a leak.
 */
function leftOutBefore(whole: Buffer, from: number, lineCount: number, offsets: number[], windowStart: number): number {
  let keptLines = 1
  for (let at = whole.indexOf(0x0a, from); at >= 0; at = whole.indexOf(0x0a, at + 1)) keptLines++
  const index = lineCount - keptLines
  const lineStart = index >= 0 ? (offsets[index] as number) : windowStart
  // A cut inside a line (a line longer than the budget) adds the part of the line left out.
  const inLine = from > 0 && whole[from - 1] !== 0x0a ? from - (whole.lastIndexOf(0x0a, from - 1) + 1) : 0
  return lineStart + inLine
}

/**
 * Where the text after a window's partial first line starts: after its line break; for a window that is one
 * line (a log without line breaks), after the first white space, so the cut-off token goes.
 */
function partialLineEnd(raw: Buffer): number {
  for (let at = 0; at < raw.length; at++) if (isSeparator(raw[at] as number)) return at + separatorLength(raw, at)
  for (let at = 0; at < raw.length; at++) if (raw[at] === 0x20 || raw[at] === 0x09) return at + 1
  return raw.length
}

function isSeparator(byte: number): boolean {
  return byte === 0x0a || byte === 0x0d
}

/** The index of the line break ending the line that starts at `at` (lines end at \n, \r\n or a lone \r, as the runner reads them). */
function lineEnd(raw: Buffer, at: number): number {
  let end = at
  while (end < raw.length && !isSeparator(raw[end] as number)) end++
  return end
}

function separatorLength(raw: Buffer, at: number): number {
  if (at >= raw.length) return 0
  return raw[at] === 0x0d && raw[at + 1] === 0x0a ? 2 : 1
}

/** The runner's timestamp at a line's start (`2026-12-02T04:12:33.1234567Z `), after the log's byte-order mark. */
const TIMESTAMP = /^\uFEFF?(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ?)?/

/**
 * ANSI escape sequences: OSC (`ESC ]` … BEL or ST: titles, hyperlinks), CSI (`ESC [` …: colours, cursor),
 * the string controls DCS, SOS, PM and APC (`ESC P|X|^|_` … ST), two- and three-byte escapes (`ESC (B`,
 * `ESC =`), a lone ESC, and the 8-bit CSI. A line is matched alone, so an unterminated sequence ends with it.
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]?/g

/** Control characters other than tab, left after the escapes are gone (they mean nothing in a text file). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g

/** A legacy workflow command marker, as the runner writes its own lines (`##[group]`, `##[error]`…); the runner reads it anywhere in a line. */
const LEGACY_COMMAND = /##\[([A-Za-z-]+)[^\]]*\]/g

/** What a marker becomes: the annotations keep their kind as a word, the rest of the markup goes. */
const MARKER_WORDS: Record<string, string> = { error: 'Error: ', warning: 'Warning: ', notice: 'Notice: ', debug: 'Debug: ' }

/** A line without timestamp, escapes and workflow command markers; undefined for a line that only closed a group. */
function cleanLine(line: string): string | undefined {
  let clean = line.replace(TIMESTAMP, '').replace(ANSI, '').replace(CONTROL, '')
  let marked = false
  clean = clean.replace(LEGACY_COMMAND, (_, name: string) => {
    marked = true
    return MARKER_WORDS[name.toLowerCase()] ?? ''
  })
  if (marked && clean.trim() === '') return undefined
  // What is left of a marker (`##[` without a closing `]`, or one rebuilt by the replacement) and the
  // `::name::` form the runner reads at a line's start are broken up so no runner can execute them.
  return clean.replace(/##\[/g, '## [').replace(/^(\s*)::/, '$1: :')
}

/** Text that starts inside a private key block (its BEGIN line before the window) is redacted up to the block's END. */
function redactHeadlessKey(text: string): string {
  const end = PRIVATE_KEY_END.exec(text)
  if (end === null) return text
  const begin = PRIVATE_KEY_BEGIN.exec(text)
  if (begin !== null && begin.index < end.index) return text
  return REDACTED + text.slice(end.index + end[0].length)
}

/**
 * The last `capacity` bytes of a stream, in one buffer allocated once: chunks are copied in, never kept,
 * so a caller's chunk can be reused and memory stays at `capacity` however long the stream is.
 */
class TailWindow {
  readonly capacity: number
  /** Bytes seen in all. */
  total = 0
  private readonly ring: Buffer
  /** Where the next byte goes. */
  private end = 0
  private filled = 0

  constructor(capacity: number) {
    this.capacity = capacity
    // allocUnsafe touches no page until it is written: a short log costs little of a large window.
    this.ring = Buffer.allocUnsafe(capacity)
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length
    const bytes = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk
    const first = Math.min(bytes.length, this.capacity - this.end)
    this.ring.set(bytes.subarray(0, first), this.end)
    this.ring.set(bytes.subarray(first), 0)
    this.end = (this.end + bytes.length) % this.capacity
    this.filled = Math.min(this.capacity, this.filled + bytes.length)
  }

  /** The bytes held, oldest first. */
  bytes(): Buffer {
    if (this.filled < this.capacity) return this.ring.subarray(0, this.filled)
    return Buffer.concat([this.ring.subarray(this.end), this.ring.subarray(0, this.end)])
  }
}
