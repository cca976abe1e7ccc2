/**
 * `npm run docs`: writes the README's inputs and outputs tables from action.yml, between the
 * `<!-- inputs -->` / `<!-- outputs -->` markers. A test fails when the README is stale, so an input
 * added to action.yml alone cannot go unnoticed. `--check` prints what would change and exits 1.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type ActionYml, readActionYml } from './lib/action-yml.ts'

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url))

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim()
}

export function inputsTable(action: ActionYml = readActionYml()): string {
  const rows = Object.entries(action.inputs).map(([name, spec]) => {
    const fallback = spec.required === true ? '(required)' : spec.default === '' || spec.default === undefined ? "`''`" : `\`${spec.default}\``
    return `| \`${name}\` | ${cell(fallback)} | ${cell(spec.description)} |`
  })
  return ['| input | default | description |', '|---|---|---|', ...rows].join('\n')
}

export function outputsTable(action: ActionYml = readActionYml()): string {
  const rows = Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
  return ['| output | description |', '|---|---|', ...rows].join('\n')
}

/** The README with both tables replaced; throws when a marker pair is missing. */
export function withTables(readme: string, action: ActionYml = readActionYml()): string {
  let text = readme
  for (const [name, table] of [
    ['inputs', inputsTable(action)],
    ['outputs', outputsTable(action)]
  ] as const) {
    const pattern = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`)
    if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> markers`)
    text = text.replace(pattern, (_match, open: string, close: string) => `${open}${table}\n${close}`)
  }
  return text
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync(readmePath, 'utf8')
  const updated = withTables(readme)
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error('README.md tables are stale: run npm run docs')
      process.exit(1)
    }
  } else if (updated !== readme) {
    writeFileSync(readmePath, updated)
    console.log('README.md tables updated from action.yml')
  } else {
    console.log('README.md tables are up to date')
  }
}
