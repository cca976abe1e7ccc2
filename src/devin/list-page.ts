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
