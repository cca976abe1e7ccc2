import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import type { FailedJobRef } from '../src/github/client.js'
import { logFileName } from '../src/jobs/ci-fix.js'
import { type MainDeps, run } from '../src/main.js'
import { idempotencyTag } from '../src/policy/tags.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { eventEnv, examplePayload } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { memoryGitHub } from './helpers/memory-github.js'

// The CI step of the open job through main.ts, on the real workflow_run payload (octo-org/octo-repo, id 300029405,
// run 289782451 on master for pull request #2), failed: Devin mocked with nock, GitHub in memory. What is asked of
// each, in which order, and what the user sees.

const DEVIN = 'https://api.devin.test'
const ORG = '/v3/organizations/org-test'
const SESSIONS = `${ORG}/sessions`
const ATTACHMENTS = `${ORG}/attachments`
const REPO = 'octo-org/octo-repo'
const IDEM_TAG = idempotencyTag('ci:289782451/1', REPO)
const CI_TAG = 'gh-ci:300029405#2'

const JOBS: FailedJobRef[] = [
  { id: 11, name: 'test (ubuntu, 20)', conclusion: 'failure', failedSteps: ['Run tests'] },
  { id: 12, name: 'lint', conclusion: 'failure', failedSteps: ['Lint'] }
]
const LOGS: Record<number, string> = {
  11: '2026-12-01T10:00:00.0000000Z \u001b[31mFAIL\u001b[0m test/dates.test.ts\n',
  12: '2026-12-01T10:00:01.0000000Z error: missing semicolon\n'
}

interface Devin {
  /** Every request to Devin, in order, as "METHOD what". */
  sent: string[]
  creates: Record<string, unknown>[]
  uploads: string[]
}

/**
 * Devin over nock: a list answers the sessions given and those created, that carry its tag; an upload answers a
 * URL named after the file (or the status `uploadStatus` gives for it); a create answers a new session.
 */
function devin(options: { sessions?: Record<string, unknown>[]; uploadStatus?: (fileName: string) => number } = {}): Devin {
  const state: Devin = { sent: [], creates: [], uploads: [] }
  const sessions = [...(options.sessions ?? [])]
  let tag = ''
  nock(DEVIN)
    .persist()
    .get(SESSIONS)
    .query((query) => {
      tag = String(query.tags ?? '')
      return true
    })
    .reply(() => {
      state.sent.push(`GET list ${tag}`)
      const items = sessions.filter((session) => (session.tags as string[]).includes(tag))
      return [200, { items, has_next_page: false }]
    })
  let fileName = ''
  nock(DEVIN)
    .persist()
    .post(ATTACHMENTS, (body: unknown) => {
      fileName = /filename="([^"]+)"/.exec(String(body))?.[1] ?? ''
      state.uploads.push(String(body))
      return true
    })
    .reply(() => {
      state.sent.push(`POST upload ${fileName}`)
      const status = options.uploadStatus?.(fileName) ?? 200
      if (status !== 200) return [status, { detail: `refused ${status}` }]
      return [200, { attachment_id: `att-${fileName}`, name: fileName, url: `https://storage.devin.test/${fileName}` }]
    })
  nock(DEVIN)
    .persist()
    .post(SESSIONS, (body: Record<string, unknown>) => {
      state.creates.push(body)
      return true
    })
    .reply(() => {
      state.sent.push('POST create')
      const session = v3SessionBody({ session_id: `devin-new-${state.creates.length}`, tags: state.creates.at(-1)?.tags })
      sessions.push(session)
      return [200, session]
    })
  return state
}

interface Run {
  runner: RecordingRunner
  github: ReturnType<typeof memoryGitHub>
}

async function failedRun(
  inputs: Partial<Record<InputName, string>> = {},
  options: { jobs?: FailedJobRef[]; logs?: Record<number, string | Error>; adapt?: (payload: Record<string, any>) => void } = {}
): Promise<Run> {
  const payload = examplePayload(
    'workflow_run',
    'completed',
    (example) => (example.workflow_run as { pull_requests: unknown[] }).pull_requests.length > 0
  ) as Record<string, any>
  payload.workflow_run.conclusion = 'failure'
  payload.workflow_run.name = 'CI'
  // The example lists a pull request of another repository (Codertocat/Hello-World); made this repository's own.
  for (const pr of payload.workflow_run.pull_requests) pr.base.repo = { id: payload.repository.id, url: payload.repository.url, name: payload.repository.name }
  options.adapt?.(payload)
  const runner = recordingRunner({ 'api-url': DEVIN, 'api-key': TEST_API_KEY, ...inputs })
  const github = memoryGitHub({ failedJobs: options.jobs ?? JOBS, jobLogs: options.logs ?? LOGS })
  const deps: MainDeps = {
    runner,
    env: eventEnv('workflow_run', { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_PATH: '/runner/event.json' }),
    fetch: globalThis.fetch,
    clock: fakeClock(),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify(payload) : undefined),
    github: () => github
  }
  await run(deps)
  return { runner, github }
}

const warnings = (runner: RecordingRunner) => runner.log.filter((line) => line.startsWith('warning: '))
const githubReads = (github: ReturnType<typeof memoryGitHub>) => github.calls.filter((call) => /^(failed jobs|job log)/.test(call))

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('fixing failed CI', () => {
  it('looks the key up first, counts the fix attempts, then uploads each log and creates once with their URLs after the user’s', async () => {
    const state = devin()
    const { runner, github } = await failedRun({ 'attachment-urls': 'https://example.com/notes.txt' })
    expect(runner.failed).toBeUndefined()
    expect(state.sent.slice(0, 5)).toEqual([
      `GET list ${IDEM_TAG}`,
      `GET list ${CI_TAG}`,
      `POST upload ${logFileName(JOBS[0] as FailedJobRef)}`,
      `POST upload ${logFileName(JOBS[1] as FailedJobRef)}`,
      'POST create'
    ])
    // After the create, only the look-ups by the key that settle a race with a run of the same key.
    expect(state.sent.slice(5).every((request) => request === `GET list ${IDEM_TAG}`)).toBe(true)
    expect(githubReads(github)).toEqual(['failed jobs 289782451/1', 'job log 11', 'job log 12'])
    const [create] = state.creates
    expect(create?.attachment_urls).toEqual([
      'https://example.com/notes.txt',
      'https://storage.devin.test/ci-log-test-ubuntu-20-11.txt',
      'https://storage.devin.test/ci-log-lint-12.txt'
    ])
    expect(create?.tags).toEqual(expect.arrayContaining([IDEM_TAG, CI_TAG]))
    // The failed jobs and steps are named in the default prompt, quoted as data.
    expect(create?.prompt).toContain('test (ubuntu, 20): Run tests')
    expect(create?.prompt).toContain('lint: Lint')
    // Each upload is the log trimmed: no ANSI escape, no timestamp.
    expect(state.uploads[0]).toContain('FAIL test/dates.test.ts')
    expect(state.uploads[0]).not.toContain('\u001b[')
    expect(state.uploads[0]).not.toContain('2026-12-01T10:00:00')
    expect(runner.outputs['session-id']).toBe('devin-new-1')
    expect(runner.outputs['is-new-session']).toBe('true')
  })

  it('reuses the live session of the same failed attempt: no fix-attempt count, no GitHub read, no upload, no create', async () => {
    const state = devin({ sessions: [v3SessionBody({ session_id: 'devin-old', status: 'running', status_detail: 'working', tags: [IDEM_TAG] })] })
    const { runner, github } = await failedRun()
    expect(runner.failed).toBeUndefined()
    // One list by the key (and the settling look a moment later, for a session created in the same second); nothing else.
    expect(state.sent.every((request) => request === `GET list ${IDEM_TAG}`)).toBe(true)
    expect(state.sent.length).toBeGreaterThanOrEqual(1)
    expect(githubReads(github)).toEqual([])
    expect(runner.outputs['session-id']).toBe('devin-old')
    expect(runner.outputs['is-new-session']).toBe('false')
    expect(runner.log).toContain('info: A live session already has this failed run attempt: it is reused, and no log is fetched or uploaded.')
  })

  it('skips at max-fix-attempts with the skip-reason, before any GitHub read, upload or create', async () => {
    const old = (id: string, status: string) => v3SessionBody({ session_id: id, status, tags: [CI_TAG] })
    const state = devin({ sessions: [old('devin-1', 'exit'), old('devin-2', 'exit'), old('devin-3', 'running')] })
    const { runner, github } = await failedRun()
    expect(runner.failed).toBeUndefined()
    expect(state.sent).toEqual([`GET list ${IDEM_TAG}`, `GET list ${CI_TAG}`])
    expect(githubReads(github)).toEqual([])
    expect(runner.outputs.outcome).toBe('skipped')
    expect(runner.outputs['skip-reason']).toBe('fix attempts: pull request #2 already had 3 sessions to fix CI (max-fix-attempts: 3).')
  })

  it('fails closed when the fix attempts cannot be listed: nothing read, uploaded or created', async () => {
    const state: string[] = []
    let tag = ''
    nock(DEVIN)
      .persist()
      .get(SESSIONS)
      .query((query) => {
        tag = String(query.tags ?? '')
        return true
      })
      .reply(() => {
        state.push(tag)
        return tag === CI_TAG ? [500, { detail: 'upstream' }] : [200, { items: [], has_next_page: false }]
      })
    const { runner, github } = await failedRun()
    expect(runner.failed).toMatch(
      /^max-fix-attempts is set, but the sessions it counts \(tagged gh-ci:300029405#2\) could not be listed, so no session was created/
    )
    expect(githubReads(github)).toEqual([])
    expect(state.every((tag) => tag === IDEM_TAG || tag === CI_TAG)).toBe(true)
  })

  it('a log that cannot be fetched or uploaded is a warning naming the job and the permission; the session opens once without it', async () => {
    const jobs: FailedJobRef[] = [...JOBS, { id: 13, name: 'build', conclusion: 'failure', failedSteps: [] }]
    // The first upload may have reached Devin (502): it is not sent again, and no second session follows.
    const state = devin({ uploadStatus: (name) => (name.includes('-11.') ? 502 : name.includes('-12.') ? 403 : 200) })
    const { runner } = await failedRun(
      {},
      { jobs, logs: { ...LOGS, 13: new Error('Could not read the log of job 13 (HTTP 403: Resource not accessible by integration).') } }
    )
    expect(runner.failed).toBeUndefined()
    expect(state.sent.filter((request) => request.startsWith('POST upload'))).toEqual([
      'POST upload ci-log-test-ubuntu-20-11.txt',
      'POST upload ci-log-lint-12.txt'
    ])
    expect(state.sent.filter((request) => request === 'POST create')).toHaveLength(1)
    expect(state.creates[0]).not.toHaveProperty('attachment_urls')
    const warned = warnings(runner).join('\n')
    expect(warned).toMatch(/Could not upload the log of job "test \(ubuntu, 20\)" to Devin \(.*HTTP 502.*\); the session opens without it\. .*UseDevinSessions/)
    expect(warned).toMatch(/Could not upload the log of job "lint" to Devin \(.*403 Forbidden.*\).*UseDevinSessions/)
    expect(warned).toMatch(
      /Could not fetch the log of job "build" \(.*\); the session opens without it\. Reading job logs needs the permission actions: read\./
    )
    expect(runner.outputs['session-id']).toBe('devin-new-1')
  })

  it('attaches no empty log: a job that printed nothing is named in the log, and the others are uploaded', async () => {
    const state = devin()
    const { runner } = await failedRun({}, { logs: { ...LOGS, 12: '' } })
    expect(runner.failed).toBeUndefined()
    expect(state.sent.filter((request) => request.startsWith('POST upload'))).toHaveLength(1)
    expect(state.creates[0]?.attachment_urls).toHaveLength(1)
    expect(runner.log).toContain('info: The log of job "lint" is empty: nothing of it is attached.')
  })

  it('ci-logs: false lists the failed jobs for the prompt and sends no log', async () => {
    const state = devin()
    const { runner, github } = await failedRun({ 'ci-logs': 'false' })
    expect(state.sent.slice(0, 3)).toEqual([`GET list ${IDEM_TAG}`, `GET list ${CI_TAG}`, 'POST create'])
    expect(state.sent.filter((request) => request.startsWith('POST'))).toEqual(['POST create'])
    expect(githubReads(github)).toEqual(['failed jobs 289782451/1'])
    expect(state.creates[0]).not.toHaveProperty('attachment_urls')
    expect(state.creates[0]?.prompt).toContain('lint: Lint')
    expect(runner.log).toContain('info: ci-logs is false: no log of the failed jobs is sent to Devin.')
  })

  it('dry-run lists the failed jobs and each log’s size after trimming, and sends nothing to Devin', async () => {
    const state = devin()
    const { runner, github } = await failedRun({ 'dry-run': 'true', 'ci-log-size': '1KiB' })
    expect(state.sent).toEqual([])
    expect(githubReads(github)).toEqual(['failed jobs 289782451/1', 'job log 11', 'job log 12'])
    expect(runner.outputs.outcome).toBe('dry-run')
    const sizes = runner.log.filter((line) => line.startsWith('info: Dry run: a real run would upload the log of job'))
    expect(sizes).toHaveLength(2)
    expect(sizes[0]).toMatch(
      new RegExp(
        `job "test \\(ubuntu, 20\\)" as ci-log-test-ubuntu-20-11\\.txt: \\d+ bytes after trimming and redaction \\(of ${Buffer.byteLength(LOGS[11] ?? '')}\\)\\.`
      )
    )
    // The request shown is the one a real run would send, with the failed jobs in its prompt.
    expect(runner.log.join('\n')).toContain('lint: Lint')
  })
})

describe('fixing failed CI, adversarially (review r2)', () => {
  // README and examples/fix-failed-ci.yml grant `pull-requests: write` and `issues: write` for "the one comment the
  // action keeps on the pull request", and the contract's comment is on "pull request, issue and comment events".
  // On a workflow_run that names this repository's pull request #2, no comment is ever written, and `comment: true`
  // even warns that the event has no pull request. Either the comment is kept on the run's pull request, or the
  // docs and the example must stop promising it (and drop the two permissions).
  it('keeps the comment on the pull request the failed run names (comment: true)', async () => {
    devin()
    const { runner, github } = await failedRun(
      { comment: 'true' },
      {
        adapt: (payload) => {
          // Make the listed pull request one of this repository's (the example's is Codertocat/Hello-World's).
          for (const pr of payload.workflow_run.pull_requests)
            pr.base.repo = { id: payload.repository.id, url: payload.repository.url, name: payload.repository.name }
        }
      }
    )
    expect(runner.failed).toBeUndefined()
    expect(warnings(runner).join('\n')).not.toContain('has no pull request or issue to comment on')
    expect(github.calls).toContain('create comment #2')
  })
})

describe('logFileName', () => {
  it('names the job, made safe for a file name, and its id', () => {
    expect(logFileName({ id: 7, name: 'test (ubuntu-latest, node 20) / unit' })).toBe('ci-log-test-ubuntu-latest-node-20-unit-7.txt')
    expect(logFileName({ id: 8, name: '../../etc/passwd' })).toBe('ci-log-etc-passwd-8.txt')
    expect(logFileName({ id: 9, name: '🔥🔥' })).toBe('ci-log-job-9.txt')
  })
})
