/** A v3 SessionResponse with every required field, as the API documents it; override what a test needs. */
export function v3SessionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = typeof overrides.session_id === 'string' ? overrides.session_id : 'devin-abc123'
  return {
    session_id: id,
    url: `https://app.devin.ai/sessions/${id}`,
    status: 'new',
    tags: [],
    org_id: 'org-1',
    created_at: 1_700_000_000,
    updated_at: 1_700_000_000,
    acus_consumed: 0,
    pull_requests: [],
    ...overrides
  }
}
