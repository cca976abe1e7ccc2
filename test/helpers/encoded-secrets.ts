/**
 * The forms in which an API may echo a secret back: as written, JSON-escaped, URL-encoded (as
 * encodeURIComponent and as a form body), base64 in both alphabets with and without padding, and
 * base64 of the secret inside a longer value at each of the three alignments (`Basic base64(user:key)`).
 * Each is named, so a failing test says which form leaked.
 */
export function encodedForms(secret: string): Record<string, string> {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')
  const urlSafe = (text: string) => text.replace(/\+/g, '-').replace(/\//g, '_')
  const forms: Record<string, string> = {
    plain: secret,
    json: JSON.stringify(secret).slice(1, -1),
    'json ascii': JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent: encodeURIComponent(secret),
    'form encoding': new URLSearchParams({ v: secret }).toString().slice(2),
    'percent-encoding, lower-case hex': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    base64: base64(secret),
    'base64 unpadded': base64(secret).replace(/=+$/, ''),
    base64url: urlSafe(base64(secret)),
    'base64url unpadded': urlSafe(base64(secret)).replace(/=+$/, '')
  }
  for (const user of ['', 'u', 'us', 'usr']) {
    // `user:` shifts the secret by 1, 2, 3 (≡ 0), 4 (≡ 1) bytes inside the encoded value.
    forms[`Basic base64(${user}:secret)`] = `Basic ${base64(`${user}:${secret}`)}`
    forms[`base64url(${user}:secret) in a URL`] = `https://example.com/?auth=${urlSafe(base64(`${user}:${secret}:tail`))}`
  }
  return forms
}

/**
 * Pieces of each encoded form long enough to give the secret away: the whole form and, for base64, the
 * run of characters that only the secret determines. A test asserts none of them is visible.
 */
export function leakMarkers(secret: string): string[] {
  const markers = new Set<string>()
  for (const form of Object.values(encodedForms(secret))) markers.add(form.replace(/^Basic |^https:\/\/example\.com\/\?auth=/, ''))
  const bytes = Buffer.from(secret, 'utf8')
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6))
    markers.add(core)
    markers.add(core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return [...markers]
}
