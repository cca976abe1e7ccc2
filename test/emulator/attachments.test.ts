import { describe, expect, it } from 'vitest'
import { APK, COG, emulator, ORG } from './helpers.ts'
import type { Emulator } from '../../emulator/server.ts'

// Attachment uploads on the emulator: multipart/form-data with the field `file` on every version, the bytes kept
// as received, the answer each version gives, the 403 of a key without UseDevinSessions, and faults.

const bytes = new Uint8Array([...new TextEncoder().encode('line 1\nline 2\n'), 0xff, 0x00])

async function upload(e: Emulator, path: string, auth: string, field = 'file'): Promise<{ status: number; body: any }> {
  const form = new FormData()
  form.append(field, new Blob([bytes], { type: 'text/plain' }), 'ci-log-build.txt')
  const res = await fetch(`${e.url}${path}`, { method: 'POST', headers: { authorization: auth }, body: form })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

describe('attachment uploads', () => {
  for (const version of ['v3', 'v3beta1'] as const) {
    it(`${version}: keeps the file's name, type and exact bytes, and answers {attachment_id, name, url}`, async () => {
      const e = await emulator()
      const res = await upload(e, `/${version}/organizations/${ORG}/attachments`, COG)
      expect(res.status).toBe(200)
      const [kept] = e.store.attachments
      expect(kept).toMatchObject({ name: 'ci-log-build.txt', content_type: 'text/plain', api_version: version })
      expect([...(kept?.bytes ?? [])]).toEqual([...bytes])
      expect(res.body).toEqual({ attachment_id: kept?.attachment_id, name: 'ci-log-build.txt', url: kept?.url })
      expect(kept?.url).toMatch(/^https:\/\/\S+\/ci-log-build\.txt$/)
      // The log shows the part, not the bytes.
      expect(e.requests.last('POST')?.body).toEqual({ parts: [{ field: 'file', name: 'ci-log-build.txt', contentType: 'text/plain', size: bytes.length }] })
    })
  }

  it('v1: answers the URL alone, as a JSON string', async () => {
    const e = await emulator()
    const res = await upload(e, '/v1/attachments', APK)
    expect(res.status).toBe(200)
    expect(res.body).toBe(e.store.attachments[0]?.url)
  })

  it('refuses an upload without a `file` part (422), a JSON body, another org (404) and the wrong key family', async () => {
    const e = await emulator()
    const wrongField = await upload(e, `/v3/organizations/${ORG}/attachments`, COG, 'upload')
    expect(wrongField.status).toBe(422)
    expect(wrongField.body.errors).toEqual([{ loc: ['body', 'file'], type: 'missing', msg: 'Field required' }])
    const json = await fetch(`${e.url}/v3/organizations/${ORG}/attachments`, {
      method: 'POST',
      headers: { authorization: COG, 'content-type': 'application/json' },
      body: '{"file": "x"}'
    })
    expect(json.status).toBe(422)
    expect((await upload(e, '/v3/organizations/org-other/attachments', COG)).status).toBe(404)
    expect((await upload(e, '/v1/attachments', COG)).status).toBe(403)
    expect(e.store.attachments).toEqual([])
  })

  it("forbidden: ['upload'] answers 403 naming UseDevinSessions, on v3 and v1", async () => {
    const e = await emulator({ forbidden: ['upload'] })
    const v3 = await upload(e, `/v3/organizations/${ORG}/attachments`, COG)
    expect(v3.status).toBe(403)
    expect(v3.body.detail).toContain('UseDevinSessions')
    const v1 = await upload(e, '/v1/attachments', APK)
    expect(v1.status).toBe(403)
    expect(v1.body.detail).toContain('UseDevinSessions')
    expect(e.store.attachments).toEqual([])
  })

  it('applies faults: drop-after keeps the file and answers nothing; a 500 without acting keeps nothing', async () => {
    const e = await emulator()
    e.faults.add({ kind: 'drop-after', method: 'POST', path: '/attachments$' })
    await expect(upload(e, `/v3/organizations/${ORG}/attachments`, COG)).rejects.toThrow()
    expect(e.store.attachments).toHaveLength(1)
    e.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/attachments$' })
    expect((await upload(e, `/v3/organizations/${ORG}/attachments`, COG)).status).toBe(500)
    expect(e.store.attachments).toHaveLength(1)
  })
})
