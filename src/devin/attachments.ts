import type { AttachmentFile } from './api.js'
import type { DevinHttp } from './http.js'

/** What an upload needs of the version: where it goes, what its answer looks like, and the words for its failures. */
export interface UploadRoute {
  path: string
  /** The permission an upload needs (named in a 403), where the version has permissions. */
  permission?: string
  notFound: string
  /** The attachment's URL from a success answer; throws when the answer carries none (then read like a 5xx). */
  read(body: unknown): string
}

/**
 * Uploads one file as multipart/form-data with the field `file` (devin-api.md §9.1), built with the platform's
 * FormData and Blob. The upload is not idempotent and Devin keeps what it received: like a create it is sent
 * again only when it certainly never reached Devin (`retry: 'unsafe'`), and any other failure is the caller's
 * to report. An attachment that may exist in Devin but was never named in a session is harmless.
 */
export async function uploadFile(http: DevinHttp, route: UploadRoute, file: AttachmentFile, deadline: number): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob([file.bytes], { type: file.contentType }), file.name)
  return http.request({
    method: 'POST',
    path: route.path,
    form,
    operation: { description: `upload the attachment "${file.name}"`, permission: route.permission, notFound: route.notFound },
    retry: 'unsafe',
    deadline,
    read: route.read
  })
}

/** An absolute http(s) URL, as an upload's answer must carry. */
export function attachmentUrl(value: unknown): string {
  if (typeof value !== 'string' || !/^https?:\/\/\S+$/i.test(value.trim())) throw new Error('no attachment URL')
  return value.trim()
}
