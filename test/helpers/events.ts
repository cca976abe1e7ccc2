import { examplePayload } from '../../scripts/lib/action-runner.ts'
import { type Trigger, readTrigger } from '../../src/event/trigger.js'

export { examplePayload }

/** The runner's environment for an event, around the real payload. */
export function eventEnv(event: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_EVENT_NAME: event,
    GITHUB_ACTOR: 'Codertocat',
    GITHUB_SHA: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '77',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Devin',
    GITHUB_JOB: 'devin',
    GITHUB_ACTION: '__run',
    GITHUB_WORKSPACE: '/workspace',
    ...overrides
  }
}

/**
 * A trigger read from a real @octokit/webhooks-examples payload, adapted only where the case needs
 * it (a comment body that mentions the phrase, a sender that is a bot, a fork).
 */
export function triggerFor(event: string, action: string | undefined, adapt: (payload: Record<string, any>) => void = () => undefined): Trigger {
  const payload = examplePayload(event === 'pull_request_target' ? 'pull_request' : event, action) as Record<string, any>
  adapt(payload)
  return readTrigger(eventEnv(event), JSON.stringify(payload))
}
