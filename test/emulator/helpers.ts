/** Shared by the emulator tests: start an emulator per test and call it over loopback with fetch. */
import { afterEach } from 'vitest'
import { startEmulator } from '../../emulator/server.ts'
import type { Emulator, EmulatorOptions } from '../../emulator/server.ts'

export const COG = 'Bearer cog_test_key'
export const APK = 'Bearer apk_test_key'
export const ORG = 'org-emulator'
export const SESSIONS = `/v3/organizations/${ORG}/sessions`

const running: Emulator[] = []

/** Starts an emulator that is closed after the current test, whatever its outcome. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const started = await startEmulator(options)
  running.push(started)
  return started
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
})

export interface CallResult {
  status: number
  headers: Headers
  body: any
}

export interface CallOptions {
  body?: unknown
  /** The Authorization header; null sends none. Default: a cog_ key. */
  auth?: string | null
  /** Raw body text, sent as is (for invalid JSON). */
  raw?: string
  signal?: AbortSignal
}

/** One request to the emulator; the body is parsed as JSON when it is JSON. */
export async function call(e: Emulator, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {}
  const auth = options.auth === undefined ? COG : options.auth
  if (auth !== null) headers['authorization'] = auth
  let body: string | undefined = options.raw
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  const res = await fetch(`${e.url}${path}`, { method, headers, body, signal: options.signal })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed }
}

/** Creates a v3 session and returns its response body. */
export async function createV3(e: Emulator, body: Record<string, unknown> = { prompt: 'Fix the flaky test' }) {
  const res = await call(e, 'POST', SESSIONS, { body })
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { session_id: string; url: string; status: string; [k: string]: unknown }
}

/** GETs a v3 session `times` times and returns `status/status_detail` of each answer. */
export async function poll(e: Emulator, id: string, times: number): Promise<string[]> {
  const seen: string[] = []
  for (let i = 0; i < times; i++) {
    const res = await call(e, 'GET', `${SESSIONS}/${id}`)
    seen.push(`${res.body.status}/${res.body.status_detail}`)
  }
  return seen
}
