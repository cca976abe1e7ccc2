import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { emulator } from './helpers.ts'

/** emulator/main.ts runs on Node 24's type stripping: use the project's Node 24 (the `node` devDependency). */
const NODE = existsSync(path.resolve('node_modules/.bin/node')) ? path.resolve('node_modules/.bin/node') : process.execPath

function start(args: string[]) {
  const child = spawn(NODE, ['emulator/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output in 10 s; stderr: ${stderr}`)), 10_000)
    child.stdout.on('data', () => {
      if (stdout.includes('\n')) {
        clearTimeout(timer)
        resolve(stdout.split('\n')[0] ?? '')
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}; stderr: ${stderr}`))
    })
  })
  // A run that is expected to fail never prints a first line: that rejection is not an error of the test.
  firstLine.catch(() => undefined)
  return { child, firstLine, exited, output: () => ({ stdout, stderr }) }
}

describe('npm run emulator (emulator/main.ts)', () => {
  it('prints its URL, serves the flags it was given, and stops cleanly on SIGTERM', async () => {
    const run = start(['--port', '0', '--scenario', 'exit', '--org-id', 'org-main', '--allowed-tags', 'gh-*, team', '--quiet'])
    try {
      const line = await run.firstLine
      expect(line).toMatch(/^Devin API emulator listening on http:\/\/127\.0\.0\.1:\d+ \(org org-main, scenario exit\)$/)
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0]
      const self = await fetch(`${url}/v3/self`, { headers: { authorization: 'Bearer cog_x' } })
      expect(await self.json()).toMatchObject({ org_id: 'org-main' })
      const create = (tags: string[]) =>
        fetch(`${url}/v3/organizations/org-main/sessions`, {
          method: 'POST',
          headers: { authorization: 'Bearer cog_x', 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'p', tags })
        })
      expect((await create(['gh-repo:1', 'team'])).status).toBe(200)
      const refused = await create(['gh-repo:1', 'other'])
      expect(refused.status).toBe(400)
      expect(((await refused.json()) as { detail: string }).detail).toContain("'other'")
    } finally {
      run.child.kill('SIGTERM')
    }
    expect(await run.exited).toBe(0)
    expect(run.output().stdout).toContain('api-url: http://127.0.0.1:')
    expect(run.output().stdout).toContain('stopped (SIGTERM)')
  })

  it('with --github, also serves the fake GitHub API with the permissions given', async () => {
    const run = start(['--port', '0', '--quiet', '--github', '--github-permission', 'ada=write'])
    try {
      await run.firstLine
      await expect.poll(() => run.output().stdout).toContain('Fake GitHub API listening on')
      const url = /Fake GitHub API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stdout)?.[1]
      const res = await fetch(`${url}/repos/o/r/collaborators/ada/permission`)
      expect(await res.json()).toMatchObject({ permission: 'write' })
      expect((await fetch(`${url}/repos/o/r/collaborators/eve/permission`)).status).toBe(404)
    } finally {
      run.child.kill('SIGTERM')
    }
    expect(await run.exited).toBe(0)
  })

  it('refuses a --github-permission that is not LOGIN=ROLE', async () => {
    const run = start(['--port', '0', '--github', '--github-permission', 'ada=owner'])
    expect(await run.exited).toBe(1)
    expect(run.output().stderr).toContain("--github-permission must be LOGIN=ROLE with ROLE one of read, triage, write, maintain, admin, got 'ada=owner'")
  })

  it('fails with a clear message when the port is taken', async () => {
    const busy = await emulator()
    const port = new URL(busy.url).port
    const run = start(['--port', port])
    const code = await run.exited
    expect(code).toBe(1)
    expect(run.output().stderr).toMatch(/port is taken; choose another with --port N/)
  })
})
