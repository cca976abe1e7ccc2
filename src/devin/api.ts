import type { SessionMessage } from './messages.js'
import type { ApiVersion, Session, SessionRequest } from './session.js'

/** A request as it would go over the wire, for dry runs. */
export interface WireRequest {
  method: 'POST'
  url: string
  body: Record<string, unknown>
}

/** How a list by tag is read. */
export interface ListOptions {
  /** Only sessions created at or after this time (epoch seconds): asked of the API where it can filter, and checked on the client. */
  createdAfter?: number
  /** Pages read at most; the adapter's default when undefined. */
  maxPages?: number
  /** The whole list or an error: read the largest pages, and throw ListTooLongError when pages are left after `maxPages`. */
  whole?: boolean
}

/** A file to hand Devin as an attachment: its name (shown to Devin), its bytes and their media type. */
export interface AttachmentFile {
  name: string
  bytes: Uint8Array
  contentType: string
}

/** A create's answer: the session, and whether Devin made a new one (v1's idempotent create may return an existing one). */
export interface Created {
  session: Session
  isNew: boolean
}

/**
 * The operations the action needs, implemented once per API version. Everything outside the adapters
 * works with this interface and the Session model, never with a version's own shapes.
 */
export interface DevinApi {
  readonly version: ApiVersion
  /** The organization the adapter works in, where the version has one. */
  readonly orgId?: string
  /** The create request for a SessionRequest, without sending it. */
  describeCreate(request: SessionRequest): WireRequest
  /** Creates a session. Not retried once it may have reached Devin: the caller reconciles by tag. */
  create(request: SessionRequest, deadline: number): Promise<Created>
  /** Reads a session; an answer that is not one is retried like a 5xx. `attempts` bounds the tries (the wait polls on by itself). */
  get(sessionId: string, deadline: number, options?: { attempts?: number }): Promise<Session>
  /**
   * Every session carrying the tag, read across pages (bounded), the tag (and `createdAfter`) checked again
   * on the client. By default a list longer than the page bound is cut short; with `whole` it throws
   * ListTooLongError instead, for a caller that must see all of it (a budget's sum).
   */
  listByTag(tag: string, deadline: number, options?: ListOptions): Promise<Session[]>
  /**
   * The session's messages, oldest first, read across pages (bounded): throws MessageListTooLongError when
   * pages are left, since the newest messages are on them. An answer that is not a list is retried like a 5xx.
   */
  listMessages(sessionId: string, deadline: number): Promise<SessionMessage[]>
  /** Sends a message; returns the session as Devin answered it, when it did. */
  sendMessage(sessionId: string, message: string, deadline: number): Promise<Session | undefined>
  /** Ends the session; returns it as Devin answered, when it did. */
  terminate(sessionId: string, deadline: number): Promise<Session | undefined>
  /**
   * Uploads a file for a session to be given (its URL in `attachment_urls`, or the prompt on v1); returns the URL.
   * Sent again only when it certainly never reached Devin: any other failure throws.
   */
  uploadAttachment(file: AttachmentFile, deadline: number): Promise<string>
}
