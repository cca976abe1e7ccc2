/**
 * The v3 and v3beta1 routes (devin-api.md §1, §3): sessions under `/{version}/organizations/{org_id}/sessions`
 * and `GET /v3/self`. Both versions share the session model; they differ in the create schema and the response
 * view. Checks run in this order: route, method, key (401), organization (404), permission (403), body (422).
 */
import { checkKey, QueryReader } from './api.ts'
import type { ApiContext, ApiRequest } from './api.ts'
import { PERMISSION, refusedTags, tagRefusalDetail } from './config.ts'
import type { Operation } from './config.ts'
import { chooseScenario, UnknownScenarioError } from './lifecycle.ts'
import { json, problem, validationProblem } from './replies.ts'
import type { Reply } from './replies.ts'
import { ReviewStore } from './reviews.ts'
import { MAX_PAGE_SIZE, StoreError } from './store.ts'
import type { Session } from './store.ts'
import { jsonInvalid, missingBody, missingFile, validateCreateBody, validateMessageBody } from './validate.ts'
import { v3beta1Session, v3Message, v3Session } from './views.ts'

export type V3Version = 'v3' | 'v3beta1'

/** `platform` values that always work: they select the parent's or the org's default (seed 004). */
const BUILT_IN_PLATFORMS = ['inherit', 'default']

interface Target {
  op: Operation
  orgId?: string
  sessionId?: string
}

export function handleV3(version: V3Version, req: ApiRequest, ctx: ApiContext): Reply {
  const target = route(version, req)
  if (target === undefined) return problem(404, 'Not Found', req.path)
  if (target === 'method') return problem(405, 'Method Not Allowed', req.path)

  const key = checkKey(ctx.config, req.authorization, 'cog_')
  if (key !== 'ok') {
    const detail = key === 'missing' ? 'Missing or invalid Authorization header' : `Invalid API key: ${version} needs a service user credential (cog_...)`
    return problem(401, detail, req.path)
  }
  if (target.orgId !== undefined && target.orgId !== ctx.config.orgId) {
    return problem(404, `Organization ${target.orgId} not found`, req.path)
  }
  if (ctx.config.forbidden.has(target.op)) {
    return problem(403, `The service user lacks the ${PERMISSION[target.op]} permission`, req.path)
  }
  try {
    return dispatch(version, target, req, ctx)
  } catch (error) {
    if (!(error instanceof StoreError)) throw error
    if (error.code === 'not_found') return problem(404, error.message, req.path)
    return problem(400, error.message, req.path)
  }
}

function route(version: V3Version, req: ApiRequest): Target | 'method' | undefined {
  const [, first, orgId, collection, sessionId, sub, ...extra] = req.segments
  const allow = (method: string, op: Operation): Target | 'method' => {
    if (req.method !== method) return 'method'
    return { op, orgId, sessionId }
  }
  if (version === 'v3' && first === 'self' && req.segments.length === 2) return allow('GET', 'self')
  // Uploads (devin-api.md §9.1): POST {version}/organizations/{org_id}/attachments, on v3 and v3beta1 alike.
  if (first === 'organizations' && orgId && collection === 'attachments' && sessionId === undefined) return allow('POST', 'upload')
  if (version === 'v3' && first === 'organizations' && orgId && collection === 'pr-reviews' && sessionId === undefined) {
    return req.method === 'POST' ? allow('POST', 'review-create') : allow('GET', 'review-get')
  }
  if (first !== 'organizations' || !orgId || collection !== 'sessions' || extra.length > 0) return undefined
  if (sessionId === undefined) return req.method === 'POST' ? allow('POST', 'create') : allow('GET', 'list')
  if (sub === undefined) return req.method === 'DELETE' ? allow('DELETE', 'terminate') : allow('GET', 'get')
  if (sub === 'messages') return req.method === 'POST' ? allow('POST', 'send-message') : allow('GET', 'list-messages')
  return undefined
}

function dispatch(version: V3Version, target: Target, req: ApiRequest, ctx: ApiContext): Reply {
  const { store, config } = ctx
  const view = (s: Session, populated: boolean) =>
    version === 'v3'
      ? v3Session(s, { populated, serviceUserId: config.serviceUserId })
      : v3beta1Session(s, { populated, statusDetail: config.v3beta1StatusDetail })
  const id = target.sessionId ?? ''

  switch (target.op) {
    case 'self':
      return json({
        principal_type: 'service_user',
        service_user_id: config.serviceUserId,
        service_user_name: config.serviceUserName,
        org_id: config.selfOrgId
      })

    case 'create': {
      if (req.bodyInvalid) return validationProblem([jsonInvalid()], req.path)
      const errors = req.body === undefined ? [missingBody()] : validateCreateBody(version, req.body)
      if (errors.length > 0) return validationProblem(errors, req.path)
      const body = req.body as Record<string, unknown>
      const refused = refusedTags(config, (body['tags'] as string[] | null | undefined) ?? [])
      if (refused.length > 0) return problem(400, tagRefusalDetail(refused), req.path)
      const platform = body['platform']
      const platforms = [...BUILT_IN_PLATFORMS, ...config.platforms]
      if (typeof platform === 'string' && !platforms.some((p) => p.toLowerCase() === platform.toLowerCase())) {
        return problem(400, `Unknown platform '${platform}'. Available platforms: ${config.platforms.join(', ')}`, req.path)
      }
      let scenario
      try {
        scenario = chooseScenario(config.scenario, body['tags'] as string[] | null | undefined)
      } catch (error) {
        if (error instanceof UnknownScenarioError) return problem(400, error.message, req.path)
        throw error
      }
      return json(view(store.create({ apiVersion: version, body, scenario }), false))
    }

    case 'list': {
      const q = new QueryReader(req.query)
      const first = q.int('first', 1, MAX_PAGE_SIZE)
      const isArchived = q.bool('is_archived')
      const createdAfter = q.int('created_after', 0, Number.MAX_SAFE_INTEGER)
      const createdBefore = q.int('created_before', 0, Number.MAX_SAFE_INTEGER)
      if (q.errors.length > 0) return validationProblem(q.errors, req.path)
      const sessionIds = q.list('session_ids')
      const page = store.list({
        tags: q.list('tags'),
        sessionIds: sessionIds.length > 0 ? sessionIds : undefined,
        isArchived,
        createdAfter,
        createdBefore,
        first,
        after: q.string('after')
      })
      return json({ ...page, items: page.items.map((s) => view(s, true)) })
    }

    case 'get':
      // Each GET moves the session one scripted state further: that is what makes polling deterministic.
      return json(view(store.advance(id), true))

    case 'send-message': {
      if (req.bodyInvalid) return validationProblem([jsonInvalid()], req.path)
      const errors = req.body === undefined ? [missingBody()] : validateMessageBody(version, req.body)
      if (errors.length > 0) return validationProblem(errors, req.path)
      const text = (req.body as { message: string }).message
      const session = store.sendMessage(id, text)
      return json(view(session, false))
    }

    case 'list-messages': {
      const q = new QueryReader(req.query)
      const first = q.int('first', 1, MAX_PAGE_SIZE)
      if (q.errors.length > 0) return validationProblem(q.errors, req.path)
      const page = store.messages(id, { first, after: q.string('after') })
      return json({ ...page, items: page.items.map(v3Message) })
    }

    case 'upload': {
      const file = req.files?.find((part) => part.field === 'file')
      if (file === undefined) return validationProblem([req.bodyInvalid ? jsonInvalid() : missingFile()], req.path)
      const attachment = store.upload({ name: file.name, contentType: file.contentType, bytes: file.bytes, apiVersion: version })
      return json({ attachment_id: attachment.attachment_id, name: attachment.name, url: attachment.url })
    }

    case 'review-create': {
      if (req.bodyInvalid) return validationProblem([jsonInvalid()], req.path)
      const prUrl = (req.body as { pr_url?: unknown } | undefined)?.pr_url
      if (typeof prUrl !== 'string' || !ReviewStore.isPullRequestUrl(prUrl)) {
        return validationProblem([{ loc: ['body', 'pr_url'], msg: 'pr_url must be a GitHub pull request URL', type: 'value_error' }], req.path)
      }
      return json(store.reviews.request(prUrl))
    }

    case 'review-get': {
      const q = new QueryReader(req.query)
      const prUrl = q.string('pr_url')
      if (prUrl === undefined) return validationProblem([{ loc: ['query', 'pr_url'], msg: 'Field required', type: 'missing' }], req.path)
      const found = store.reviews.find(prUrl, q.string('commit_sha'))
      return found === undefined ? problem(404, `No review found for ${prUrl}`, req.path) : json(found)
    }

    case 'terminate': {
      const q = new QueryReader(req.query)
      const archive = q.bool('archive')
      if (q.errors.length > 0) return validationProblem(q.errors, req.path)
      return json(view(store.terminate(id, { archive }), false))
    }
  }
}
