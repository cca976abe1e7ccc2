import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../../emulator/server.ts'
import { DevinHttp } from '../../src/devin/http.js'
import { latestDevinMessage } from '../../src/devin/messages.js'
import { classifySession } from '../../src/devin/session.js'
import { createV1Api } from '../../src/devin/v1.js'
import { createV3Api } from '../../src/devin/v3.js'
import { createV3beta1Api } from '../../src/devin/v3beta1.js'
import { TEST_API_KEY } from '../helpers/action-yml.js'
import { fakeClock } from '../helpers/clock.js'

// The three adapters' message reads against the emulator over loopback (no nock here: it would sit in front of fetch).

const V1_KEY = 'apk_user_TestKey0123456789'

describe('session messages against the emulator', () => {
  const clock = fakeClock()
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator({ orgId: 'org-1', now: () => clock.now(), scenario: 'waiting_for_user', v3beta1StatusDetail: true })
  })
  afterAll(async () => {
    await emulator.close()
  })

  const client = (key: string) =>
    new DevinHttp({ baseUrl: emulator.url, apiKey: key, requestTimeoutMs: 5_000 }, { fetch: globalThis.fetch, clock, random: () => 0, debug: () => undefined })

  it.each([
    ['v3', () => createV3Api(client(TEST_API_KEY), 'org-1')],
    ['v3beta1', () => createV3beta1Api(client(TEST_API_KEY), 'org-1')],
    ['v1', () => createV1Api(client(V1_KEY))]
  ] as const)('%s: reads the question Devin asks when it waits for the user, after the prompt', async (_, make) => {
    const api = make()
    const deadline = clock.now() + 60_000
    const { session } = await api.create({ prompt: 'Fix the flaky test', tags: ['idem:messages'] }, deadline)
    // The emulator moves a session one state on with each read: new, working, then waiting with a question.
    const outcomes = []
    for (let read = 0; read < 3; read++) outcomes.push(classifySession(await api.get(session.id, deadline)))
    expect(outcomes.at(-1)).toBe('blocked')
    const messages = await api.listMessages(session.id, deadline)
    expect(messages.map(({ from, text }) => ({ from, text }))).toEqual([
      { from: 'user', text: 'Fix the flaky test' },
      { from: 'devin', text: 'Which branch should I base the fix on?' }
    ])
    expect(latestDevinMessage(messages)?.text).toBe('Which branch should I base the fix on?')
  })
})
