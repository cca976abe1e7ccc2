import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))
const made: string[] = []

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A throwaway clone of the committed project, where tags can be made freely. */
function clone(): string {
  const parent = mkdtempSync(join(tmpdir(), 'devin-action-release-'))
  made.push(parent)
  const dir = join(parent, 'repo')
  execFileSync('git', ['clone', '--quiet', '--local', root, dir])
  execFileSync('git', ['config', 'user.email', 'release@test.invalid'], { cwd: dir })
  execFileSync('git', ['config', 'user.name', 'Release Test'], { cwd: dir })
  return dir
}

/**
 * Runs the release script with a stand-in for `npm run build`: `fresh` rebuilds nothing (the committed dist/
 * is what a build gives, which .ci/run proves by building and comparing), `stale` changes dist/ as a build of
 * newer source would.
 */
function release(dir: string, version: string, build: 'fresh' | 'stale' = 'fresh') {
  const RELEASE_BUILD_CMD = build === 'fresh' ? 'true' : 'echo "// newer source" >> dist/index.js'
  return spawnSync('bash', ['scripts/release.sh', version], { cwd: dir, env: { ...process.env, RELEASE_NO_PUSH: '1', RELEASE_BUILD_CMD }, encoding: 'utf8' })
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()
const tagTarget = (dir: string, tag: string) => git(dir, 'rev-list', '-n', '1', tag)

describe('the release script', () => {
  it('refuses a version that is not X.Y.Z, an unreleased changelog, a dirty tree and a stale dist/; tags vX.Y.Z and moves the major tag; refuses a repeated tag', () => {
    const dir = clone()
    // What the release of 0.0.9 left behind, one commit earlier.
    const earlier = git(dir, 'rev-parse', 'HEAD~1')
    git(dir, 'tag', '-a', 'v0.0.9', '-m', 'v0.0.9', earlier)
    git(dir, 'tag', '-a', 'v0', '-m', 'v0, now at v0.0.9', earlier)

    expect(release(dir, '1.2').stderr).toContain('usage: npm run release -- X.Y.Z')
    expect(release(dir, '9.9.9').stderr).toContain('CHANGELOG.md has no section for 9.9.9')
    appendFileSync(join(dir, 'README.md'), 'change\n')
    expect(release(dir, '0.1.0').stderr).toContain('uncommitted changes')
    git(dir, 'checkout', '--', 'README.md')
    const stale = release(dir, '0.1.0', 'stale')
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('dist/ is stale: commit the rebuilt bundle first.')
    // The script puts the committed bundle back, and tags nothing.
    expect(git(dir, 'status', '--porcelain')).toBe('')
    expect(git(dir, 'tag', '--list')).toBe('v0\nv0.0.9')

    const first = release(dir, '0.1.0')
    expect(first.status, first.stderr).toBe(0)
    const head = git(dir, 'rev-parse', 'HEAD')
    expect(tagTarget(dir, 'v0.1.0')).toBe(head)
    expect(tagTarget(dir, 'v0')).toBe(head)
    expect(tagTarget(dir, 'v0.0.9')).toBe(earlier)

    const again = release(dir, '0.1.0')
    expect(again.status).toBe(1)
    expect(again.stderr).toContain('v0.1.0 already exists.')
  })
})
