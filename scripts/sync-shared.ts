/**
 * `npm run sync-shared [-- --check] [--from <dir>]`: refreshes the repository's copies of the team's shared
 * documents: the product contract (docs/CONTRACT.md) and the official create-session pages the emulator's
 * schemas come from (emulator/seeds/). The tests read only these copies, so a fresh clone runs every test.
 * `--check` changes nothing and exits 1 when a copy differs from the shared original.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, from: { type: 'string' } } })
const shared = path.resolve(values.from ?? process.env['SHARED_DIR'] ?? path.join(ROOT, '..', 'shared'))
if (!existsSync(path.join(shared, 'CONTRACT.md'))) {
  process.stderr.write(`No CONTRACT.md in ${shared}: pass --from <dir> (or set SHARED_DIR) to the folder that holds CONTRACT.md and seeds/.\n`)
  process.exit(2)
}

const pairs: [string, string][] = [[path.join(shared, 'CONTRACT.md'), path.join(ROOT, 'docs', 'CONTRACT.md')]]
for (const file of readdirSync(path.join(shared, 'seeds'))
  .filter((name) => name.endsWith('.txt'))
  .sort()) {
  pairs.push([path.join(shared, 'seeds', file), path.join(ROOT, 'emulator', 'seeds', file)])
}

let differing = 0
for (const [from, to] of pairs) {
  const same = existsSync(to) && readFileSync(from).equals(readFileSync(to))
  if (same) continue
  differing++
  if (values.check) process.stderr.write(`${path.relative(ROOT, to)} differs from ${from}\n`)
  else {
    copyFileSync(from, to)
    process.stdout.write(`updated ${path.relative(ROOT, to)}\n`)
  }
}
if (differing === 0) process.stdout.write('docs/CONTRACT.md and emulator/seeds/ match the shared originals\n')
else if (!values.check) process.stdout.write('Now run `npm run schemas` if a seed changed, and the tests.\n')
process.exitCode = values.check && differing > 0 ? 1 : 0
