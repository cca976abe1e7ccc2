import { createHash } from 'node:crypto'

/**
 * A session's messages as the action sees them, whatever API version they came from: v3 and v3beta1 list them
 * (`GET …/sessions/{id}/messages`), v1 carries them in the session's own answer. Each adapter maps its shape here.
 */
export interface SessionMessage {
  /** The event's id, when the API gives one. */
  id?: string
  /** Who wrote it: Devin, or a person (the prompt and every message sent to the session). */
  from: 'devin' | 'user'
  text: string
  /** Seconds since the epoch, when the API says. */
  createdAt?: number
}

/** Messages read at most, in pages of the largest size (`first` is 1..200 on v3). */
export const MAX_MESSAGE_PAGES = 10
export const MESSAGE_PAGE_SIZE = 200

/**
 * A message list longer than the action reads in one run. Its newest messages are on the pages not read
 * (the list is chronological), so a part of it would name an old question as Devin's latest: an error instead.
 */
export class MessageListTooLongError extends Error {
  constructor(
    readonly sessionId: string,
    readonly read: number
  ) {
    super(`session ${sessionId} has more messages than the action reads in one run (it stopped after ${read})`)
    this.name = 'MessageListTooLongError'
  }
}

/**
 * One page of messages, checked: the answer must be an object whose `field` is an array. An answer that is
 * not (a proxy's HTML page, JSON cut off) throws, so the request helper retries it like a 5xx instead of the
 * caller reading it as "Devin said nothing".
 */
export function messagePage<F extends string>(body: unknown, field: F): Record<string, unknown> & Record<F, unknown[]> {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as Record<string, unknown>)[field])) {
    throw new Error(`Devin answered a message list without "${field}"`)
  }
  return body as Record<string, unknown> & Record<F, unknown[]>
}

/**
 * The newest message from Devin (the lists are chronological), or undefined when Devin has written none.
 * A person's messages after it do not hide it: it is still what Devin last said.
 */
export function latestDevinMessage(messages: readonly SessionMessage[]): SessionMessage | undefined {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as SessionMessage
    if (message.from === 'devin') return message
  }
  return undefined
}

/** What an event id may be to serve as a message's key as it is: letters, digits, `_` and `-`. */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,128}$/

/**
 * A stable key of a message, the same each time the session is read: its event id when that is a plain token,
 * else a hash of the id (or of the text, when the API gives no id). It names a question in hidden markers, so
 * it never holds anything but letters, digits, `_` and `-`.
 */
export function messageKey(message: SessionMessage): string {
  if (message.id !== undefined && PLAIN_ID.test(message.id)) return message.id
  const source = message.id !== undefined ? `id\n${message.id}` : `text\n${message.text}`
  return `sha256-${createHash('sha256').update(source).digest('hex').slice(0, 32)}`
}
