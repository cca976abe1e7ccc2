import type { ApiVersion } from '../devin/session.js'

/** How the post step reaches Devin again. No secret is part of it: the post step reads the key from its input. */
interface SavedConnection {
  apiVersion: ApiVersion
  orgId?: string
  apiUrl: string
  terminateOnCancel: boolean
}

/**
 * What the main step saves for the post step before work a cancelled job would leave behind: a create in
 * flight, known only by the tag of the session it makes (the runner may stop the step before Devin answers),
 * or a wait on a known session. A create without the action's tags (`tracking-tags: false`) saves an empty tag:
 * the post step can then only say that a session may exist.
 */
export type InFlightState = SavedConnection & ({ creatingTag: string; sessionId?: undefined } | { sessionId: string; creatingTag?: undefined })
