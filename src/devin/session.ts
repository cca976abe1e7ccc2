/** The Devin API versions the action can speak. */
export type ApiVersion = 'v3' | 'v3beta1' | 'v1'

export const DEVIN_MODES = ['normal', 'fast', 'lite', 'ultra', 'fusion'] as const
export type DevinMode = (typeof DEVIN_MODES)[number]

export const ADVANCED_MODES = ['analyze', 'create', 'improve', 'batch', 'manage'] as const
export type AdvancedMode = (typeof ADVANCED_MODES)[number]

export interface SessionSecret {
  key: string
  value: string
}

/**
 * What to create, independent of the API version. Each adapter maps it to its own body; a field that
 * is undefined is not sent.
 */
export interface SessionRequest {
  prompt: string
  title?: string
  tags: string[]
  repos?: string[]
  playbookId?: string
  childPlaybookId?: string
  knowledgeIds?: string[]
  secretIds?: string[]
  sessionSecrets?: SessionSecret[]
  sessionLinks?: string[]
  attachmentUrls?: string[]
  maxAcuLimit?: number
  structuredOutputSchema?: Record<string, unknown>
  structuredOutputRequired?: boolean
  devinMode?: DevinMode
  platform?: string
  resumable?: boolean
  bypassApproval?: boolean
  createAsUserId?: string
  advancedMode?: AdvancedMode
  snapshotId?: string
  unlisted?: boolean
}

/** The fields of a request the user may set (everything but the prompt and tags, which are always sent). */
export type OptionalRequestField = Exclude<keyof SessionRequest, 'prompt' | 'tags'>

export interface PullRequest {
  url: string
  state: string | null
}

/** One session as the action sees it, whatever API version it came from. */
export interface Session {
  id: string
  url: string
  status: string
  statusDetail?: string
  tags: string[]
  /** Seconds since the epoch, when the API says. */
  createdAt?: number
  /** Seconds since the epoch of the last change, when the API says (reconcile reads sessions changed lately). */
  updatedAt?: number
  acusConsumed?: number
  pullRequests: PullRequest[]
  structuredOutput?: unknown
  isArchived: boolean
}

/** The outcomes a run can end with (the `outcome` output). */
export type Outcome = 'running' | 'finished' | 'blocked' | 'error' | 'suspended' | 'exited' | 'timeout' | 'skipped' | 'dry-run' | 'ended'

/**
 * Where a session stands, from `status` and `status_detail` as the contract's "Outcomes" rule says.
 * Values the action does not know are treated as still working, so a new status never ends a wait early.
 */
export function classifySession(session: Pick<Session, 'status' | 'statusDetail'>): Outcome {
  const { status, statusDetail } = session
  switch (status) {
    case 'running':
      if (statusDetail === 'finished') return 'finished'
      if (statusDetail === 'waiting_for_user' || statusDetail === 'waiting_for_approval') return 'blocked'
      return 'running'
    case 'error':
      return 'error'
    case 'suspended':
      return statusDetail === 'error' ? 'error' : 'suspended'
    case 'exit':
      return 'exited'
    default:
      return 'running'
  }
}

/**
 * Whether a session is live, so that a run with its idempotency key reuses it: working, finished or
 * waiting for a person, all of which a message continues. A session that ended (an error, a suspension
 * for any reason, an exit) or was archived is not: a run with its key creates a new session, as a person
 * starting over would. The rule reads the outcome, so it is the same on every API version.
 */
export function isLiveSession(session: Session): boolean {
  if (session.isArchived) return false
  const outcome = classifySession(session)
  return outcome === 'running' || outcome === 'finished' || outcome === 'blocked'
}

/** Session ids are `devin-<id>`; users may give the bare id. */
export function normalizeSessionId(id: string): string {
  return id.startsWith('devin-') ? id : `devin-${id}`
}
