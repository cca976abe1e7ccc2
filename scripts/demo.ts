/**
 * `npm run demo`: see the action work without a Devin account. Starts the local Devin API emulator,
 * runs the committed bundle as GitHub's runner would on a real `pull_request.opened` payload with
 * `wait: stopped`, and prints what a user sees: the log, the step outputs and the job summary.
 */
import { startEmulator } from '../emulator/server.ts'
import { examplePayload, runBundledAction } from './lib/action-runner.ts'
import { renderLog } from './lib/render-log.ts'

const rule = (title: string) => `\n── ${title} ${'─'.repeat(Math.max(0, 66 - title.length))}\n`

const emulator = await startEmulator({ orgId: 'org-demo', scenario: 'finished' })
try {
  const payload = examplePayload('pull_request', 'opened')
  const pr = payload.pull_request as { number: number }
  process.stdout.write(`Devin API emulator on ${emulator.url}; running dist/index.js for pull_request.opened (#${pr.number}).\n`)
  process.stdout.write('The session is scripted to work, open a pull request and finish; polling every 5s takes about 15s.\n')

  const { main } = await runBundledAction({
    event: 'pull_request',
    payload,
    inputs: {
      'api-key': 'cog_demo_key_not_a_real_secret',
      'api-url': emulator.url,
      'org-id': 'org-demo',
      // Empty: the action's own default prompt for pull requests.
      prompt: '',
      // The demo's pull request is from the repository itself; its comment has nowhere real to go.
      comment: 'false',
      tags: 'demo',
      wait: 'stopped',
      'poll-interval': '5s',
      'wait-timeout': '2m'
    },
    timeoutMs: 150_000
  })

  process.stdout.write(rule('Log'))
  process.stdout.write(`${renderLog(main.stdout)}\n`)
  process.stdout.write(rule('Step outputs'))
  for (const [name, value] of Object.entries(main.outputs)) process.stdout.write(`${name} = ${value.includes('\n') ? JSON.stringify(value) : value}\n`)
  process.stdout.write(rule('Job summary (markdown)'))
  process.stdout.write(`${main.summary.trimEnd()}\n`)
  process.stdout.write(rule('Requests Devin received'))
  for (const request of emulator.requests.all()) process.stdout.write(`${request.method} ${request.path} -> ${request.status ?? ''}\n`)
  process.stdout.write(`\nThe step exited with code ${main.exitCode}.\n`)
  process.exitCode = main.exitCode ?? 1
} finally {
  await emulator.close()
}
