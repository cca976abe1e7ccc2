/**
 * Which requests a fault or a request-log query applies to: an optional method and an optional path pattern.
 * A string pattern is a regular-expression source (so the same spec works in code and over HTTP as JSON); it is
 * tested against the path without the query string.
 */

export interface RequestPattern {
  method?: string
  path?: RegExp | string
}

export type RequestMatcher = (method: string, path: string) => boolean

export function compileMatcher(pattern: RequestPattern = {}): RequestMatcher {
  const method = pattern.method?.toUpperCase()
  const regex = toRegExp(pattern.path)
  return (m, p) => (method === undefined || m.toUpperCase() === method) && (regex === undefined || regex.test(p))
}

/** A fresh, stateless RegExp: the `g` and `y` flags would make `test` depend on the previous call. */
export function toRegExp(path: RegExp | string | undefined): RegExp | undefined {
  if (path === undefined) return undefined
  if (typeof path === 'string') return new RegExp(path)
  return new RegExp(path.source, path.flags.replace(/[gy]/g, ''))
}
