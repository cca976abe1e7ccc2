/**
 * Writes dist/licenses.txt: the license of every package the bundle can contain, that is every
 * production dependency in the lockfile, with its license text. Run by `npm run build` after ncc,
 * whose own list leaves out packages it bundles into lazily loaded chunks. Sorted, so the file is
 * the same on every build.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

interface LockPackage {
  version?: string
  license?: string
  dev?: boolean
}

/** The production packages of the lockfile, by name, each once (the first version found wins). */
export function productionPackages(lock: { packages: Record<string, LockPackage> }): { name: string; path: string; version: string; license: string }[] {
  const seen = new Map<string, { name: string; path: string; version: string; license: string }>()
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev === true) continue
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const key = `${name}@${entry.version ?? ''}`
    if (!seen.has(key)) seen.set(key, { name, path, version: entry.version ?? '', license: entry.license ?? 'UNKNOWN' })
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
}

function licenseText(packageDir: string): string {
  if (!existsSync(packageDir)) return '(package not installed)'
  const file = readdirSync(packageDir).find((name) => /^licen[cs]e(\.(md|txt))?$/i.test(name))
  return file === undefined ? '(no license file in the package)' : readFileSync(join(packageDir, file), 'utf8').trim()
}

export function licensesFile(): string {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> }
  return `${productionPackages(lock)
    .map((pkg) => `${pkg.name}@${pkg.version}\n${pkg.license}\n\n${licenseText(join(root, pkg.path))}\n`)
    .join('\n---\n\n')}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(join(root, 'dist/licenses.txt'), licensesFile())
}
