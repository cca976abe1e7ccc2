import type { ApiVersion, OptionalRequestField } from './session.js'

const ALL: readonly ApiVersion[] = ['v3', 'v3beta1', 'v1']

/**
 * Which API versions have each optional create-session field. Input validation uses it to refuse a
 * field the selected version lacks, naming a version that has it, before anything is sent.
 * Sources: the create-session pages in shared/seeds (v1: 000/001, v3beta1: 003, v3: 002/004) and
 * devin-api.md section 3 (v3beta1 also takes attachment_urls, session_secrets and the schema).
 */
export const FIELD_VERSIONS: Record<OptionalRequestField, readonly ApiVersion[]> = {
  title: ALL,
  repos: ['v3', 'v3beta1'],
  playbookId: ALL,
  childPlaybookId: ['v3', 'v3beta1'],
  knowledgeIds: ALL,
  secretIds: ALL,
  sessionSecrets: ALL,
  sessionLinks: ['v3', 'v3beta1'],
  attachmentUrls: ['v3', 'v3beta1'],
  maxAcuLimit: ALL,
  structuredOutputSchema: ALL,
  structuredOutputRequired: ['v3'],
  devinMode: ['v3'],
  platform: ['v3'],
  resumable: ['v3'],
  bypassApproval: ['v3', 'v3beta1'],
  createAsUserId: ['v3', 'v3beta1'],
  advancedMode: ['v3beta1'],
  snapshotId: ['v1'],
  unlisted: ['v1']
}
