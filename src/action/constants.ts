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
  DryRun: 'dry-run',
  BudgetPerPr: 'budget-per-pr',
  BudgetPerDay: 'budget-per-day',
  BudgetPerUser: 'budget-per-user',
  MaxLiveSessions: 'max-live-sessions',
  AllowedUsers: 'allowed-users',
  RestrictedAcuLimit: 'restricted-acu-limit',
  TrackingTags: 'tracking-tags',
  FollowUp: 'follow-up',
  OnNewCommits: 'on-new-commits',
  EndOnClose: 'end-on-close',
  NotifyOnBlocked: 'notify-on-blocked',
  CiLogs: 'ci-logs',
  CiLogSize: 'ci-log-size',
  MaxFixAttempts: 'max-fix-attempts',
  CheckRun: 'check-run',
  CheckRunName: 'check-run-name',
  Reconcile: 'reconcile',
  DevinReview: 'devin-review'
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
  Prompt: 'prompt',
  BudgetRemaining: 'budget-remaining',
  EndedSessions: 'ended-sessions',
  Summary: 'summary',
  Stale: 'stale',
  Reconciled: 'reconciled',
  ReviewStatus: 'review-status'
} as const
export type OutputName = (typeof Output)[keyof typeof Output]

/** Keys of the state the main step saves for the post step. */
export const State = {
  IsPost: 'is-post',
  /**
   * What is in flight (`InFlightState`): a create (by the tag of the session it makes) or a wait (by the
   * session's id), and how to reach Devin, for the post step to end it on cancellation. Empty once a create
   * has settled.
   */
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
 * Pauses between look-ups of a session by its tag after a create that may have reached Devin. The list is
 * an index that can lag behind a create by an unknown time, so no number of look-ups proves absence: they
 * go on until the open deadline, the pause doubling from the first to the largest, so a long lag costs
 * few requests and a short one is found fast.
 */
export const RECONCILE_FIRST_PAUSE_MS = 1_000
export const RECONCILE_MAX_PAUSE_MS = 15_000

/**
 * After a run with a user-given key created a session and sees it in the list, it looks once more this
 * much later before settling a race: `created_at` counts whole seconds, and a session created later in
 * the same second (which may win on its id) reaches the list up to that much after its own.
 */
export const SETTLE_GRACE_MS = 1_000

/**
 * The shortest secret value the action accepts (api-key, github-token, each session secret value).
 * Every secret is masked in the runner's log and redacted from outputs, the summary and messages; a
 * shorter value ("1", "true", "debug") recurs in ordinary text, so masking it would garble them all,
 * and a secret this short is weak anyway.
 */
export const MIN_SECRET_LENGTH = 8

/** Bounds of `ci-log-size`: enough of a log to show a failure, and no more than an attachment should carry. */
export const MIN_CI_LOG_BYTES = 1024
export const MAX_CI_LOG_BYTES = 10 * 1024 * 1024

/** The longest `wait-timeout`: a job on a GitHub-hosted runner is stopped after 6 hours. */
export const MAX_WAIT_TIMEOUT_MS = 6 * 3_600_000
/** The shortest `wait-timeout`. */
export const MIN_WAIT_TIMEOUT_MS = 1_000
/** The shortest `poll-interval`, so a wait does not hammer the API. */
export const MIN_POLL_INTERVAL_MS = 5_000
/** The longest `poll-interval`: the interval grows up to 4×, but never past 2 minutes, so a longer start is meaningless. */
export const MAX_POLL_INTERVAL_MS = 2 * 60_000

/** action.yml's default for `api-url`. */
export const DEFAULT_API_URL = 'https://api.devin.ai'
