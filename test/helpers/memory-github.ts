import type { CheckRun, FailedJobRef, GitHub, ThreadComment } from '../../src/github/client.js'

/** An in-memory GitHub: the threads' comments, the check runs, and every call made, so a test can tell what was asked. */
export interface MemoryGitHub extends GitHub {
  comments: ThreadComment[]
  checkRuns: CheckRun[]
  calls: string[]
}

export function memoryGitHub(
  options: {
    headSha?: string
    permission?: string
    /** The failed jobs of any run attempt asked for. */
    failedJobs?: FailedJobRef[]
    /** Job logs by job id: the text, or the error reading it throws. */
    jobLogs?: Record<number, string | Error>
  } = {}
): MemoryGitHub {
  const comments: ThreadComment[] = []
  const checkRuns: CheckRun[] = []
  const calls: string[] = []
  return {
    comments,
    checkRuns,
    calls,
    async permission(user) {
      calls.push(`permission ${user}`)
      return options.permission ?? 'write'
    },
    async listComments(issue) {
      calls.push(`list comments #${issue}`)
      return [...comments]
    },
    async createComment(issue, body) {
      calls.push(`create comment #${issue}`)
      const comment = { id: 100 + comments.length, body, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: '' }
      comments.push(comment)
      return comment
    },
    async updateComment(id, body) {
      calls.push(`update comment ${id}`)
      const comment = comments.find((one) => one.id === id)
      if (comment !== undefined) comment.body = body
    },
    async viewer() {
      return undefined
    },
    async react() {
      calls.push('react')
    },
    async pullHead() {
      calls.push('pull head')
      return options.headSha ?? 'c4295bd74fb0f4fbe1e1b3b0f7f4bd9ff04f6b5c'
    },
    async createCheckRun(headSha, name, write) {
      calls.push(`create check run ${name} on ${headSha} ${write.status}${write.conclusion !== undefined ? ` ${write.conclusion}` : ''}`)
      const run: CheckRun = {
        id: 500 + checkRuns.length,
        name,
        headSha,
        status: write.status,
        conclusion: write.conclusion ?? null,
        externalId: write.externalId ?? null,
        detailsUrl: write.detailsUrl ?? null,
        title: write.title,
        summary: write.summary
      }
      checkRuns.push(run)
      return run
    },
    async updateCheckRun(id, write) {
      calls.push(`update check run ${id} ${write.status}${write.conclusion !== undefined ? ` ${write.conclusion}` : ''}`)
      const run = checkRuns.find((one) => one.id === id)
      if (run !== undefined) {
        Object.assign(run, { status: write.status, conclusion: write.conclusion ?? run.conclusion, title: write.title, summary: write.summary })
        if (write.detailsUrl !== undefined) run.detailsUrl = write.detailsUrl
        if (write.externalId !== undefined) run.externalId = write.externalId
      }
    },
    async listCheckRuns(ref, name) {
      calls.push(`list check runs ${ref} ${name}`)
      return checkRuns.filter((run) => run.headSha === ref && run.name === name).reverse()
    },
    async failedJobs(runId, attempt) {
      calls.push(`failed jobs ${runId}/${attempt}`)
      return structuredClone(options.failedJobs ?? [])
    },
    async jobLog(jobId) {
      calls.push(`job log ${jobId}`)
      const log = options.jobLogs?.[jobId]
      if (log === undefined) throw new Error(`Could not read the log of job ${jobId} (HTTP 404: Not Found).`)
      if (log instanceof Error) throw log
      return (async function* () {
        yield Buffer.from(log, 'utf8')
      })()
    }
  }
}
