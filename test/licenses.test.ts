import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { licensesFile, productionPackages } from '../scripts/licenses.ts'

const committed = readFileSync(new URL('../dist/licenses.txt', import.meta.url), 'utf8')

describe('dist/licenses.txt', () => {
  it('names every production package with its license, including those only in lazily loaded chunks', () => {
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as Parameters<typeof productionPackages>[0]
    const packages = productionPackages(lock)
    expect(packages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['zod', '@octokit/core', 'ajv', 'yaml', 'undici']))
    for (const pkg of packages) expect(committed).toContain(`${pkg.name}@${pkg.version}\n${pkg.license}\n`)
    expect(committed).not.toContain('vitest@')
  })

  it('is what the build writes now', () => {
    expect(licensesFile()).toBe(committed)
  })
})
