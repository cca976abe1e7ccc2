import { OPEN_DEADLINE_MS, SETTLE_GRACE_MS } from '../action/constants.js'
import { formatDuration } from '../action/duration.js'
import type { Created, DevinApi } from './api.js'
import { DevinApiError, describeTagRefusal, isTagRefusal } from './errors.js'
import { type Clock, backoffDelay } from './http.js'
import { lookUpByTag } from './look-up.js'
import { type Session, type SessionRequest, isLiveSession } from './session.js'

/** What to open: create (exactly once per tag) or continue a known session. */
export type OpenRequest =
  | {
      kind: 'create'
      request: SessionRequest
      /** The tag that identifies this logical request's session; none with `tracking-tags: false`. */
      tag?: string
      /** The action's own tags among the request's (none with `tracking-tags: false`): named when Devin refuses a tag. */
      actionTags?: string[]
      /** A user-given key: look for a live session with the tag first, and reuse it. */
      reuse: boolean
      message?: string
      /**
       * The sessions with the tag, as a list made just before by a caller that had to know first whether one is
       * live (fixing CI uploads logs only for a create): the reuse look-up starts from them instead of listing again.
       */
      listed?: Session[]
    }
  | {
      kind: 'continue'
      sessionId: string
      message?: string
      /** The session as a list just gave it (a thread's follow-up): not read again. */
      known?: Session
    }

type CreateRequest = Extract<OpenRequest, { kind: 'create' }>
type TaggedCreate = CreateRequest & { tag: string }

/**
 * At most this many creates in all without a tag (`tracking-tags: false`): each one sent again after a failure
 * that may have reached Devin can make one more session, so the duplicates a run can leave are bounded.
 */
const UNTAGGED_CREATE_ATTEMPTS = 3

export interface OpenDeps {
  clock: Clock
  info(message: string): void
  warning(message: string): void
  /** Called as soon as the session is known, before anything else can fail, so it is always reported. */
  onSession(session: Session, isNew: boolean): void
  /**
   * Called right before the create is sent: from then on a cancelled job may leave a session behind, found
   * by its tag (none with `tracking-tags: false`).
   */
  beforeCreate?(tag: string | undefined): void
  /** A number in [0, 1), for the jitter of a create sent again without a tag. */
  random?(): number
}

export interface Opened {
  session: Session
  isNew: boolean
  messageSent: boolean
}

/** A create that may have reached Devin, and could be neither confirmed nor ruled out. */
export class UnconfirmedSessionError extends Error {
  constructor(
    message: string,
    readonly tag: string
  ) {
    super(message)
    this.name = 'UnconfirmedSessionError'
  }
}

/**
 * Opens the session for a request exactly once. The create is sent once: a create that may have
 * reached Devin (timeout, dropped connection, 5xx, 429, an unreadable answer) is never repeated, since
 * the list it would be checked against can lag behind it for any time. Instead the session is looked
 * up by its tag until the deadline; when it never appears, the error names the tag to look for.
 *
 * With a user-given key, runs that start together can each find nothing and each create. Every such
 * run settles the same way once the list has caught up with its own create: among the live sessions
 * with the tag, the oldest (by created_at, then id) wins; a run whose session lost ends it and adopts
 * the winner.
 */
export async function openSession(api: DevinApi, open: OpenRequest, deadline: number, deps: OpenDeps): Promise<Opened> {
  if (open.kind === 'continue') {
    const session = open.known ?? (await api.get(open.sessionId, deadline))
    deps.onSession(session, false)
    deps.info(`Continuing Devin session ${session.id}: ${session.url}`)
    return deliverMessage(api, session, false, open.message, deadline, deps)
  }
  if (open.tag === undefined) return openUntagged(api, open, deadline, deps)
  return openTagged(api, { ...open, tag: open.tag }, deadline, deps)
}

/** Creates exactly once, by the tag: reuse by key, one create, adoption after an ambiguous failure, settling races. */
async function openTagged(api: DevinApi, open: TaggedCreate, deadline: number, deps: OpenDeps): Promise<Opened> {
  let known: ReadonlySet<string> = new Set()
  if (open.reuse) {
    let existing = open.listed ?? (await api.listByTag(open.tag, deadline))
    let live = winner(existing)
    if (live !== undefined && isRecent(live, deps.clock) && deps.clock.now() + SETTLE_GRACE_MS < deadline) {
      // A run that found nothing a moment ago may still create a session in the same second as this
      // one, with a smaller id, that every run will settle on: look once more when it would show.
      await deps.clock.sleep(SETTLE_GRACE_MS)
      existing = await api.listByTag(open.tag, deadline)
      live = winner(existing)
    }
    if (live !== undefined) {
      deps.onSession(live, false)
      deps.info(`Reusing live Devin session ${live.id} (idempotency tag ${open.tag}): ${live.url}`)
      return deliverMessage(api, live, false, open.message, deadline, deps)
    }
    const ended = [...existing].sort(byCreated).at(-1)
    if (ended !== undefined) {
      deps.info(
        `The last Devin session with this idempotency key, ${ended.id}, has ended (${statusOf(ended)}); a session that ended is not reused, so a new one is created.`
      )
    }
    // Ended sessions with this tag are not ours to adopt after an ambiguous create.
    known = new Set(existing.map((session) => session.id))
  }

  deps.beforeCreate?.(open.tag)
  let created: Session | undefined
  let failure: DevinApiError | undefined
  try {
    const answer = await create(api, open, deadline)
    if (!answer.isNew) {
      // v1's idempotent create answered with a session it already had: a reuse, as by key.
      deps.onSession(answer.session, false)
      deps.info(`Devin returned its existing session ${answer.session.id} for this request: ${answer.session.url}`)
      return deliverMessage(api, answer.session, false, open.message, deadline, deps)
    }
    created = answer.session
    deps.info(`Opened Devin session ${created.id}: ${created.url}`)
    // A key of this execution alone has no rival to settle with.
    if (!open.reuse) return opened(created, true, deps)
  } catch (error) {
    if (!(error instanceof DevinApiError) || error.reached === 'no') throw error
    failure = error
    deps.warning(
      `The request to create the session may have reached Devin (${trimStop(failure.message)}). Looking for a session tagged ${open.tag} until the deadline to open one, instead of creating another that could be a duplicate.`
    )
  }

  // Created: wait until the list shows this session, so it shows every session created before it too.
  // Unconfirmed: wait until it shows a session that was not there before.
  const mine = created
  const appeared = (sessions: Session[]) => sessions.some((session) => (mine !== undefined ? session.id === mine.id : !known.has(session.id)))
  let look
  try {
    look = await lookUpByTag(api, open.tag, appeared, deadline, deps.clock)
  } catch (error) {
    if (mine !== undefined) {
      deps.warning(`Could not list the sessions tagged ${open.tag} to check for another run with the same idempotency-key: ${messageOf(error)}.`)
      return opened(mine, true, deps)
    }
    throw unconfirmed(open, failure, `looking it up by its tag failed too: ${messageOf(error)}`)
  }
  const looked = `${formatDuration(look.tookMs)} (${look.lookUps} look-up${look.lookUps === 1 ? '' : 's'})`
  if (look.found === undefined) {
    if (mine !== undefined) {
      deps.warning(
        `Session ${mine.id} did not appear among the sessions tagged ${open.tag} within ${looked}, so the action could not check for another run with the same idempotency-key opening one at the same time.`
      )
      return opened(mine, true, deps)
    }
    throw unconfirmed(open, failure, `it did not appear when looked up by its tag for ${looked}, until the deadline to open a session`)
  }
  if (mine === undefined) {
    const found = oldest(look.found.filter((session) => !known.has(session.id))) as Session
    deps.info(`Found the session the interrupted request created, after looking for ${looked}: ${found.id}: ${found.url}`)
    if (!open.reuse) return opened(found, true, deps)
  }
  return settle(api, open, mine, known, look.found, deadline, deps)
}

/**
 * Settles a race between runs with the same key, the same way in every run. A session created later in
 * the same second can still reach the list just after this run's own, so the list is read once more a
 * moment later; then the oldest live session with the tag wins. A run whose own session lost ends it and
 * adopts the winner. After an unconfirmed create, the run cannot tell its own session from a rival's: it
 * ends every new session that lost, as their own runs do.
 */
async function settle(
  api: DevinApi,
  open: TaggedCreate,
  created: Session | undefined,
  known: ReadonlySet<string>,
  seen: Session[],
  deadline: number,
  deps: OpenDeps
): Promise<Opened> {
  let sessions = seen
  if (deps.clock.now() + SETTLE_GRACE_MS < deadline) {
    await deps.clock.sleep(SETTLE_GRACE_MS)
    try {
      sessions = await api.listByTag(open.tag, deadline)
    } catch (error) {
      deps.warning(`Could not list the sessions tagged ${open.tag} once more to check for another run with the same idempotency-key: ${messageOf(error)}.`)
    }
  }
  const fresh = sessions.filter((session) => !known.has(session.id))
  const mine = created !== undefined ? [created] : fresh
  const first = winner(sessions) ?? created ?? (oldest(fresh) as Session)
  const losers = mine.filter((session) => session.id !== first.id && sessions.some((s) => s.id === session.id && isLiveSession(s)))
  if (losers.length === 0 && mine.some((session) => session.id === first.id)) return opened(first, true, deps)

  const ending = losers.map((session) => session.id).join(', ')
  deps.warning(
    created !== undefined
      ? `Devin session ${first.id} also has this idempotency-key and is older (another run opened it at the same time; the oldest live session with the key wins): this run uses it${ending !== '' ? ` and ends its own duplicate ${ending}` : ''}.`
      : `More than one live session has this idempotency-key: this run uses the oldest, ${first.id}${ending !== '' ? `, and ends the newer ones that appeared since its create (its interrupted create may have made one of them): ${ending}` : ''}.`
  )
  for (const loser of losers) {
    try {
      await api.terminate(loser.id, deadline)
    } catch (error) {
      deps.warning(`Could not end the duplicate session ${loser.id}: ${messageOf(error)}`)
    }
  }
  deps.onSession(first, false)
  deps.info(`Reusing live Devin session ${first.id} (idempotency tag ${open.tag}): ${first.url}`)
  return deliverMessage(api, first, false, open.message, deadline, deps)
}

/**
 * Opens a session that carries none of the action's tags (`tracking-tags: false`). Nothing can find it by tag,
 * so nothing is reused or adopted: a create that may have reached Devin is sent again with backoff, like any
 * request, at most UNTAGGED_CREATE_ATTEMPTS times in all. A duplicate is then possible; the input check said
 * so once at the start, and the run warns again when a create it repeated succeeded, since only then can one exist.
 */
async function openUntagged(api: DevinApi, open: CreateRequest, deadline: number, deps: OpenDeps): Promise<Opened> {
  deps.beforeCreate?.(undefined)
  const doubtful: string[] = []
  for (let attempt = 1; ; attempt++) {
    let answer: Created
    try {
      answer = await create(api, open, deadline)
    } catch (error) {
      if (!(error instanceof DevinApiError) || error.reached === 'no') throw error
      doubtful.push(trimStop(error.message))
      const delay = Math.max(backoffDelay(attempt, deps.random ?? Math.random), error.retryAfterMs ?? 0)
      if (attempt >= UNTAGGED_CREATE_ATTEMPTS || deps.clock.now() + delay >= deadline) {
        throw new DevinApiError(
          `Could not confirm whether Devin created the session: ${attempt === 1 ? 'the create request' : `each of ${attempt} create requests`} failed in a way that may have reached Devin (${doubtful.join('; ')}). ` +
            'With tracking-tags: false the session carries no tag the action could find it by: before re-running, look in Devin for a session this run may have created; a re-run opens another.',
          { status: error.status, reached: 'maybe', attempts: attempt, retryAfterMs: error.retryAfterMs }
        )
      }
      deps.info(
        `The request to create the session may have reached Devin (${trimStop(error.message)}); with tracking-tags: false it cannot be looked up by tag, so the create is sent again in ${Number((delay / 1_000).toFixed(1))}s (attempt ${attempt + 1} of ${UNTAGGED_CREATE_ATTEMPTS}).`
      )
      await deps.clock.sleep(delay)
      continue
    }
    if (!answer.isNew) {
      deps.onSession(answer.session, false)
      deps.info(`Devin returned its existing session ${answer.session.id} for this request: ${answer.session.url}`)
      return deliverMessage(api, answer.session, false, open.message, deadline, deps)
    }
    deps.info(`Opened Devin session ${answer.session.id}: ${answer.session.url}`)
    if (doubtful.length > 0) {
      deps.warning(
        `Devin session ${answer.session.id} was opened by create attempt ${attempt}, after ${doubtful.length === 1 ? 'an attempt' : `${doubtful.length} attempts`} that may have reached Devin (${doubtful.join('; ')}). If ${doubtful.length === 1 ? 'it' : 'any'} did, Devin has another session for this request that the action cannot find (tracking-tags: false): look for it in Devin and end it.`
      )
    }
    return opened(answer.session, true, deps)
  }
}

/** Sends the create once; a refusal for its tags becomes the message that names them and the fixes. */
async function create(api: DevinApi, open: CreateRequest, deadline: number): Promise<Created> {
  try {
    return await api.create(open.request, deadline)
  } catch (error) {
    if (error instanceof DevinApiError && error.reached === 'no' && isTagRefusal(error)) {
      throw new DevinApiError(describeTagRefusal(error, open.request.tags, open.actionTags ?? []), {
        status: error.status,
        reached: 'no',
        attempts: error.attempts,
        detail: error.detail
      })
    }
    throw error
  }
}

function opened(session: Session, isNew: boolean, deps: OpenDeps): Opened {
  deps.onSession(session, isNew)
  return { session, isNew, messageSent: false }
}

async function deliverMessage(api: DevinApi, session: Session, isNew: boolean, message: string | undefined, deadline: number, deps: OpenDeps): Promise<Opened> {
  if (message === undefined) return { session, isNew, messageSent: false }
  const answered = await api.sendMessage(session.id, message, deadline)
  deps.info(`Sent the message to session ${session.id}.`)
  const updated = answered ?? session
  if (answered !== undefined) deps.onSession(updated, isNew)
  return { session: updated, isNew, messageSent: true }
}

function unconfirmed(open: TaggedCreate, cause: DevinApiError | undefined, then: string): UnconfirmedSessionError {
  const rerun = open.reuse
    ? 're-running with the same idempotency-key reuses it if it exists'
    : 'a re-run opens a new session, so end this one first if it exists'
  return new UnconfirmedSessionError(
    `Could not confirm whether Devin created the session: the create request failed (${trimStop(cause?.message ?? 'no answer')}), and ${then}. ` +
      `Before re-running, look in Devin for a session tagged "${open.tag}"; ${rerun}.`,
    open.tag
  )
}

/** Whether a session was created recently enough for a rival created in the same second to be still on its way. */
function isRecent(session: Session, clock: Clock): boolean {
  return session.createdAt === undefined || clock.now() - session.createdAt * 1_000 < OPEN_DEADLINE_MS
}

function statusOf(session: Session): string {
  return session.isArchived ? 'archived' : `${session.status}${session.statusDetail !== undefined ? `/${session.statusDetail}` : ''}`
}

function messageOf(error: unknown): string {
  return trimStop(error instanceof Error ? error.message : String(error))
}

function trimStop(text: string): string {
  return text.replace(/\.$/, '')
}

/** Oldest first; sessions created in the same second are ordered by id, so every run sorts them alike. */
function byCreated(a: Session, b: Session): number {
  return (a.createdAt ?? 0) - (b.createdAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function oldest(sessions: Session[]): Session | undefined {
  return [...sessions].sort(byCreated).at(0)
}

/** The session every run with the key settles on: the oldest live one. */
function winner(sessions: Session[]): Session | undefined {
  return oldest(sessions.filter(isLiveSession))
}
