/**
 * One page of a session list, checked: the answer must be a JSON object whose `field` is an array. An
 * answer that is not (a proxy's HTML page, JSON cut off, an error object sent with 200) throws, so the
 * request helper retries it like a 5xx instead of the caller reading it as an empty list, which would tell
 * exactly-once "no session has this tag" when it does not know.
 */
export function listPage<F extends string>(body: unknown, field: F): Record<string, unknown> & Record<F, unknown[]> {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as Record<string, unknown>)[field])) {
    throw new Error(`Devin answered a session list without "${field}"`)
  }
  return body as Record<string, unknown> & Record<F, unknown[]>
}

/** A list that has more pages than the caller may read, where a part of it would be a wrong answer. */
export class ListTooLongError extends Error {
  constructor(
    readonly tag: string,
    readonly read: number
  ) {
    super(`more sessions are tagged ${tag} than the action reads in one run (it stopped after ${read})`)
    this.name = 'ListTooLongError'
  }
}

/**
 * Whether a listed session belongs in a list by `tag` created at or after `createdAfter`: the API's filters are
 * not documented exactly (AND or OR, exact or prefix, inclusive or not), so both are checked here again. A
 * session whose creation time is not given is kept: a caller that sums would rather count too much.
 */
export function isListed(session: { tags: readonly string[]; createdAt?: number }, tag: string, createdAfter: number | undefined): boolean {
  if (!session.tags.includes(tag)) return false
  return createdAfter === undefined || session.createdAt === undefined || session.createdAt >= createdAfter
}
