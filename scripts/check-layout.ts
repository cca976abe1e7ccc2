/**
 * `npm run layout`: checks the shape of src/ that ../shared/DESIGN.md describes, so it cannot erode unseen:
 * - no import cycle between src files (type-only imports included: a cycle of types is still a knot to read);
 * - only the entry files (index.ts, main.ts, post.ts) at src/'s root, every other file in a stage folder;
 * - `devin/` knows nothing of GitHub and `github/` nothing of Devin's client;
 * - `policy/`, `ask/` and `event/` do no I/O (no node:fs, node:http(s), node:net or fetch);
 * - only `main.ts` (and index.ts's last guard) fails the step; nothing in src imports the emulator or scripts.
 * Prints each problem and exits 1 when there is any.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SRC = path.join(ROOT, 'src')
const ENTRIES = new Set(['index.ts', 'main.ts', 'post.ts'])
const FOLDERS = new Set(['action', 'event', 'ask', 'policy', 'jobs', 'devin', 'github', 'report', 'lazy'])
const PURE = ['policy/', 'ask/', 'event/']
const IO = /\bfrom ['"]node:(fs|http|https|net|child_process)['"]|\bfetch\(/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

/** The src files a file imports (relative specifiers only; packages are not part of the layout). */
function importsOf(file: string, text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const spec = (match[1] ?? match[2]) as string
    found.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'))
  }
  return found
}

export function layoutProblems(): string[] {
  const problems: string[] = []
  const files = sourceFiles(SRC)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const rel = path.relative(SRC, file)
    const text = readFileSync(file, 'utf8')
    const imports = importsOf(file, text)
    graph.set(file, imports)
    const [folder] = rel.split(path.sep)
    if (!rel.includes(path.sep) && !ENTRIES.has(rel)) problems.push(`${rel}: only ${[...ENTRIES].join(', ')} belong at src/'s root; put it in a stage folder`)
    if (rel.includes(path.sep) && !FOLDERS.has(folder as string))
      problems.push(`${rel}: "${folder}/" is not one of the stage folders (${[...FOLDERS].join(', ')})`)
    const targets = imports.map((target) => path.relative(SRC, target))
    if (folder === 'devin' && targets.some((t) => t.startsWith('github/'))) problems.push(`${rel}: devin/ must not import github/`)
    if (folder === 'github' && targets.some((t) => t.startsWith('devin/') && !t.startsWith('devin/session')))
      problems.push(`${rel}: github/ must not import Devin's client`)
    if (PURE.some((prefix) => rel.startsWith(prefix)) && IO.test(text))
      problems.push(`${rel}: ${folder}/ is pure (data in, data out); do the I/O at an edge and pass it in`)
    if (targets.some((t) => t.startsWith('..'))) problems.push(`${rel}: imports from outside src/ (the emulator and scripts are not part of the action)`)
    if (/\.setFailed\(/.test(text) && !['main.ts', 'index.ts', path.join('action', 'runner.ts')].includes(rel))
      problems.push(`${rel}: only main.ts fails the step; throw an error that says what to fix`)
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.map((file) => path.relative(SRC, file)).join(' → ')}`)
  return problems
}

/**
 * Import cycles, found as back edges of one depth-first search (each file visited once, so the check stays
 * linear): every cycle in the graph shows up as at least one of them.
 */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of [...graph.keys()].sort()) if (state.get(file) === undefined) visit(file)
  return found
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = layoutProblems()
  for (const problem of problems) process.stderr.write(`${problem}\n`)
  if (problems.length === 0) process.stdout.write('src/ layout: no import cycle, entry files only at the root, the stage rules hold\n')
  process.exitCode = problems.length === 0 ? 0 : 1
}
