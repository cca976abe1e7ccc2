import { Input, type InputName } from '../action/constants.js'
import type { ApiVersion, OptionalRequestField } from './session.js'

const ALL: readonly ApiVersion[] = ['v3', 'v3beta1', 'v1']

export interface RequestField {
  /** The field's name in the create-session body. */
  api: string
  /** The action input that sets it. */
  input: InputName
  /** The API versions whose create body has it. */
  versions: readonly ApiVersion[]
}

/**
 * Every optional create-session field: its API name, its input, and the versions that have it. Input
 * checks refuse a field the selected version lacks, naming a version that has it; failure messages
 * name the input behind an API field Devin rejected. Sources: the create-session pages in
 * shared/seeds (v1: 000/001, v3beta1: 003, v3: 002/004) and devin-api.md section 3 (v3beta1 also
 * takes attachment_urls, session_secrets and the schema).
 */
export const REQUEST_FIELDS: Record<OptionalRequestField, RequestField> = {
  title: { api: 'title', input: Input.Title, versions: ALL },
  repos: { api: 'repos', input: Input.Repos, versions: ['v3', 'v3beta1'] },
  playbookId: { api: 'playbook_id', input: Input.PlaybookId, versions: ALL },
  childPlaybookId: { api: 'child_playbook_id', input: Input.ChildPlaybookId, versions: ['v3', 'v3beta1'] },
  knowledgeIds: { api: 'knowledge_ids', input: Input.KnowledgeIds, versions: ALL },
  secretIds: { api: 'secret_ids', input: Input.SecretIds, versions: ALL },
  sessionSecrets: { api: 'session_secrets', input: Input.SessionSecrets, versions: ALL },
  sessionLinks: { api: 'session_links', input: Input.SessionLinks, versions: ['v3', 'v3beta1'] },
  attachmentUrls: { api: 'attachment_urls', input: Input.AttachmentUrls, versions: ['v3', 'v3beta1'] },
  maxAcuLimit: { api: 'max_acu_limit', input: Input.MaxAcuLimit, versions: ALL },
  structuredOutputSchema: { api: 'structured_output_schema', input: Input.StructuredOutputSchema, versions: ALL },
  structuredOutputRequired: { api: 'structured_output_required', input: Input.StructuredOutputRequired, versions: ['v3'] },
  devinMode: { api: 'devin_mode', input: Input.DevinMode, versions: ['v3'] },
  platform: { api: 'platform', input: Input.Platform, versions: ['v3'] },
  resumable: { api: 'resumable', input: Input.Resumable, versions: ['v3'] },
  bypassApproval: { api: 'bypass_approval', input: Input.BypassApproval, versions: ['v3', 'v3beta1'] },
  createAsUserId: { api: 'create_as_user_id', input: Input.CreateAsUserId, versions: ['v3', 'v3beta1'] },
  advancedMode: { api: 'advanced_mode', input: Input.AdvancedMode, versions: ['v3beta1'] },
  snapshotId: { api: 'snapshot_id', input: Input.SnapshotId, versions: ['v1'] },
  unlisted: { api: 'unlisted', input: Input.Unlisted, versions: ['v1'] }
}

/** The input behind each API field of a request (the create body's and a message's), by API name. */
export const API_FIELD_INPUTS: Readonly<Record<string, InputName>> = {
  prompt: Input.Prompt,
  tags: Input.Tags,
  message: Input.Message,
  ...Object.fromEntries(Object.values(REQUEST_FIELDS).map((field) => [field.api, field.input]))
}
