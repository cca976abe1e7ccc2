import type { Settings } from '../action/inputs.js'
import type { Runner } from '../action/runner.js'
import type { WireRequest } from '../devin/api.js'
import { REDACTED, type Redactor } from './redact.js'
import type { Report } from './report.js'

/** Prints the request a real run would send, with every secret value replaced, and reports outcome dry-run. */
export function dryRun(runner: Runner, report: Report, request: WireRequest | undefined, settings: Settings, redactor: Redactor): void {
  report.outcome = 'dry-run'
  if (request === undefined) {
    report.dryRun = { continueSession: settings.sessionId ?? '', message: settings.message }
    runner.info(
      `Dry run: nothing was sent to Devin. A real run would continue session ${settings.sessionId}${settings.message !== undefined ? ' and send it the message' : ''}.`
    )
    return
  }
  const body = { ...request.body }
  if (Array.isArray(body.session_secrets)) {
    body.session_secrets = (body.session_secrets as { key: string }[]).map((secret) => ({ ...secret, value: REDACTED }))
  }
  report.dryRun = { ...request, body }
  runner.info('Dry run: nothing was sent to Devin. A real run would send:')
  // Redacted as data, so JSON's own values (true, false) are never taken for a secret's text.
  runner.info(`${request.method} ${redactor.text(decodeURI(request.url))}\n${JSON.stringify(redactor.deep(body), null, 2)}`)
}
