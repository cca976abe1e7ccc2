import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readWorkspaceFile } from '../src/action/workspace-file.js'

// A real directory tree with real links: what a checked-out pull request can hold.
let root: string
let workspace: string

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'workspace-file-'))
  workspace = join(root, 'workspace')
  mkdirSync(join(workspace, 'docs'), { recursive: true })
  mkdirSync(join(root, 'outside'))
  writeFileSync(join(root, 'outside', 'secret.txt'), 'runner secret')
  writeFileSync(join(workspace, 'docs', 'prompt.md'), 'Fix the bug.')
  symlinkSync('/proc/self/environ', join(workspace, 'environ.md'))
  symlinkSync(join(root, 'outside', 'secret.txt'), join(workspace, 'secret.md'))
  symlinkSync('../outside/secret.txt', join(workspace, 'relative.md'))
  symlinkSync(join(root, 'outside'), join(workspace, 'linked'))
  symlinkSync('docs/prompt.md', join(workspace, 'alias.md'))
  symlinkSync('nowhere.md', join(workspace, 'dangling.md'))
  symlinkSync(workspace, join(root, 'workspace-link'))
})

describe('readWorkspaceFile', () => {
  it('reads a file of the workspace, also through a link that stays inside it', () => {
    expect(readWorkspaceFile(workspace, 'docs/prompt.md')).toEqual({ ok: true, text: 'Fix the bug.' })
    expect(readWorkspaceFile(workspace, 'alias.md')).toEqual({ ok: true, text: 'Fix the bug.' })
  })

  it('reads it when the workspace itself is reached through a link', () => {
    expect(readWorkspaceFile(join(root, 'workspace-link'), 'docs/prompt.md')).toEqual({ ok: true, text: 'Fix the bug.' })
  })

  for (const [name, path] of [
    ['a link to /proc/self/environ', 'environ.md'],
    ['an absolute link to a file outside', 'secret.md'],
    ['a relative link to a file outside', 'relative.md'],
    ['a linked parent directory', 'linked/secret.txt']
  ]) {
    it(`refuses ${name}, saying where it leads`, () => {
      const read = readWorkspaceFile(workspace, path as string)
      expect(read).toMatchObject({ ok: false, missing: false })
      const problem = (read as { problem: string }).problem
      expect(problem).toMatch(new RegExp(`^"${path}" leads outside the workspace through a symbolic link \\(to /`))
      expect(problem).toContain('Accepted: a file inside the workspace; links in the repository may only point within it.')
      expect(JSON.stringify(read)).not.toContain('runner secret')
    })
  }

  it('refuses paths that leave the workspace by their text, before looking', () => {
    expect(readWorkspaceFile(workspace, '../outside/secret.txt')).toEqual({
      ok: false,
      missing: false,
      problem: '"../outside/secret.txt" is outside the workspace. Accepted: a path relative to the workspace, without "..".'
    })
    expect(readWorkspaceFile(workspace, '/etc/passwd')).toMatchObject({ ok: false, missing: false })
  })

  it('tells a missing file (or a dangling link) from a directory', () => {
    expect(readWorkspaceFile(workspace, 'none.md')).toEqual({ ok: false, missing: true })
    expect(readWorkspaceFile(workspace, 'dangling.md')).toEqual({ ok: false, missing: true })
    expect(readWorkspaceFile(workspace, 'docs')).toEqual({
      ok: false,
      missing: false,
      problem: '"docs" is not a file. Accepted: the path of a file, not a directory.'
    })
  })
})
