import { readFileSync } from 'node:fs'
// The emulator's Ajv: the schemas' `format: uri` is checked, not ignored with a warning.
import { createAjv } from '../../emulator/validate.ts'
import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { classifySession } from '../../src/devin/session.js'
import { createV3beta1Api } from '../../src/devin/v3beta1.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'
import { testHttp } from '../helpers/http.js'
import { v3SessionBody } from '../helpers/devin-fixtures.js'

const BASE = 'https://api.devin.test'
const SESSIONS = '/v3beta1/organizations/org-1/sessions'

function api() {
  const clock = fakeClock()
  const http = testHttp(BASE, TEST_API_KEY, clock)
  return { beta: createV3beta1Api(http, 'org-1'), deadline: clock.now() + 60_000 }
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('v3beta1 adapter', () => {
  it('creates with advanced_mode under /v3beta1, in a body the official v3beta1 schema accepts', async () => {
    const { beta, deadline } = api()
    let sent: Record<string, unknown> = {}
    const scope = nock(BASE)
      .post(SESSIONS, (body: Record<string, unknown>) => {
        sent = body
        return true
      })
      .reply(200, v3SessionBody({ session_id: 'devin-b', status: 'new' }))
    const created = await beta.create(
      {
        prompt: 'Analyze these',
        tags: ['idem:1'],
        advancedMode: 'analyze',
        sessionLinks: ['https://app.devin.ai/sessions/devin-1'],
        bypassApproval: true,
        childPlaybookId: 'pb-2',
        repos: ['o/r']
      },
      deadline
    )
    expect(scope.isDone()).toBe(true)
    expect(sent).toEqual({
      prompt: 'Analyze these',
      tags: ['idem:1'],
      advanced_mode: 'analyze',
      session_links: ['https://app.devin.ai/sessions/devin-1'],
      bypass_approval: true,
      child_playbook_id: 'pb-2',
      repos: ['o/r']
    })
    const schema = JSON.parse(readFileSync(new URL('../../emulator/schemas/v3beta1-create-session.json', import.meta.url), 'utf8')) as object
    const validate = createAjv().compile(schema)
    expect(validate(sent), JSON.stringify(validate.errors)).toBe(true)
    expect(created.session.id).toBe('devin-b')
    expect(beta.version).toBe('v3beta1')
  })

  it('reads the status alone when status_detail is missing', async () => {
    const { beta, deadline } = api()
    const without = (status: string) => {
      const body = v3SessionBody({ session_id: 'devin-b', status })
      delete body.status_detail
      return body
    }
    nock(BASE)
      .get(`${SESSIONS}/devin-b`)
      .reply(200, without('running'))
      .get(`${SESSIONS}/devin-b`)
      .reply(200, without('exit'))
      .get(`${SESSIONS}/devin-b`)
      .reply(200, v3SessionBody({ session_id: 'devin-b', status: 'running', status_detail: 'finished' }))
    expect(classifySession(await beta.get('devin-b', deadline))).toBe('running')
    expect(classifySession(await beta.get('devin-b', deadline))).toBe('exited')
    expect(classifySession(await beta.get('devin-b', deadline))).toBe('finished')
  })

  it('names the UseDevinExpert permission when an advanced session is refused', async () => {
    const { beta, deadline } = api()
    nock(BASE).post(SESSIONS).reply(403, { detail: 'Forbidden' })
    await expect(beta.create({ prompt: 'p', tags: [], advancedMode: 'manage' }, deadline)).rejects.toThrow(
      'Give its service user the ManageOrgSessions and UseDevinExpert permission'
    )
  })
})
