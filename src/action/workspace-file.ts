import { readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'

/**
 * A file an input names in the workspace (`prompt-file`, a `structured-output-schema` file): its text,
 * or why it cannot be used. `missing` is told apart, because each input says differently what it accepts.
 */
export type WorkspaceRead = { ok: true; text: string } | { ok: false; missing: true } | { ok: false; missing: false; problem: string }

/** Reads a file of the workspace by its path relative to the workspace. Passed in, so input parsing does no I/O of its own. */
export type ReadWorkspaceFile = (relativePath: string) => WorkspaceRead

const ACCEPTED = 'Accepted: a path relative to the workspace, without "..".'

/** A relative path without "..": the first check, on the text alone, before the file system is asked. */
export function isInsideWorkspace(path: string): boolean {
  return !isAbsolute(path) && !path.split(/[\\/]/).includes('..')
}

/**
 * Reads `relativePath` in `workspace` only when the file it really is lies inside the workspace. The
 * workspace holds the checked-out repository, and a pull request can add a symbolic link (to
 * /proc/self/environ, to the runner's credentials, or a linked directory on the way) that the
 * action would otherwise read and send to Devin. So both paths are resolved to their real
 * locations, links included, and the file must be a regular file under the real workspace.
 */
export function readWorkspaceFile(workspace: string, relativePath: string): WorkspaceRead {
  if (!isInsideWorkspace(relativePath)) return { ok: false, missing: false, problem: `"${relativePath}" is outside the workspace. ${ACCEPTED}` }
  let root: string
  let real: string
  try {
    root = realpathSync(workspace)
    real = realpathSync(resolve(root, relativePath))
  } catch (error) {
    // A dangling link is a missing file too: what it points to does not exist.
    if (isNotFound(error)) return { ok: false, missing: true }
    return { ok: false, missing: false, problem: `"${relativePath}" cannot be read (${errorText(error)}).` }
  }
  const inside = relative(root, real)
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return {
      ok: false,
      missing: false,
      problem: `"${relativePath}" leads outside the workspace through a symbolic link (to ${real}). Accepted: a file inside the workspace; links in the repository may only point within it.`
    }
  }
  try {
    if (!statSync(real).isFile())
      return { ok: false, missing: false, problem: `"${relativePath}" is not a file. Accepted: the path of a file, not a directory.` }
    // The resolved path is read, not the one given, so what is read is what was checked.
    return { ok: true, text: readFileSync(real, 'utf8') }
  } catch (error) {
    if (isNotFound(error)) return { ok: false, missing: true }
    return { ok: false, missing: false, problem: `"${relativePath}" cannot be read (${errorText(error)}).` }
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
}
