import type { CheckRun, GitHub, ThreadComment } from './client.js'

/** GitHub calls a run made: lists read (a thread's comments, a commit's check runs, who the token is) and writes. */
export interface GitHubCalls {
  reads: number
  writes: number
}

/**
 * The GitHub client of a run that visits many sessions (the reconcile job): each thread's comments and each
 * commit's check runs are read once and kept for the run, since several sessions share a thread or a commit, and
 * every read and write is counted so the run can print what it cost. A list is one read however many pages it
 * took (each is bounded by the client). Writes are not folded into the kept lists: a run writes each session's
 * own comment and check run at most once, and the question marker it posts names one session only.
 */
export function cachedReads(github: GitHub, calls: GitHubCalls): GitHub {
  const comments = new Map<number, Promise<ThreadComment[]>>()
  const checkRuns = new Map<string, Promise<CheckRun[]>>()
  const heads = new Map<number, Promise<string>>()
  let viewer: Promise<string | undefined> | undefined
  const read = <K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> => {
    let found = cache.get(key)
    if (found === undefined) {
      calls.reads++
      // A failed read is kept too: the sessions of that thread or commit are skipped with a warning, rather than
      // ask again for each of them what GitHub just refused.
      found = load()
      cache.set(key, found)
    }
    return found
  }
  const write = async <T>(send: () => Promise<T>): Promise<T> => {
    calls.writes++
    return send()
  }
  return {
    permission: (user) => {
      calls.reads++
      return github.permission(user)
    },
    listComments: (issueNumber) => read(comments, issueNumber, () => github.listComments(issueNumber)),
    listCheckRuns: (ref, name) => read(checkRuns, `${ref}\n${name}`, () => github.listCheckRuns(ref, name)),
    viewer() {
      if (viewer === undefined) {
        calls.reads++
        viewer = github.viewer()
      }
      return viewer
    },
    createComment: (issueNumber, body) => write(() => github.createComment(issueNumber, body)),
    updateComment: (commentId, body) => write(() => github.updateComment(commentId, body)),
    createCheckRun: (headSha, name, checkRun) => write(() => github.createCheckRun(headSha, name, checkRun)),
    updateCheckRun: (checkRunId, checkRun) => write(() => github.updateCheckRun(checkRunId, checkRun)),
    react: (commentId, kind, content) => write(() => github.react(commentId, kind, content)),
    pullHead: (pullNumber) => read(heads, pullNumber, () => github.pullHead(pullNumber)),
    failedJobs: (runId, attempt) => {
      calls.reads++
      return github.failedJobs(runId, attempt)
    },
    jobLog: (jobId) => {
      calls.reads++
      return github.jobLog(jobId)
    }
  }
}
