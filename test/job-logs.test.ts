import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { failingJobLog, generatedJobLog, PLANTED_CREDENTIALS } from '../emulator/github/job-logs.js'
import { type FakeGitHub, type FakeWorkflowJob, startFakeGitHub } from '../emulator/github/server.js'
import { trimCiLog } from '../src/ask/ci-log.js'
import { createGitHub } from '../src/github/client.js'

const TOKEN = 'ghs_GithubTokenForTests000000000000000'
const RUN = 30433642

let fake: FakeGitHub
beforeEach(async () => {
  fake = await startFakeGitHub({}, { repository: 'octo-org/octo-repo' })
})
afterEach(() => fake.close())

const github = () => createGitHub(TOKEN, fake.url, 'octo-org/octo-repo')

function job(id: number, name: string, conclusion: string | null, steps: [string, string | null][] = [], attempt = 2): FakeWorkflowJob {
  return {
    id,
    run_id: RUN,
    run_attempt: attempt,
    name,
    status: 'completed',
    conclusion,
    steps: steps.map(([stepName, stepConclusion], index) => ({ name: stepName, status: 'completed', conclusion: stepConclusion, number: index + 1 }))
  }
}

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts).toString('utf8')
}

describe("a workflow run's failed jobs", () => {
  it('are the failed and timed-out jobs of that attempt, with their failed steps', async () => {
    fake.workflowJobs.push(
      job(1, 'build', 'failure', [['Set up job', 'success']], 1),
      job(2, 'lint', 'success', [['Run eslint', 'success']]),
      job(3, 'test (ubuntu, 20)', 'failure', [
        ['Set up job', 'success'],
        ['Run npm test', 'failure'],
        ['Upload coverage', 'skipped'],
        ['Report', 'failure']
      ]),
      job(4, 'test (ubuntu, 22)', 'cancelled', [['Run npm test', 'cancelled']]),
      job(5, 'e2e', 'timed_out', [['Run e2e', 'timed_out']])
    )
    expect(await github().failedJobs(RUN, 2)).toEqual([
      { id: 3, name: 'test (ubuntu, 20)', conclusion: 'failure', failedSteps: ['Run npm test', 'Report'] },
      { id: 5, name: 'e2e', conclusion: 'timed_out', failedSteps: ['Run e2e'] }
    ])
    const asked = fake.requests.filter((request) => request.path.includes('/jobs'))
    expect(asked.map((request) => [request.path, request.authorization])).toEqual([
      [`/repos/octo-org/octo-repo/actions/runs/${RUN}/attempts/2/jobs`, `token ${TOKEN}`]
    ])
  })

  it('are the cancelled jobs when no job failed otherwise (a job stopped at its timeout)', async () => {
    fake.workflowJobs.push(job(1, 'build', 'success'), job(2, 'slow', 'cancelled', [['Run sleep', 'cancelled']]))
    expect(await github().failedJobs(RUN, 2)).toEqual([{ id: 2, name: 'slow', conclusion: 'cancelled', failedSteps: [] }])
  })

  it('are read page by page, at most 5 pages of 100', async () => {
    for (let id = 1; id <= 620; id++) fake.workflowJobs.push(job(id, `shard ${id}`, 'failure'))
    const jobs = await github().failedJobs(RUN, 2)
    expect(jobs.map((one) => one.id)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    expect(fake.requests.filter((request) => request.path.endsWith('/jobs'))).toHaveLength(5)
  })

  it('cannot be listed without actions: read, and the error says so', async () => {
    fake.workflowJobs.push(job(3, 'test', 'failure'))
    fake.refuseActions = true
    await expect(github().failedJobs(RUN, 2)).rejects.toThrow(
      `Could not list the jobs of workflow run ${RUN} (attempt 2) of octo-org/octo-repo (HTTP 403: Resource not accessible by integration`
    )
    await expect(github().failedJobs(RUN, 2)).rejects.toThrow('The github-token needs `actions: read`')
  })
})

describe("a job's log", () => {
  it('is fetched from where GitHub redirects, without sending the token there', async () => {
    fake.jobLogs.set(3, { text: failingJobLog() })
    expect(await text(await github().jobLog(3))).toBe(failingJobLog())
    const [api, blob, ...rest] = fake.requests
    expect(rest).toEqual([])
    expect(api).toMatchObject({ path: '/repos/octo-org/octo-repo/actions/jobs/3/logs', status: 302, authorization: `token ${TOKEN}` })
    expect(blob).toMatchObject({ path: '/_blobs/job-logs/3', status: 200 })
    expect(blob?.authorization).toBeUndefined()
  })

  it('is streamed: a 20 MB log comes out trimmed, cleaned and redacted', async () => {
    fake.jobLogs.set(7, generatedJobLog(20 * 1024 * 1024))
    const log = await trimCiLog(await github().jobLog(7), { maxBytes: 4096, redact: (value) => value })
    expect(log.originalBytes).toBeGreaterThan(20 * 1024 * 1024 - 64 * 1024)
    expect(log.keptBytes).toBeLessThanOrEqual(4096)
    expect(log.text.split('\n').at(-1)).toBe('Error: Process completed with exit code 1.')
    expect(log.text).not.toContain('\x1b')
    for (const secret of Object.values(PLANTED_CREDENTIALS)) expect(log.text).not.toContain(secret)
  })

  it('cannot be read without actions: read, and the error says so', async () => {
    fake.jobLogs.set(3, { text: 'log' })
    fake.refuseActions = true
    const failure = (await github()
      .jobLog(3)
      .catch((error: unknown) => error)) as Error
    expect(failure.message).toMatch(/^Could not read the log of job 3 of octo-org\/octo-repo \(HTTP 403: Resource not accessible by integration/)
    expect(failure.message).toContain('The github-token needs `actions: read`')
  })

  it('that expired is reported as gone', async () => {
    fake.jobLogs.set(3, { gone: true })
    await expect(github().jobLog(3)).rejects.toThrow(
      "Could not read the log of job 3 of octo-org/octo-repo: it is gone (HTTP 410); logs expire after the repository's retention period or were deleted."
    )
  })

  it('of an unknown job is a 404 that names the permission', async () => {
    await expect(github().jobLog(99)).rejects.toThrow(/HTTP 404.*`actions: read`/)
  })
})
