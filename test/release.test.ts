import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
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
  // would make its dist/ differ from the committed one.
  execFileSync('cp', ['-al', join(root, 'node_modules'), join(dir, 'node_modules')])
  execFileSync('git', ['config', 'user.email', 'release@test.invalid'], { cwd: dir })
  execFileSync('git', ['config', 'user.name', 'Release Test'], { cwd: dir })
  return dir
}

function release(dir: string, version: string) {
  return spawnSync('bash', ['scripts/release.sh', version], { cwd: dir, env: { ...process.env, RELEASE_NO_PUSH: '1' }, encoding: 'utf8' })
}

const tagTarget = (dir: string, tag: string) => execFileSync('git', ['rev-list', '-n', '1', tag], { cwd: dir, encoding: 'utf8' }).trim()

describe('the release script', { timeout: 60_000 }, () => {
  it('tags vX.Y.Z and moves the major tag with each release', () => {
    const dir = clone()
    const first = release(dir, '0.1.0')
    expect(first.status, first.stderr).toBe(0)
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()
    expect(tagTarget(dir, 'v0.1.0')).toBe(head)
    expect(tagTarget(dir, 'v0')).toBe(head)

    appendFileSync(join(dir, 'CHANGELOG.md'), '\n## [0.1.1]\n\n- A fix.\n')
    execFileSync('git', ['commit', '--quiet', '-am', 'Release notes for 0.1.1'], { cwd: dir })
    const second = release(dir, '0.1.1')
    expect(second.status, second.stderr).toBe(0)
    const next = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()
    expect(tagTarget(dir, 'v0')).toBe(next)
    expect(tagTarget(dir, 'v0.1.0')).toBe(head)
  })

  it('refuses a version that is not X.Y.Z, an unreleased changelog, a repeated tag and a dirty tree', () => {
    const dir = clone()
    expect(release(dir, '1.2').stderr).toContain('usage: npm run release -- X.Y.Z')
    expect(release(dir, '9.9.9').stderr).toContain('CHANGELOG.md has no section for 9.9.9')
    expect(release(dir, '0.1.0').status).toBe(0)
    expect(release(dir, '0.1.0').stderr).toContain('v0.1.0 already exists.')
    appendFileSync(join(dir, 'README.md'), 'change\n')
    expect(release(dir, '0.1.1').stderr).toContain('uncommitted changes')
  })
})
