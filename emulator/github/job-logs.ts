/**
 * Job logs for the fake GitHub, as the runner writes them: each line after a timestamp, colour codes, the
 * runner's `##[group]`/`##[error]` markers; a failing end that holds planted credentials (fakes of every kind
 * the action must redact); and a log of any size produced while it is sent, for memory benchmarks.
 */
import type { FakeJobLog } from './state.ts'

const ESC = '\x1b'

/**
 * Credentials planted in the failing log, by kind. None is real: the GitHub and Devin tokens are made up, the
 * AWS pair is AWS's documentation example, the private key is not a key. Tests assert none survives trimming.
 */
export const PLANTED_CREDENTIALS = {
  githubToken: 'ghp_FakeGitHubTokenPlantedInTheLog0001',
  githubOAuth: 'gho_FakeOAuthTokenPlantedInTheLog00002',
  githubUserToServer: 'ghu_FakeUserTokenPlantedInTheLog000003',
  githubServerToServer: 'ghs_FakeInstallTokenPlantedInTheLog004',
  githubRefresh: 'ghr_FakeRefreshTokenPlantedInTheLog0005',
  githubFineGrained: 'github_pat_11FAKEPLANT0_FakeFineGrainedTokenPlantedInTheLogForTests06',
  devinServiceKey: 'cog_fakeplanted7service8key9in0the1log',
  devinV1Key: 'apk_fakeplanted7v1key8in9the0log',
  devinV1UserKey: 'apk_user_fakeplanted7v1key8in9the0log',
  awsAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  awsTemporaryKeyId: 'ASIAIOSFODNN7EXAMPLE',
  awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  bearerToken: 'eyJhbGciOiJIUzI1NiJ9.fakeplantedbearer.c2lnbmF0dXJl',
  privateKeyBody: 'MIIEowIBAAKCAQEAfakeplantedprivatekeymaterialnotarealkey0123456789'
} as const

/** One runner line: the timestamp the runner puts first, then the text. */
function line(text: string, second = 33): string {
  return `2026-12-02T04:12:${String(second).padStart(2, '0')}.1234567Z ${text}\n`
}

/**
 * A failing test job's log: setup in groups, coloured test output, the credentials of PLANTED_CREDENTIALS
 * printed the ways CI logs leak them, then the failure. `extra` holds more lines (such as the action's own
 * secrets, to check they go too), printed just before the failure.
 */
export function failingJobLog(extra: readonly string[] = []): string {
  const c = PLANTED_CREDENTIALS
  return [
    `\uFEFF${line('##[group]Run actions/checkout@v4', 1)}`,
    line('Syncing repository: octo-org/octo-repo', 2),
    line('##[endgroup]', 3),
    line('##[group]Run npm test', 4),
    line(`${ESC}[36;1mnpm test${ESC}[0m`, 4),
    line('##[endgroup]', 5),
    line(`${ESC}]0;npm test${ESC}\\> octo-repo@1.0.0 test`, 6),
    line(`GITHUB_TOKEN=${c.githubToken} GH_OAUTH=${c.githubOAuth}`, 7),
    line(`using ${c.githubUserToServer} and ${c.githubServerToServer}, refresh ${c.githubRefresh}`, 8),
    line(`git clone https://x-access-token:${c.githubFineGrained}@github.com/octo-org/private.git`, 9),
    line(`DEVIN_API_KEY=${c.devinServiceKey} LEGACY=${c.devinV1Key} PERSONAL=${c.devinV1UserKey}`, 10),
    line(`aws configure: AWS_ACCESS_KEY_ID=${c.awsAccessKeyId} session key ${c.awsTemporaryKeyId}`, 11),
    line(`aws_secret_access_key = ${c.awsSecretAccessKey}`, 12),
    line(`> GET /api HTTP/1.1\r\n> Authorization: Bearer ${c.bearerToken}`, 13),
    line('-----BEGIN RSA PRIVATE KEY-----', 14),
    line(c.privateKeyBody, 14),
    line('3Wg0fakeplantedsecondlineofkeymaterial==', 14),
    line('-----END RSA PRIVATE KEY-----', 14),
    ...extra.map((text) => line(text, 15)),
    line(`${ESC}[31m${ESC}[1m FAIL ${ESC}[22m${ESC}[39m test/math.test.ts > adds`, 20),
    line(`${ESC}[31mAssertionError: expected 3 to be 4${ESC}[39m`, 20),
    line(`${ESC}[2m ❯ test/math.test.ts:${ESC}[0m${ESC}[33m7:17${ESC}[0m`, 20),
    line('##[error]Process completed with exit code 1.', 21)
  ].join('')
}

/** Size of the repeated block of a generated log. */
const BLOCK_BYTES = 64 * 1024

/**
 * A log of about `bytes` bytes, produced while it is sent: passing test output (timestamps, colour codes)
 * repeated in one 64 KiB block, then `tail` (by default the failing log). Nothing of its size is held.
 */
export function generatedJobLog(bytes: number, tail: string = failingJobLog()): FakeJobLog {
  const tailBytes = Buffer.from(tail, 'utf8')
  const lines: string[] = []
  let size = 0
  for (let n = 0; size < BLOCK_BYTES; n++) {
    const text = line(`${ESC}[32m✓${ESC}[0m test/suite-${n % 97}.test.ts > case ${n} ${ESC}[2m(${n % 13} ms)${ESC}[0m`, n % 60)
    size += Buffer.byteLength(text)
    lines.push(text)
  }
  // Whole lines only, so the block can repeat.
  while (size > BLOCK_BYTES) size -= Buffer.byteLength(lines.pop() as string)
  const block = Buffer.from(lines.join(''), 'utf8')
  return {
    *chunks() {
      let left = Math.max(0, bytes - tailBytes.length)
      for (; left >= block.length; left -= block.length) yield block
      if (left > 0) {
        const end = block.lastIndexOf(0x0a, left - 1) + 1
        if (end > 0) yield block.subarray(0, end)
      }
      yield tailBytes
    }
  }
}
