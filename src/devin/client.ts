import type { DevinApi } from './api.js'
import type { DevinHttp } from './http.js'
import type { ApiVersion } from './session.js'
import { createV1Api } from './v1.js'
import { createV3Api, discoverOrgId } from './v3.js'
import { createV3beta1Api } from './v3beta1.js'

export interface Connection {
  apiVersion: ApiVersion
  /** Undefined: discover it from the key (v3, v3beta1). */
  orgId?: string
}

/** The organization placeholder shown in a dry run when the org is discovered only at run time. */
export const ORG_PLACEHOLDER = '{org_id}'

/**
 * The adapter for the chosen API version, with the organization resolved where the version has one.
 * `discover: false` (dry runs) never calls Devin and leaves a placeholder where the organization would be.
 */
export async function connect(http: DevinHttp, connection: Connection, deadline: number, discover = true): Promise<DevinApi> {
  if (connection.apiVersion === 'v1') return createV1Api(http)
  const orgId = connection.orgId ?? (discover ? await discoverOrgId(http, deadline) : ORG_PLACEHOLDER)
  return connection.apiVersion === 'v3beta1' ? createV3beta1Api(http, orgId) : createV3Api(http, orgId)
}
