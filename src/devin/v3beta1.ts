import type { DevinApi } from './api.js'
import type { DevinHttp } from './http.js'
import type { SessionRequest } from './session.js'
import { orgSessionsApi, v3CreateBody } from './v3.js'

/** Fields v3 has that the v3beta1 create body does not (the seed page for v3beta1 lists none of them). */
const V3_ONLY = ['devin_mode', 'platform', 'resumable', 'structured_output_required'] as const

/** The v3beta1 create body: v3's fields that v3beta1 has, plus advanced_mode. */
export function v3beta1CreateBody(request: SessionRequest): Record<string, unknown> {
  const body = v3CreateBody(request)
  for (const field of V3_ONLY) delete body[field]
  if (request.advancedMode !== undefined) body.advanced_mode = request.advancedMode
  return body
}

/**
 * The v3beta1 API: /v3beta1/organizations/{org_id}/sessions, with the same responses as v3 except
 * that `status_detail` may be missing; the session model then carries the status alone, which the
 * outcome rules read as "still working" until the status itself says otherwise.
 */
export function createV3beta1Api(http: DevinHttp, orgId: string): DevinApi {
  return orgSessionsApi(http, orgId, { version: 'v3beta1', prefix: '/v3beta1', createBody: v3beta1CreateBody })
}
