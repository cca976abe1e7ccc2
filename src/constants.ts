/** Names of the action's inputs, as declared in action.yml. */
export const Input = {
  ApiKey: 'api-key',
  OrgId: 'org-id',
  ApiVersion: 'api-version',
  ApiUrl: 'api-url',
  Prompt: 'prompt',
  PromptFile: 'prompt-file',
  Title: 'title',
  Tags: 'tags',
  Repos: 'repos',
  PlaybookId: 'playbook-id',
  ChildPlaybookId: 'child-playbook-id',
  KnowledgeIds: 'knowledge-ids',
  SecretIds: 'secret-ids',
  SessionSecrets: 'session-secrets',
  SessionLinks: 'session-links',
  AttachmentUrls: 'attachment-urls',
  MaxAcuLimit: 'max-acu-limit',
  StructuredOutputSchema: 'structured-output-schema',
  StructuredOutputRequired: 'structured-output-required',
  DevinMode: 'devin-mode',
  Platform: 'platform',
  Resumable: 'resumable',
  BypassApproval: 'bypass-approval',
  CreateAsUserId: 'create-as-user-id',
  AdvancedMode: 'advanced-mode',
  SnapshotId: 'snapshot-id',
  Unlisted: 'unlisted',
  IdempotencyKey: 'idempotency-key',
  Message: 'message',
  SessionId: 'session-id',
  Wait: 'wait',
  WaitTimeout: 'wait-timeout',
  PollInterval: 'poll-interval',
  OnTimeout: 'on-timeout',
  FailOn: 'fail-on',
  TerminateOnCancel: 'terminate-on-cancel',
  GithubToken: 'github-token',
  Comment: 'comment',
  TriggerPhrase: 'trigger-phrase',
  RequiredPermission: 'required-permission',
  AllowedBots: 'allowed-bots',
  AllowForks: 'allow-forks',
  DryRun: 'dry-run'
} as const
export type InputName = (typeof Input)[keyof typeof Input]

/** Names of the action's outputs, as declared in action.yml. */
export const Output = {
  SessionId: 'session-id',
  SessionUrl: 'session-url',
  IsNewSession: 'is-new-session',
  Status: 'status',
  StatusDetail: 'status-detail',
  Outcome: 'outcome',
  PullRequests: 'pull-requests',
  PullRequestUrl: 'pull-request-url',
  StructuredOutput: 'structured-output',
  AcusConsumed: 'acus-consumed',
  SkipReason: 'skip-reason',
  Prompt: 'prompt'
} as const
export type OutputName = (typeof Output)[keyof typeof Output]

/** Keys of the state the main step saves for the post step. */
export const State = {
  IsPost: 'is-post',
  /** The session a wait started on and how to reach it (`WaitingState`), for the post step to end on cancellation. */
  Waiting: 'waiting-on',
  /** Set when the wait ended by itself: the post step then has nothing to do. */
  WaitDone: 'wait-done'
} as const

/** How long the post step may spend ending a cancelled session. */
export const CLEANUP_DEADLINE_MS = 30_000

/** Devin accepts at most this many tags on a session. */
export const MAX_TAGS = 50

/** Per-request timeout for calls to Devin. Creating a session can take several seconds. */
export const REQUEST_TIMEOUT_MS = 60_000

/**
 * How long opening a session may take in all, retries and reconciliation included. Past it the step
 * fails rather than burn runner minutes against an API that is down.
 */
export const OPEN_DEADLINE_MS = 3 * 60_000

/**
 * Pauses before each look-up of a session by its tag after an ambiguous create. The list is an index
 * that can lag behind a create by a few seconds, so one look-up right away is not proof of absence.
 */
export const RECONCILE_DELAYS_MS = [0, 1_000, 2_000, 4_000, 8_000] as const
