/**
 * The legacy v1 routes (devin-api.md §2): `/v1/sessions[/{id}[/message]]`, also under the singular
 * `/v1/session/{id}` that the migration guide lists. Errors are `{detail}`; a `cog_` key gets 403, as community
 * code reports, and any other non-`apk_` key 401.
 */
import { checkKey, QueryReader } from './api.ts'
import type { ApiContext, ApiRequest } from './api.ts'
import { PERMISSION, refusedTags, tagRefusalDetail } from './config.ts'
import type { Operation } from './config.ts'
import { chooseScenario, UnknownScenarioError } from './lifecycle.ts'
import { json, v1Error } from './replies.ts'
import type { Reply } from './replies.ts'
import { StoreError } from './store.ts'
import { jsonInvalid, missingBody, missingFile, validateCreateBody, validateMessageBody } from './validate.ts'
import { v1Session, v1Summary } from './views.ts'

/** v1 documents `limit` without a maximum; the emulator caps it so one call stays cheap. */
const MAX_V1_LIMIT = 1000

interface Target {
  op: Operation
  sessionId?: string
}

export function handleV1(req: ApiRequest, ctx: ApiContext): Reply {
  const target = route(req)
  if (target === undefined) return v1Error(404, 'Not Found')
  if (target === 'method') return v1Error(405, 'Method Not Allowed')

  const key = checkKey(ctx.config, req.authorization, 'apk_')
  if (key === 'wrong-family') return v1Error(403, 'cog_ keys cannot use the v1 API; use an apk_ or apk_user_ key')
  if (key !== 'ok') return v1Error(401, 'Missing or invalid Authorization header')
  if (ctx.config.forbidden.has(target.op)) {
    return v1Error(403, `Forbidden: this key lacks the permission to ${target.op} (${PERMISSION[target.op]})`)
  }
  try {
    return dispatch(target, req, ctx)
  } catch (error) {
    if (!(error instanceof StoreError)) throw error
    return v1Error(error.code === 'not_found' ? 404 : 400, error.code === 'not_found' ? 'Session not found' : error.message)
  }
}

function route(req: ApiRequest): Target | 'method' | undefined {
  const [, collection, sessionId, sub, ...extra] = req.segments
  const allow = (method: string, op: Operation): Target | 'method' => (req.method === method ? { op, sessionId } : 'method')
  if (collection === 'attachments' && sessionId === undefined) return allow('POST', 'upload')
  if ((collection !== 'sessions' && collection !== 'session') || extra.length > 0) return undefined
  if (sessionId === undefined) {
    if (collection !== 'sessions') return undefined
    return req.method === 'POST' ? allow('POST', 'create') : allow('GET', 'list')
  }
  if (sub === undefined) return req.method === 'DELETE' ? allow('DELETE', 'terminate') : allow('GET', 'get')
  if (sub === 'message') return allow('POST', 'send-message')
  return undefined
}

function dispatch(target: Target, req: ApiRequest, ctx: ApiContext): Reply {
  const { store, config } = ctx
  const viewOptions = { structuredOutputAsString: config.v1StructuredOutputAsString }
  const id = target.sessionId ?? ''

  switch (target.op) {
    case 'create': {
      if (req.bodyInvalid) return v1Error(422, [jsonInvalid()])
      const errors = req.body === undefined ? [missingBody()] : validateCreateBody('v1', req.body)
      if (errors.length > 0) return v1Error(422, errors)
      const body = req.body as Record<string, unknown>
      const tags = (body['tags'] as string[] | null | undefined) ?? []
      const refused = refusedTags(config, tags)
      if (refused.length > 0) return v1Error(400, tagRefusalDetail(refused))
      if (body['idempotent'] === true) {
        const existing = store.findReusable(body['prompt'] as string)
        if (existing) return json({ session_id: existing.session_id, url: existing.url, is_new_session: false })
      }
      let scenario
      try {
        scenario = chooseScenario(config.scenario, tags)
      } catch (error) {
        if (error instanceof UnknownScenarioError) return v1Error(400, error.message)
        throw error
      }
      const session = store.create({ apiVersion: 'v1', body, scenario })
      // Seed 000: `is_new_session` is "only present if idempotent=true".
      const isNew = body['idempotent'] === true ? { is_new_session: true } : {}
      return json({ session_id: session.session_id, url: session.url, ...isNew })
    }

    case 'list': {
      const q = new QueryReader(req.query)
      const limit = q.int('limit', 1, MAX_V1_LIMIT) ?? 100
      const offset = q.int('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0
      if (q.errors.length > 0) return v1Error(422, q.errors)
      const sessions = store.query({ tags: q.list('tags') }, { offset, limit })
      return json({ sessions: sessions.map((s) => v1Summary(s, viewOptions)) })
    }

    case 'get':
      // Each GET moves the session one scripted state further, as on v3.
      return json(v1Session(store.advance(id), viewOptions))

    case 'send-message': {
      if (req.bodyInvalid) return v1Error(422, [jsonInvalid()])
      const errors = req.body === undefined ? [missingBody()] : validateMessageBody('v1', req.body)
      if (errors.length > 0) return v1Error(422, errors)
      store.sendMessage(id, (req.body as { message: string }).message)
      return json(null)
    }

    case 'upload': {
      const file = req.files?.find((part) => part.field === 'file')
      if (file === undefined) return v1Error(422, [req.bodyInvalid ? jsonInvalid() : missingFile()])
      // v1 answers the URL alone, as a JSON string (the v1 upload page).
      return json(store.upload({ name: file.name, contentType: file.contentType, bytes: file.bytes, apiVersion: 'v1' }).url)
    }

    case 'terminate':
      store.terminate(id)
      return json({ detail: 'Session terminated successfully' })

    default:
      return v1Error(404, 'Not Found')
  }
}
