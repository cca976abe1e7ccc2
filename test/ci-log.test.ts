import { describe, expect, it } from 'vitest'
import { failingJobLog, PLANTED_CREDENTIALS } from '../emulator/github/job-logs.js'
import { rawWindowBytes, trimCiLog } from '../src/ask/ci-log.js'
import { createRedactor } from '../src/report/redact.js'
import { encodedForms, leakMarkers } from './helpers/encoded-secrets.js'
import { executedCommands } from './helpers/workflow-commands.js'

async function* stream(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'utf8') : part
}

const noSecrets = (text: string) => text
const trim = (log: string, maxBytes = 64 * 1024, redact = noSecrets) => trimCiLog(stream(log), { maxBytes, redact })

/** `bytes` bytes (at least 3) that cleaning removes: one long colour code. */
function invisible(bytes: number): string {
  return `\x1b[${'0'.repeat(bytes - 3)}m`
}

/** Every run of `length` characters of the secret: none may be visible. */
function pieces(secret: string, length = 6): string[] {
  return Array.from({ length: secret.length - length + 1 }, (_, i) => secret.slice(i, i + length))
}

describe('trimming a CI log', () => {
  it('strips timestamps, ANSI escapes and workflow command markers, keeping the text', async () => {
    const log = await trim(failingJobLog())
    for (const character of ['\x1b', '\u009b', '\uFEFF']) expect(log.text).not.toContain(character)
    expect(log.text).not.toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/m)
    expect(log.text).not.toContain('##[')
    expect(log.text.split('\n')).toEqual(
      expect.arrayContaining([
        'Run actions/checkout@v4',
        'Run npm test',
        'npm test',
        '> octo-repo@1.0.0 test',
        ' FAIL  test/math.test.ts > adds',
        'AssertionError: expected 3 to be 4',
        ' ❯ test/math.test.ts:7:17',
        'Error: Process completed with exit code 1.'
      ])
    )
    // The group's end marker is a line of markup only: it goes.
    expect(log.text).not.toMatch(/^\s*$/m)
    expect(log).toMatchObject({ cut: false, originalBytes: Buffer.byteLength(failingJobLog()), keptBytes: Buffer.byteLength(log.text) })
  })

  it('leaves no line a runner would execute as a workflow command', async () => {
    const log = await trim(
      [
        '::set-output name=x::forged',
        '   ::add-mask::hidden',
        'text ##[set-env name=X]forged',
        '##[##[error]error]x',
        '#\x1b[0m#[add-path]/evil',
        '::stop-commands::abc'
      ].join('\n')
    )
    expect(executedCommands(log.text)).toEqual([])
    expect(log.text).toContain('forged')
  })

  it('strips every kind of escape sequence', async () => {
    const log = await trim(
      [
        '\x1b[1;31mred\x1b[0m',
        '\x1b]8;;https://x.test\x07link\x1b]8;;\x07',
        '\x1b]0;title\x1b\\plain',
        '\x1bPdcs\x1b\\after',
        '\x1b(Bcharset \x1b=keypad',
        'cut \x1b[38;5',
        '\u009b2Jc1'
      ].join('\n')
    )
    expect(log.text).toBe(['red', 'link', 'plain', 'after', 'charset keypad', 'cut ', 'c1'].join('\n'))
  })

  for (const [name, secret] of Object.entries(PLANTED_CREDENTIALS)) {
    it(`redacts a planted ${name} it was not told about`, async () => {
      const log = await trim(failingJobLog())
      for (const piece of pieces(secret, 10)) expect(log.text).not.toContain(piece)
    })
  }

  it('keeps the names around a credential readable, and redacts whole key blocks', async () => {
    const log = await trim(failingJobLog())
    expect(log.text).toContain('aws_secret_access_key = ***')
    expect(log.text).toContain('Authorization: Bearer ***')
    expect(log.text).toContain('x-access-token:***@github.com')
    expect(log.text).not.toMatch(/PRIVATE KEY|fakeplanted/)
  })

  // Review r2: credentials of other services with an unmistakable shape, that a failed job's log often holds
  // unmasked (a token created during the job, a URL with its password a tool echoed). Each value is fake.
  const UNMASKED_CREDENTIALS: Record<string, [line: string, secret: string]> = {
    'password in a URL (git remote, database URL)': ['fatal: unable to access https://deploy:Hunter2Hunter2x@git.example.com/r.git/', 'Hunter2Hunter2x'],
    'password in a database URL': ['DATABASE_URL=postgres://app:pa55w0rdPa55w0rd@db.internal:5432/app', 'pa55w0rdPa55w0rd'],
    'npm access token': ['//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'],
    'GitLab personal access token': ['remote: using glpat-Abcdefghij1234567890 for the mirror', 'glpat-Abcdefghij1234567890'],
    'Slack token': ['SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    'Stripe live secret key': ['stripe.api_key = sk_live_51HAbCdEfGhIjKlMnOpQrStUv', 'sk_live_51HAbCdEfGhIjKlMnOpQrStUv'],
    'JSON Web Token': [
      'id_token: eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYiLCJhdWQiOiJzdHMifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln',
      'eyJzdWIiOiJyZXBvOm8vcjpyZWYiLCJhdWQiOiJzdHMifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln'
    ]
  }
  for (const [name, [line, secret]] of Object.entries(UNMASKED_CREDENTIALS)) {
    it(`redacts a ${name} it was not told about (review r2)`, async () => {
      const log = await trim(`2026-12-02T04:12:33.1234567Z ${line}\nError: Process completed with exit code 1.\n`)
      for (const piece of pieces(secret, 10)) expect(log.text).not.toContain(piece)
    })
  }

  it('leaves ordinary words that merely start like a credential', async () => {
    const log = await trim('apk_output_directory is set\nthe cog_wheel_module loaded\nghp_short\n')
    expect(log.text).toBe('apk_output_directory is set\nthe cog_wheel_module loaded\nghp_short')
  })

  it("redacts the action's secrets in every encoded form", async () => {
    const secret = 'sup3r/s3cret+value:ü'
    const lines = Object.entries(encodedForms(secret)).map(([form, value]) => `2026-12-02T04:12:33.1234567Z ${form}: ${value}`)
    const log = await trim(lines.join('\n'), 64 * 1024, createRedactor([secret]).text)
    for (const marker of leakMarkers(secret)) expect(log.text).not.toContain(marker)
    expect(log.text).toContain('plain: ***')
  })

  it('keeps the last maxBytes bytes from a line start, after a note saying how much was left out', async () => {
    const lines = Array.from({ length: 10_000 }, (_, n) => `2026-12-02T04:12:33.1234567Z line ${n}`)
    const original = lines.join('\n') + '\n'
    const log = await trim(original, 2048)
    const [note, first, ...rest] = log.text.split('\n')
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(2048)
    expect(log).toMatchObject({ cut: true, originalBytes: Buffer.byteLength(original), keptBytes: Buffer.byteLength(log.text) })
    expect(rest.at(-1)).toBe('line 9999')
    expect(first).toMatch(/^line \d+$/)
    // The note counts the bytes of the original log before the first line kept.
    const leftOut = original.indexOf(`Z ${first}\n`) - '2026-12-02T04:12:33.1234567'.length
    expect(note).toBe(
      `[devin-session-action: the first ${leftOut} of this log's ${original.length} bytes were left out; ANSI codes, timestamps and workflow commands removed, secrets redacted]`
    )
    // Nearly all of the budget is used.
    expect(Buffer.byteLength(log.text)).toBeGreaterThan(2048 - 20)
  })

  it('cuts a log without line breaks on a code point boundary', async () => {
    const log = await trim('é€😀'.repeat(2000), 1024)
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(1024)
    expect(log.text).not.toContain('\uFFFD')
    expect(log.text.split('\n')[1]).toMatch(/^(é€😀|€😀|😀)(é€😀)+$/)
  })

  it('never shows part of a secret that the final cut falls inside', async () => {
    const secret = 'TheActionSecretValue0123456789'
    // One long line (nothing to cut at) whose last 1 KiB starts inside the secret.
    const log = await trim(`${'a'.repeat(3000)} ${secret} ${'b'.repeat(850)}`, 1024, createRedactor([secret]).text)
    expect(log.cut).toBe(true)
    for (const piece of pieces(secret)) expect(log.text).not.toContain(piece)
  })

  for (const [name, secret, redact] of [
    ["an action's secret", 'TheActionSecretValue0123456789', createRedactor(['TheActionSecretValue0123456789']).text],
    ['a GitHub token', PLANTED_CREDENTIALS.githubToken, noSecrets]
  ] as const) {
    it(`never shows part of ${name} that the start of the window read falls inside`, async () => {
      // The window read starts 6 bytes into the secret; what follows it is colour codes, which cleaning
      // removes, so the window's first line would be in the kept text if it were not dropped.
      const after = rawWindowBytes(1024) - (secret.length - 6)
      const log = `${'x'.repeat(5000)}\ntoken: ${secret}\n${invisible(after - 1 - 'end\n'.length)}end\n`
      const result = await trim(log, 1024, redact)
      expect(result.cut).toBe(true)
      expect(result.text.split('\n').slice(1)).toEqual(['end'])
      for (const piece of pieces(secret)) expect(result.text).not.toContain(piece)
    })
  }

  it('redacts a private key whose BEGIN line fell before the window read', async () => {
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
      'QyNTUxOQAAACBfakekeymaterialline2xxxxxxx',
      '-----END OPENSSH PRIVATE KEY-----'
    ]
    // The window starts 5 bytes into the key's first line of material.
    const fromWindow = `${key.slice(1).join('\n').slice(5)}\n`
    const log = `${'x'.repeat(10_000)}\n${key.join('\n')}\n${invisible(rawWindowBytes(1024) - fromWindow.length - 'failed\n'.length)}failed\n`
    const result = await trim(log, 1024)
    expect(result.text).not.toMatch(/fakekeymaterial|QyNTUxOQ|PRIVATE KEY/)
    expect(result.text.split('\n').slice(1)).toEqual(['***', 'failed'])
  })

  it('reads a 50 MB stream holding only its window, copying each chunk rather than keeping it', async () => {
    const maxBytes = 64 * 1024
    // One buffer, rewritten before every yield: a trimmer that kept chunks instead of copying them would
    // show the last chunk's lines over and over.
    const chunk = Buffer.alloc(64 * 1024)
    const lineBytes = 32
    const chunks = (50 * 1024 * 1024) / chunk.length
    async function* log(): AsyncIterable<Uint8Array> {
      for (let c = 0; c < chunks; c++) {
        for (let l = 0; l < chunk.length / lineBytes; l++) {
          const n = c * (chunk.length / lineBytes) + l
          chunk.write(`\x1b[32mok\x1b[0m line ${String(n).padStart(14, '0')}\n`, l * lineBytes, 'latin1')
        }
        yield chunk
      }
    }
    const result = await trimCiLog(log(), { maxBytes, redact: noSecrets })
    expect(result.originalBytes).toBe(50 * 1024 * 1024)
    expect(result.bufferBytes).toBe(rawWindowBytes(maxBytes))
    expect(result.bufferBytes).toBeLessThan(result.originalBytes / 100)
    const lines = result.text.split('\n').slice(1)
    const last = (50 * 1024 * 1024) / lineBytes - 1
    expect(lines.at(-1)).toBe(`ok line ${String(last).padStart(14, '0')}`)
    expect(lines).toEqual(lines.map((_, i) => `ok line ${String(last - lines.length + 1 + i).padStart(14, '0')}`))
    expect(result.keptBytes).toBeLessThanOrEqual(maxBytes)
  })
})
