import { CLEANUP_DEADLINE_MS, Input, REQUEST_TIMEOUT_MS, State } from './action/constants.js'
import type { DevinApi } from './devin/api.js'
import { connect } from './devin/client.js'
import { endSession } from './devin/end.js'
import { DevinHttp } from './devin/http.js'
import { lookUpByTag } from './devin/look-up.js'
import { classifySession, isLiveSession } from './devin/session.js'
import { formatDuration } from './action/duration.js'
import { secretValues } from './action/inputs.js'
import type { MainDeps } from './action/edges.js'
import { createRedactor } from './report/redact.js'
import type { InFlightState } from './action/state.js'

/**
 * The post step. When the job was cancelled while the main step created a session or waited on one, the
 * runner stopped the main step and runs this: it ends that session if `terminate-on-cancel` was true, and
 * says which session it was either way. It does nothing when nothing was in flight or the session had
 * already stopped, and it only ever warns.
 */
export async function cleanup(deps: MainDeps): Promise<void> {
  const { runner } = deps
  const saved = runner.getState(State.Waiting)
  if (saved === '' || runner.getState(State.WaitDone) === 'true') {
    runner.debug('Post step: no create or wait was interrupted; nothing to clean up.')
    return
  }
  const secrets = secretValues((name) => runner.getInput(name))
  for (const secret of secrets) runner.setSecret(secret)
  const redact = createRedactor(secrets).text
  try {
    const waiting = JSON.parse(saved) as InFlightState
    const { sessionId } = waiting
    if (sessionId === undefined && waiting.creatingTag === '') {
      runner.warning(
        'The job was cancelled while a Devin session was being created. With tracking-tags: false it carries no tag the action could find it by, so it was not ended: look in Devin for a session this run may have created.'
      )
      return
    }
    if (sessionId === undefined) {
      await endInterruptedCreate(await connectFor(waiting, deps, redact, secrets), waiting.creatingTag, waiting.terminateOnCancel, deps)
      return
    }
    if (!waiting.terminateOnCancel) {
      runner.info(`The job was cancelled while waiting on Devin session ${sessionId}; it keeps running (terminate-on-cancel: false).`)
      return
    }
    const api = await connectFor(waiting, deps, redact, secrets)
    const deadline = deps.clock.now() + CLEANUP_DEADLINE_MS
    const session = await api.get(sessionId, deadline)
    if (classifySession(session) !== 'running') {
      runner.info(
        `The job was cancelled, but Devin session ${sessionId} had already stopped (${session.status}${session.statusDetail !== undefined ? `/${session.statusDetail}` : ''}).`
      )
      return
    }
    const ended = await endSession(api, sessionId, deadline)
    if (ended.failedButEnded !== undefined) {
      runner.info(
        redact(`Devin answered the request to end session ${sessionId} with a failure (${ended.failedButEnded}), but reading it again shows it has ended.`)
      )
    }
    runner.info(`The job was cancelled while waiting: ended Devin session ${sessionId} (terminate-on-cancel).`)
  } catch (error) {
    runner.warning(redact(`Could not end the Devin session after the job was cancelled: ${error instanceof Error ? error.message : String(error)}`))
  }
}

async function connectFor(state: InFlightState, deps: MainDeps, redact: (text: string) => string, secrets: string[]): Promise<DevinApi> {
  const { runner } = deps
  const http = new DevinHttp(
    { baseUrl: state.apiUrl, apiKey: runner.getInput(Input.ApiKey), requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
    { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
  )
  return connect(http, state, deps.clock.now() + CLEANUP_DEADLINE_MS)
}

/**
 * The job was cancelled while the create was in flight: Devin may have made the session without the
 * main step hearing of it. It is found by its tag (the list may lag, so the look-ups go on for a while),
 * then ended, or reported when `terminate-on-cancel` is false. Before the create, a run with a key
 * found no live session with that tag, so a live one now is the create's.
 */
async function endInterruptedCreate(api: DevinApi, tag: string, terminate: boolean, deps: MainDeps): Promise<void> {
  const { runner } = deps
  const deadline = deps.clock.now() + CLEANUP_DEADLINE_MS
  const look = await lookUpByTag(api, tag, (sessions) => sessions.some(isLiveSession), deadline, deps.clock)
  const live = (look.found ?? []).filter(isLiveSession)
  if (live.length === 0) {
    runner.warning(
      `The job was cancelled while a Devin session was being created, and no live session tagged ${tag} appeared within ${formatDuration(look.tookMs)}: the create most likely never reached Devin. If one appears later, find it in Devin by that tag.`
    )
    return
  }
  for (const session of live) {
    if (!terminate) {
      runner.info(
        `The job was cancelled while a Devin session was being created: session ${session.id} was created and keeps running (terminate-on-cancel: false): ${session.url}`
      )
      continue
    }
    await endSession(api, session.id, deadline)
    runner.info(
      `The job was cancelled while a Devin session was being created: ended session ${session.id}, which the create made (terminate-on-cancel): ${session.url}`
    )
  }
}
