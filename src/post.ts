import { CLEANUP_DEADLINE_MS, Input, REQUEST_TIMEOUT_MS, State } from './constants.js'
import { connect } from './devin/client.js'
import { endSession } from './devin/end.js'
import { DevinHttp } from './devin/http.js'
import { type ApiVersion, classifySession } from './devin/session.js'
import { secretValues } from './inputs.js'
import type { MainDeps } from './main.js'
import { createRedactor } from './redact.js'

/** What the main step saves before it waits, for the post step. No secret is part of it. */
export interface WaitingState {
  sessionId: string
  orgId?: string
  apiVersion: ApiVersion
  apiUrl: string
  terminateOnCancel: boolean
}

/**
 * The post step. When the job was cancelled while the main step waited on a session, the runner
 * stopped the main step and runs this: it ends that session if `terminate-on-cancel` was true. It does
 * nothing when no wait was in progress or the session had already stopped, and it only ever warns.
 */
export async function cleanup(deps: MainDeps): Promise<void> {
  const { runner } = deps
  const saved = runner.getState(State.Waiting)
  if (saved === '' || runner.getState(State.WaitDone) === 'true') {
    runner.debug('Post step: no wait was interrupted; nothing to clean up.')
    return
  }
  const secrets = secretValues((name) => runner.getInput(name))
  for (const secret of secrets) runner.setSecret(secret)
  const redact = createRedactor(secrets).text
  try {
    const waiting = JSON.parse(saved) as WaitingState
    const { sessionId } = waiting
    if (!waiting.terminateOnCancel) {
      runner.info(`The job was cancelled while waiting on Devin session ${sessionId}; it keeps running (terminate-on-cancel: false).`)
      return
    }
    const http = new DevinHttp(
      { baseUrl: waiting.apiUrl, apiKey: runner.getInput(Input.ApiKey), requestTimeoutMs: REQUEST_TIMEOUT_MS, secrets },
      { fetch: deps.fetch, clock: deps.clock, random: deps.random, debug: (message) => runner.debug(redact(message)) }
    )
    const deadline = deps.clock.now() + CLEANUP_DEADLINE_MS
    const api = await connect(http, waiting, deadline)
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
