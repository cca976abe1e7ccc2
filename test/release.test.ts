import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))
const made: string[] = []

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A throwaway clone of the committed project, sharing node_modules, where tags can be made freely. */
function clone(): string {
  // Beside the project, so the hard links stay on one file system.
  const parent = mkdtempSync(join(root, '.tmp-release-'))
  made.push(parent)
  const dir = join(parent, 'repo')
  execFileSync('git', ['clone', '--quiet', '--local', root, dir])
  // Hard links, not a symlink: the bundler names chunks by module path, and a path outside the clone
  // would make its dist/ differ from the committed one. A node_modules that is itself a link (a git
  // worktree sharing another checkout's) is copied from where it leads.
  execFileSync('cp', ['-al', realpathSync(join(root, 'node_modules')), join(dir, 'node_modules')])
  execFileSync('git', ['config', 'user.email', 'release@test.invalid'], { cwd: dir })
  execFileSync('git', ['config', 'user.name', 'Release Test'], { cwd: dir })
  return dir
}

function release(dir: string, version: string) {
  return spawnSync('bash', ['scripts/release.sh', version], { cwd: dir, env: { ...process.env, RELEASE_NO_PUSH: '1' }, encoding: 'utf8' })
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()
const tagTarget = (dir: string, tag: string) => git(dir, 'rev-list', '-n', '1', tag)

// One clone and one release, so the bundle is built once (a build costs about 15 s of CPU): the refusals
// stop before the build, and the major tag moves from where an earlier release left it. The timeout leaves
// room for a build that shares the cores with the other test files.
describe('the release script', { timeout: 180_000 }, () => {
  it('refuses a version that is not X.Y.Z, an unreleased changelog and a dirty tree; tags vX.Y.Z and moves the major tag; refuses a repeated tag', () => {
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
