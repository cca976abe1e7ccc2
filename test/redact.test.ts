import { describe, expect, it } from 'vitest'
import { REDACTED, createRedactor } from '../src/report/redact.js'
import { encodedForms, leakMarkers } from './helpers/encoded-secrets.js'

const API_KEY = 'cog_Key/with+odd=chars&more0123456789'
// A session secret with white space, quotes, a backslash and non-ASCII text, so every encoding differs from it.
const PASSPHRASE = 'correct horse "battery" \\ stäple/+='

describe('createRedactor', () => {
  const redactor = createRedactor([API_KEY, PASSPHRASE])

  for (const secret of [API_KEY, PASSPHRASE]) {
    for (const [name, form] of Object.entries(encodedForms(secret))) {
      it(`redacts ${JSON.stringify(secret.slice(0, 8))}… in its ${name} form`, () => {
        const redacted = redactor.text(`error: got ${form} in the request`)
        for (const marker of leakMarkers(secret)) expect(redacted).not.toContain(marker)
        expect(redacted).toContain(REDACTED)
        expect(redacted.startsWith('error: got ')).toBe(true)
        expect(redacted.endsWith(' in the request')).toBe(true)
      })
    }
  }

  it('redacts a secret split across lines or with its white space changed', () => {
    expect(redactor.text(`key cog_Key/with+odd=\nchars&more0123456789 refused`)).toBe('key *** refused')
    expect(redactor.text(`key cog_Key/with+odd=\\r\\nchars&more0123456789 refused`)).toBe('key *** refused')
    expect(redactor.text('value correct  horse\n"battery"\t\\ stäple/+= refused')).toBe('value *** refused')
    expect(redactor.text('value correcthorse"battery"\\stäple/+= refused')).toBe('value *** refused')
  })

  it('redacts base64 wrapped across lines, as MIME wraps it', () => {
    const wrapped = Buffer.from(`user:${API_KEY}`)
      .toString('base64')
      .replace(/(.{20})/g, '$1\r\n')
    const redacted = redactor.text(`Authorization: Basic ${wrapped}`)
    for (const marker of leakMarkers(API_KEY)) expect(redacted.replace(/\s/g, '')).not.toContain(marker)
  })

  it('leaves text without a secret as it is, and redacts keys of objects too', () => {
    const text = 'Session devin-1 is running: true, 42 ACUs, https://app.devin.ai/sessions/devin-1?x=1%2F2'
    expect(redactor.text(text)).toBe(text)
    expect(redactor.deep({ [API_KEY]: [`x ${encodeURIComponent(API_KEY)}`], n: 1 })).toEqual({ [REDACTED]: [`x ${REDACTED}`], n: 1 })
  })

  it('replaces a secret that contains another whole', () => {
    const inner = createRedactor(['abcdefgh', 'abcdefgh-longer-one'])
    expect(inner.text('x abcdefgh-longer-one y abcdefgh')).toBe('x *** y ***')
  })
})
