import { DevinHttp } from '../../src/devin/http.js'
import type { FakeClock } from './clock.js'

/** The Devin HTTP client as tests use it: global fetch (nock), a fake clock, fixed jitter, no debug log. */
export function testHttp(baseUrl: string, apiKey: string, clock: FakeClock, random = 0): DevinHttp {
  return new DevinHttp({ baseUrl, apiKey, requestTimeoutMs: 60_000 }, { fetch: globalThis.fetch, clock, random: () => random, debug: () => undefined })
}
