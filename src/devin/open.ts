import { RECONCILE_DELAYS_MS } from '../constants.js'
import type { DevinApi } from './api.js'
import { DevinApiError } from './errors.js'
import { type Clock, backoffDelay } from './http.js'
import { type Session, type SessionRequest, isLiveSession } from './session.js'

/** What to open: create (exactly once per tag) or continue a known session. */
export type OpenRequest =
  | {
      kind: 'create'
      request: SessionRequest
      /** The tag that identifies this logical request's session. */
      tag: string
      /** A user-given key: look for a live session with the tag first, and reuse it. */
      reuse: boolean
      message?: string
    }
  | { kind: 'continue'; sessionId: string; message?: string }

export interface OpenDeps {
  clock: Clock
  random(): number
  info(message: string): void
  warning(message: string): void
  /** Called as soon as the session is known, before anything else can fail, so it is always reported. */
  onSession(session: Session, isNew: boolean): void
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

/** Bound on create attempts, whatever the deadline. */
const MAX_CREATE_ATTEMPTS = 5

/**
 * Opens the session for a request exactly once. A create that may have reached Devin (timeout,
 * dropped connection, 5xx, 429, an unreadable answer) is never simply repeated: the session is first
 * looked up by its tag, a few times, since the list can lag behind a create. Only when it has not
 * appeared is the create sent again. When neither is possible, the error names the tag to look for.
 */
export async function openSession(api: DevinApi, open: OpenRequest, deadline: number, deps: OpenDeps): Promise<Opened> {
  if (open.kind === 'continue') {
    const session = await api.get(open.sessionId, deadline)
    deps.onSession(session, false)
    deps.info(`Continuing Devin session ${session.id}: ${session.url}`)
    return deliverMessage(api, session, false, open.message, deadline, deps)
  }

  let known = new Set<string>()
  if (open.reuse) {
    const existing = await api.listByTag(open.tag, deadline)
    const live = newest(existing.filter(isLiveSession))
    if (live !== undefined) {
      deps.onSession(live, false)
      deps.info(`Reusing live Devin session ${live.id} (idempotency tag ${open.tag}): ${live.url}`)
      return deliverMessage(api, live, false, open.message, deadline, deps)
    }
    // Ended sessions with this tag are not ours to adopt after an ambiguous create.
    known = new Set(existing.map((session) => session.id))
  }

  let ambiguous: DevinApiError | undefined
  for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
    let failure: DevinApiError
    try {
      const { session: created, isNew } = await api.create(open.request, deadline)
      if (!isNew) {
        // v1's idempotent create answered with a session it already had: a reuse, as by key.
        deps.onSession(created, false)
        deps.info(`Devin returned its existing session ${created.id} for this request: ${created.url}`)
        return deliverMessage(api, created, false, open.message, deadline, deps)
      }
      deps.info(`Opened Devin session ${created.id}: ${created.url}`)
      return open.reuse ? await settleRace(api, open, created, known, deadline, deps) : opened(created, deps)
    } catch (error) {
      if (!(error instanceof DevinApiError) || error.reached === 'no') {
        // A refusal is final; but if an earlier attempt may have created the session, it still may have.
        if (ambiguous !== undefined) throw unconfirmed(open, ambiguous, `a later attempt then failed: ${messageOf(error)}`)
        throw error
      }
      failure = error
    }
    ambiguous = failure

    deps.warning(
      `The request to create the session may have reached Devin (${trimStop(failure.message)}). Looking for a session tagged ${open.tag} before trying again.`
    )
    let found: Session | undefined
    try {
      found = await findCreated(api, open.tag, known, deadline, deps)
    } catch (error) {
      throw unconfirmed(open, failure, `looking it up by its tag failed too: ${messageOf(error)}`)
    }
    if (found !== undefined) {
      deps.info(`Found the session the interrupted request created: ${found.id}: ${found.url}`)
      return opened(found, deps)
    }

    const pause = Math.max(backoffDelay(attempt, deps.random), failure.retryAfterMs ?? 0)
    if (deps.clock.now() + pause >= deadline) break
    await deps.clock.sleep(pause)
  }
  throw unconfirmed(open, ambiguous, 'it did not appear when looked up by its tag')
}

function opened(session: Session, deps: OpenDeps): Opened {
  deps.onSession(session, true)
  return { session, isNew: true, messageSent: false }
}

/**
 * Two runs with the same key can both find nothing and both create. After creating, look again: if
 * an older live session with the key exists, every run settles on that one, and the newer duplicate
 * is ended. (A list that lags behind both creates can still hide the race; it is rare and visible.)
 */
async function settleRace(
  api: DevinApi,
  open: Extract<OpenRequest, { kind: 'create' }>,
  created: Session,
  known: ReadonlySet<string>,
  deadline: number,
  deps: OpenDeps
): Promise<Opened> {
  let rivals: Session[]
  try {
    rivals = (await api.listByTag(open.tag, deadline)).filter((session) => !known.has(session.id) && isLiveSession(session))
  } catch {
    return opened(created, deps)
  }
  const first = oldest([created, ...rivals.filter((session) => session.id !== created.id)])
  if (first === undefined || first.id === created.id) return opened(created, deps)
  deps.warning(`Another run opened session ${first.id} with the same idempotency key at the same time; using it and ending the duplicate ${created.id}.`)
  try {
    await api.terminate(created.id, deadline)
  } catch (error) {
    deps.warning(`Could not end the duplicate session ${created.id}: ${messageOf(error)}`)
  }
  deps.onSession(first, false)
  return deliverMessage(api, first, false, open.message, deadline, deps)
}

/** Looks the tag up a few times, pausing between looks, for a session that was not there before. */
async function findCreated(api: DevinApi, tag: string, known: ReadonlySet<string>, deadline: number, deps: OpenDeps): Promise<Session | undefined> {
  for (const delay of RECONCILE_DELAYS_MS) {
    if (delay > 0) {
      if (deps.clock.now() + delay >= deadline) return undefined
      await deps.clock.sleep(delay)
    }
    const candidates = (await api.listByTag(tag, deadline)).filter((session) => !known.has(session.id))
    // Were there ever two, the oldest is the one every later look-up agrees on.
    const found = oldest(candidates)
    if (found !== undefined) return found
  }
  return undefined
}

async function deliverMessage(api: DevinApi, session: Session, isNew: boolean, message: string | undefined, deadline: number, deps: OpenDeps): Promise<Opened> {
  if (message === undefined) return { session, isNew, messageSent: false }
  const answered = await api.sendMessage(session.id, message, deadline)
  deps.info(`Sent the message to session ${session.id}.`)
  const updated = answered ?? session
  if (answered !== undefined) deps.onSession(updated, isNew)
  return { session: updated, isNew, messageSent: true }
}

function unconfirmed(open: Extract<OpenRequest, { kind: 'create' }>, cause: DevinApiError | undefined, then: string): UnconfirmedSessionError {
  const rerun = open.reuse
    ? 're-running with the same idempotency-key reuses it if it exists'
    : 'a re-run opens a new session, so end this one first if it exists'
  return new UnconfirmedSessionError(
    `Could not confirm whether Devin created the session: the create request failed (${trimStop(cause?.message ?? 'no answer')}), and ${then}. ` +
      `Before re-running, look in Devin for a session tagged "${open.tag}"; ${rerun}.`,
    open.tag
  )
}

function messageOf(error: unknown): string {
  return trimStop(error instanceof Error ? error.message : String(error))
}

function trimStop(text: string): string {
  return text.replace(/\.$/, '')
}

function byCreated(a: Session, b: Session): number {
  return (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id)
}

function newest(sessions: Session[]): Session | undefined {
  return [...sessions].sort(byCreated).at(-1)
}

function oldest(sessions: Session[]): Session | undefined {
  return [...sessions].sort(byCreated).at(0)
}
