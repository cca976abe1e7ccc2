/**
 * The emulator's HTTP transport: listens on 127.0.0.1 only, records every API request, injects faults, hands
 * the request to the version's routes, and serves the `/_emulator/*` control endpoints. It knows nothing about
 * sessions itself; see api-v3.ts, api-v1.ts and store.ts.
 */
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ApiContext, ApiRequest, UploadedPart } from './api.ts'
import { handleV1 } from './api-v1.ts'
import { handleV3 } from './api-v3.ts'
import { applyConfigPatch, configToJson, defaultConfig } from './config.ts'
import type { ConfigPatch, EmulatorConfig } from './config.ts'
import { checkFaultSpec, Faults, faultToJson } from './faults.ts'
import type { Fault } from './faults.ts'
import { getScenario, scenarioNames } from './lifecycle.ts'
import { json, problem, v1Error } from './replies.ts'
import type { Reply } from './replies.ts'
import { RequestLog } from './request-log.ts'
import type { RecordedRequest } from './request-log.ts'
import { Store } from './store.ts'

export interface EmulatorOptions extends ConfigPatch {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Milliseconds a new session stays hidden from list results. Default 0. */
  listLagMs?: number
  /** The clock (milliseconds since the epoch) for sessions, the list lag and the request log. */
  now?: () => number
  /** Called once per API request after it was answered or dropped (e.g. to print a log line). */
  onRequest?: (request: RecordedRequest) => void
  /** Called the moment a request arrives, before its body is read (for timing, e.g. the benchmark), with its method and path. */
  onArrival?: (request: { method: string; path: string; query: URLSearchParams }) => void
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`, the value for the action's `api-url`. */
  readonly url: string
  readonly store: Store
  readonly requests: RequestLog
  readonly faults: Faults
  /** The live configuration; change it with configure() or setScenario(). */
  readonly config: Readonly<EmulatorConfig>
  /** The scenario for new sessions without an `emulator-scenario:<name>` tag; throws on an unknown name. */
  setScenario(name: string): void
  /** Changes the configuration (same fields as the options, and as `POST /_emulator/config`). */
  configure(patch: ConfigPatch & { listLagMs?: number }): void
  /** Back to the state at start: no sessions, requests or faults, and the initial configuration. */
  reset(): void
  /** Stops listening, drops open connections and pending delayed answers. Safe to call twice. */
  close(): Promise<void>
}

/** Largest request body read; a bigger one is answered 413 without being parsed. */
const MAX_BODY_BYTES = 1024 * 1024
/** Largest multipart body (an attachment upload): the action keeps at most 10 MiB of a log, plus the form's framing. */
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024
const CONTROL_PREFIX = '/_emulator/'

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { port = 0, listLagMs = 0, now = Date.now, onRequest, onArrival, ...patch } = options
  const initialConfig = defaultConfig()
  applyConfigPatch(initialConfig, patch)
  const config: EmulatorConfig = structuredClone(initialConfig)
  const store = new Store({ orgId: config.orgId, now, listLagMs })
  const requests = new RequestLog(now)
  const faults = new Faults()
  const context: ApiContext = { store, config }
  const delayed = new Set<NodeJS.Timeout>()

  const configure = (input: unknown): void => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('config must be an object')
    const { listLagMs: lag, ...rest } = input as Record<string, unknown>
    if (lag !== undefined && (typeof lag !== 'number' || !Number.isFinite(lag) || lag < 0)) {
      throw new TypeError('listLagMs must be a number >= 0')
    }
    // Sessions carry their org id, so the org is fixed for the emulator's lifetime.
    if ('orgId' in rest) throw new TypeError('orgId can only be set when the emulator starts')
    applyConfigPatch(config, rest)
    if (lag !== undefined) store.listLagMs = lag
  }

  const reset = (): void => {
    store.clear()
    requests.clear()
    faults.clear()
    Object.assign(config, structuredClone(initialConfig))
    store.listLagMs = listLagMs
  }

  const server = createServer((req, res) => {
    if (onArrival !== undefined) {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      onArrival({ method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.searchParams })
    }
    handle(req, res).catch((error: unknown) => {
      // Reaching here is an emulator bug; answer it visibly rather than hanging the client.
      if (!res.headersSent && !res.destroyed) send(res, problem(500, `Emulator error: ${String(error)}`, req.url ?? ''))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const contentType = req.headers['content-type'] ?? ''
    const multipart = /^multipart\/form-data\b/i.test(contentType)
    const raw = await readBody(req, multipart ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES)
    const files = multipart && !raw.tooLarge ? await parseMultipart(raw.bytes, contentType) : undefined
    const parsed: ParsedBody = multipart ? { value: undefined, invalid: files === undefined && !raw.tooLarge } : parseJson(raw.bytes.toString('utf8'))

    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      send(res, control(method, url.pathname.slice(CONTROL_PREFIX.length), parsed))
      return
    }

    const entry = requests.record({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      // An upload is logged by its parts' names, types and sizes; its bytes are in the store.
      body:
        files !== undefined
          ? { parts: files.map((part) => ({ field: part.field, name: part.name, contentType: part.contentType, size: part.bytes.length })) }
          : parsed.invalid
            ? raw.bytes.toString('utf8')
            : parsed.value
    })
    const finish = (status?: number) => {
      if (status !== undefined) entry.status = status
      onRequest?.(entry)
    }
    const fault = faults.take(method, url.pathname)
    if (fault) entry.fault = fault.kind

    if (fault?.kind === 'drop-before') {
      req.socket.destroy()
      finish()
      return
    }
    if (fault?.kind === 'status' && !fault.acted) {
      finish(send(res, faultReply(fault, url.pathname)))
      return
    }
    if (fault?.kind === 'answer' && !fault.acted) {
      finish(send(res, answerReply(fault)))
      return
    }

    const reply = raw.tooLarge
      ? problem(413, `Request body larger than ${multipart ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES} bytes`, url.pathname)
      : act({
          method,
          path: url.pathname,
          segments: segmentsOf(url.pathname),
          query: url.searchParams,
          body: parsed.value,
          bodyInvalid: parsed.invalid,
          files,
          authorization: req.headers.authorization
        })

    if (fault?.kind === 'drop-after') {
      req.socket.destroy()
      finish()
    } else if (fault?.kind === 'status') {
      finish(send(res, faultReply(fault, url.pathname)))
    } else if (fault?.kind === 'answer') {
      finish(send(res, answerReply(fault)))
    } else if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        delayed.delete(timer)
        finish(send(res, reply))
      }, fault.ms)
      delayed.add(timer)
    } else {
      finish(send(res, reply))
    }
  }

  function act(req: ApiRequest): Reply {
    const version = req.segments[0]
    if (version === 'v3' || version === 'v3beta1') return handleV3(version, req, context)
    if (version === 'v1') return handleV1(req, context)
    return problem(404, 'Not Found', req.path)
  }

  function control(method: string, name: string, parsed: ParsedBody): Reply {
    try {
      if (parsed.invalid) throw new TypeError('the body is not valid JSON')
      const body = parsed.value as Record<string, unknown> | undefined
      switch (`${method} ${name}`) {
        case 'GET requests':
          return json({ requests: requests.all() })
        case 'DELETE requests':
          requests.clear()
          return json({ requests: [] })
        case 'GET faults':
          return json({ faults: faults.pending().map(faultToJson) })
        case 'POST faults': {
          // One fault or a list; all are checked before any is added.
          const specs: unknown[] = Array.isArray(body) ? body : [body]
          specs.forEach((spec) => checkFaultSpec(spec))
          for (const spec of specs) faults.add(spec as Parameters<Faults['add']>[0])
          return json({ faults: faults.pending().map(faultToJson) })
        }
        case 'DELETE faults':
          faults.clear()
          return json({ faults: [] })
        case 'GET scenarios': {
          const scenarios = scenarioNames().map((n) => ({ name: n, description: getScenario(n).description }))
          return json({ default: config.scenario, scenarios })
        }
        case 'POST scenario':
          if (typeof body?.['name'] !== 'string') throw new TypeError('expected {"name": "<scenario>"}')
          configure({ scenario: body['name'] })
          return json({ scenario: config.scenario })
        case 'GET config':
          return json({ ...configToJson(config), listLagMs: store.listLagMs })
        case 'POST config':
          configure(body)
          return json({ ...configToJson(config), listLagMs: store.listLagMs })
        case 'POST sessions': {
          // One seed or a list, as store.seed takes them: sessions as they stand, for budgets and caps to count.
          const seeds: unknown[] = Array.isArray(body) ? body : [body]
          if (!seeds.every((seed) => seed !== null && typeof seed === 'object' && !Array.isArray(seed)))
            throw new TypeError('expected a session or a list of them')
          return json({
            sessions: store.seed(seeds as Parameters<Store['seed']>[0]).map((s) => ({ session_id: s.session_id, tags: s.tags, created_at: s.created_at }))
          })
        }
        case 'POST reset':
          reset()
          return json({ reset: true })
        default:
          return json({ error: `No control endpoint ${method} ${CONTROL_PREFIX}${name}` }, 404)
      }
    } catch (error) {
      return json({ error: error instanceof Error ? error.message : String(error) }, 400)
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    // Loopback only: the emulator accepts any key of the right shape and must never be reachable from outside.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  let closing: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${address.port}`,
    store,
    requests,
    faults,
    config,
    setScenario: (name) => configure({ scenario: name }),
    configure,
    reset,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of delayed) clearTimeout(timer)
        delayed.clear()
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive connections would otherwise hold close() open until they time out.
        server.closeAllConnections()
      })
      return closing
    }
  }
}

interface ParsedBody {
  value: unknown
  invalid: boolean
}

function parseJson(text: string): ParsedBody {
  if (text === '') return { value: undefined, invalid: false }
  try {
    return { value: JSON.parse(text) as unknown, invalid: false }
  } catch {
    return { value: undefined, invalid: true }
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    // Past the limit, keep draining the stream (so the client can read the 413) without keeping the bytes.
    if (size <= limit) chunks.push(chunk)
  }
  return { bytes: Buffer.concat(chunks), tooLarge: size > limit }
}

/**
 * The file parts of a multipart/form-data body, read by the platform's own parser (the one a server built on
 * fetch's Request would use); undefined when the body is not valid multipart. Text fields are left out: the
 * upload endpoints take files alone.
 */
async function parseMultipart(bytes: Buffer, contentType: string): Promise<UploadedPart[] | undefined> {
  let form: FormData
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
  } catch {
    return undefined
  }
  const parts: UploadedPart[] = []
  for (const [field, value] of form) {
    if (typeof value === 'string') continue
    parts.push({ field, name: value.name, contentType: value.type, bytes: new Uint8Array(await value.arrayBuffer()) })
  }
  return parts
}

function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
}

/** The error a `status` fault answers: the API family's error body unless the fault gives its own. */
function faultReply(fault: Extract<Fault, { kind: 'status' }>, path: string): Reply {
  const headers: Record<string, string> = {}
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  if (fault.body !== undefined) {
    if (typeof fault.body === 'string') headers['content-type'] = 'text/plain; charset=utf-8'
    return { status: fault.status, body: fault.body, headers }
  }
  const detail = `Emulated fault: ${fault.status} ${STATUS_CODES[fault.status] ?? ''}`.trim()
  const base = path.startsWith('/v1/') ? v1Error(fault.status, detail) : problem(fault.status, detail, path)
  return { ...base, headers: { ...base.headers, ...headers } }
}

/** What an `answer` fault sends: its text as it is, under a success status. */
function answerReply(fault: Extract<Fault, { kind: 'answer' }>): Reply {
  return { status: fault.status ?? 200, body: fault.text, headers: { 'content-type': fault.contentType ?? 'application/json' }, raw: true }
}

/** Writes the reply unless the client is gone; returns the status sent. */
function send(res: ServerResponse, reply: Reply): number | undefined {
  if (res.destroyed || res.writableEnded) return undefined
  const contentType = reply.headers?.['content-type'] ?? 'application/json'
  const text = typeof reply.body === 'string' && (reply.raw === true || contentType.startsWith('text/')) ? reply.body : JSON.stringify(reply.body)
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
  return reply.status
}
