import type { WireRequest } from '../devin/api.js'
import type { ApiVersion, Outcome, Session } from '../devin/session.js'

/** Everything the run has to tell the user, filled in as the pipeline goes. */
export interface Report {
  apiVersion?: ApiVersion
  session?: Session
  isNew?: boolean
  messageSent?: boolean
  outcome?: Outcome
  prompt?: string
  skipReason?: string
  /** The request a dry run would have sent, secrets already redacted. */
  dryRun?: WireRequest | { continueSession: string; message?: string }
  /** Why the step failed, already redacted. */
  failure?: string
}
