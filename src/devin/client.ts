import type { DevinApi } from './api.js'
import type { DevinHttp } from './http.js'
import type { ApiVersion } from './session.js'
import { createV3Api, discoverOrgId } from './v3.js'

export interface Connection {
  apiVersion: ApiVersion
  /** Undefined: discover it from the key (v3). */
  orgId?: string
}

/** The organization placeholder shown in a dry run when the org is discovered only at run time. */
export const ORG_PLACEHOLDER = '{org_id}'

/**
 * The adapter for the chosen API version, with the organization resolved. `discover: false` (dry
 * runs) never calls Devin and leaves a placeholder where the organization would be.
 */
export async function connect(http: DevinHttp, connection: Connection, deadline: number, discover = true): Promise<DevinApi> {
  switch (connection.apiVersion) {
    case 'v3': {
      const orgId = connection.orgId ?? (discover ? await discoverOrgId(http, deadline) : ORG_PLACEHOLDER)
      return createV3Api(http, orgId)
    }
    default:
      throw new Error(
        `api-version ${connection.apiVersion} is not supported by this release yet. Use a "cog_…" key with api-version "v3" (or "auto").`
      )
  }
}
