/**
 * One measured process of `npm run bench`'s CI log figure: reads a job's log from the fake GitHub through
 * the action's own client (jobLog: the 302, then the stream) and trims it (trimCiLog), as the action does,
 * then prints its figures and the process's peak resident memory as JSON. The fake GitHub runs in the
 * parent, so producing the log costs this process nothing.
 */
import { trimCiLog } from '../../src/ask/ci-log.js'
import { createGitHub } from '../../src/github/client.js'

const { BENCH_GITHUB_URL = '', BENCH_JOB_ID = '0', BENCH_MAX_BYTES = '65536' } = process.env
const github = createGitHub('ghs_BenchTokenNotASecret0000000000000000', BENCH_GITHUB_URL, 'octo-org/octo-repo')
const log = await trimCiLog(await github.jobLog(Number(BENCH_JOB_ID)), { maxBytes: Number(BENCH_MAX_BYTES), redact: (text) => text })
process.stdout.write(
  JSON.stringify({
    originalBytes: log.originalBytes,
    keptBytes: log.keptBytes,
    lastLine: log.text.split('\n').at(-1),
    maxRssKb: process.resourceUsage().maxRSS
  })
)
