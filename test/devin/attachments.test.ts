import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AttachmentFile } from '../../src/devin/api.js'
import { DevinApiError } from '../../src/devin/errors.js'
import { createV1Api, v1CreateBody } from '../../src/devin/v1.js'
import { createV3Api } from '../../src/devin/v3.js'
import { createV3beta1Api } from '../../src/devin/v3beta1.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'

// Uploading an attachment on each API version: a multipart/form-data body with one part, the field `file`,
// carrying the file's name, type and bytes; the answer's URL; and the failures a user must be able to act on.

const BASE = 'https://api.devin.test'
const V1_KEY = 'apk_test_0123456789abcdef'
const file: AttachmentFile = { name: 'ci-log-build-linux.txt', bytes: new TextEncoder().encode('error: test failed\nline 2\n'), contentType: 'text/plain' }

function apis() {
  const clock = fakeClock()
  const deadline = clock.now() + 60_000
  return {
    clock,
    deadline,
    v3: createV3Api(testHttp(BASE, TEST_API_KEY, clock), 'org-1'),
    v3beta1: createV3beta1Api(testHttp(BASE, TEST_API_KEY, clock), 'org-1'),
    v1: createV1Api(testHttp(BASE, V1_KEY, clock))
  }
}

interface Captured {
  contentType: string
  body: string
}

/** Reads a multipart body back with the platform's own parser: what Devin's server would see. */
async function parts(captured: Captured): Promise<FormData> {
  return new Response(captured.body, { headers: { 'content-type': captured.contentType } }).formData()
}

/** Answers one POST to `path`, keeping its content type and body (nock hands a body it cannot parse as JSON as text). */
function capture(path: string, status: number, answer: unknown, into: Captured[]): nock.Scope {
  let contentType = ''
  return nock(BASE, {
    reqheaders: {
      'content-type': (value: string) => {
        contentType = value
        return true
      }
    }
  })
    .post(path, (body: unknown) => {
      into.push({ contentType, body: String(body) })
      return true
    })
    .reply(status, answer as nock.Body)
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('uploadAttachment', () => {
  const cases = [
    {
      version: 'v3',
      path: '/v3/organizations/org-1/attachments',
      answer: { attachment_id: 'att-1', name: file.name, url: 'https://storage.devin.test/att-1/ci.txt' }
    },
    {
      version: 'v3beta1',
      path: '/v3beta1/organizations/org-1/attachments',
      answer: { attachment_id: 'att-1', name: file.name, url: 'https://storage.devin.test/att-1/ci.txt' }
    },
    // v1 answers the URL itself, as a JSON string.
    { version: 'v1', path: '/v1/attachments', answer: JSON.stringify('https://storage.devin.test/att-1/ci.txt') }
  ] as const

  for (const { version, path, answer } of cases) {
    it(`${version}: posts one multipart part "file" with the name, type and bytes, and returns the URL`, async () => {
      const all = apis()
      const captured: Captured[] = []
      const scope = capture(path, 200, answer, captured)
      const url = await all[version].uploadAttachment(file, all.deadline)
      expect(url).toBe('https://storage.devin.test/att-1/ci.txt')
      expect(scope.isDone()).toBe(true)
      expect(captured).toHaveLength(1)
      const [sent] = captured as [Captured]
      expect(sent.contentType).toMatch(/^multipart\/form-data; boundary=/)
      const form = await parts(sent)
      expect([...form.keys()]).toEqual(['file'])
      const part = form.get('file') as File
      expect(part.name).toBe('ci-log-build-linux.txt')
      expect(part.type).toBe('text/plain')
      expect(await part.text()).toBe('error: test failed\nline 2\n')
    })
  }

  it('v3: a 403 names the UseDevinSessions permission', async () => {
    const all = apis()
    nock(BASE).post('/v3/organizations/org-1/attachments').reply(403, { detail: 'Forbidden' })
    await expect(all.v3.uploadAttachment(file, all.deadline)).rejects.toThrow(
      /not allowed to upload the attachment "ci-log-build-linux\.txt" \(403 Forbidden\).*the UseDevinSessions permission/
    )
  })

  it('is not sent again after a failure that may have reached Devin (a 5xx), but is after one that never did', async () => {
    const all = apis()
    let posts = 0
    nock(BASE)
      .post('/v3/organizations/org-1/attachments')
      .times(5)
      .reply(() => {
        posts++
        return [502, { detail: 'bad gateway' }]
      })
    const error = await all.v3.uploadAttachment(file, all.deadline).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DevinApiError)
    expect((error as DevinApiError).reached).toBe('maybe')
    expect(posts).toBe(1)

    nock.cleanAll()
    // A 429 is Devin's rate limit: it may hide a completed upload too, so it is not repeated either.
    let limited = 0
    nock(BASE)
      .post('/v3/organizations/org-1/attachments')
      .times(5)
      .reply(() => {
        limited++
        return [429, { detail: 'slow down' }]
      })
    await expect(all.v3.uploadAttachment(file, all.deadline)).rejects.toThrow(/429/)
    expect(limited).toBe(1)
  })

  it('reads an answer without a URL as a failure, never as a URL', async () => {
    const all = apis()
    nock(BASE).post('/v3/organizations/org-1/attachments').reply(200, { attachment_id: 'att-1', name: file.name })
    await expect(all.v3.uploadAttachment(file, all.deadline)).rejects.toThrow(
      /upload the attachment "ci-log-build-linux\.txt", not the JSON the action expects/
    )
    nock(BASE).post('/v1/attachments').reply(200, '<html>proxy</html>')
    await expect(all.v1.uploadAttachment(file, all.deadline)).rejects.toThrow(/HTML page when trying to upload the attachment/)
  })
})

describe('v1 create body with attachments', () => {
  it('names each attachment on its own ATTACHMENT:"<url>" line after the prompt (v1 has no attachment_urls)', () => {
    const body = v1CreateBody({ prompt: 'Fix CI', tags: [], attachmentUrls: ['https://storage.devin.test/a.txt', 'https://storage.devin.test/b.txt'] })
    expect(body.prompt).toBe('Fix CI\n\nATTACHMENT:"https://storage.devin.test/a.txt"\nATTACHMENT:"https://storage.devin.test/b.txt"')
    expect(body).not.toHaveProperty('attachment_urls')
    expect(v1CreateBody({ prompt: 'Fix CI', tags: [] }).prompt).toBe('Fix CI')
  })
})
