import { describe, expect, it } from 'vitest'
import { InputError, type Settings, parseInputs, secretValues, splitList } from '../src/action/inputs.js'
import type { InputName } from '../src/action/constants.js'
import { TEST_API_KEY, TEST_GITHUB_TOKEN, defaultInputs, readActionYml } from './helpers/action-yml.js'

type Inputs = Partial<Record<InputName, string>>

function getter(overrides: Inputs): (name: InputName) => string {
  const inputs: Record<string, string> = { ...defaultInputs(), 'api-key': TEST_API_KEY, prompt: 'Do the thing', ...overrides }
  return (name) => inputs[name] ?? ''
}

const noFiles = () => ({ ok: false, missing: true }) as const
const CONTEXT = { event: 'workflow_dispatch', hasDefaultPrompt: false }

async function parse(overrides: Inputs, files: Record<string, string> = {}, context = CONTEXT): Promise<Settings> {
  return parseInputs(getter(overrides), (path) => (path in files ? { ok: true, text: files[path] as string } : { ok: false, missing: true }), context)
}

/** The problems an InputError lists, or fails the test when the inputs were accepted. */
async function problems(overrides: Inputs, files: Record<string, string> = {}): Promise<string[]> {
  try {
    await parse(overrides, files)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('the inputs were accepted')
}

describe('parseInputs', () => {
  it('accepts the defaults with a key and a prompt, and sends no optional field', async () => {
    const settings = await parse({})
    expect(settings.apiVersion).toBe('v3')
    expect(settings.apiUrl).toBe('https://api.devin.ai')
    expect(settings.orgId).toBeUndefined()
    expect(settings.prompt).toBe('Do the thing')
    expect(settings.request).toEqual({ tags: [] })
    expect(settings.dryRun).toBe(false)
    expect(settings.wait).toMatchObject({
      mode: 'none',
      timeoutMs: 3_600_000,
      pollIntervalMs: 15_000,
      onTimeout: 'fail',
      failOn: ['error', 'suspended', 'timeout']
    })
  })

  it('parses every session field', async () => {
    const settings = await parse({
      title: 'Nightly',
      tags: 'a, b\nc,a',
      repos: 'octo/one\nocto/two',
      'playbook-id': 'playbook-1',
      'child-playbook-id': 'playbook-2',
      'knowledge-ids': 'k1,k2',
      'secret-ids': 's1\ns2',
      'session-secrets': 'TOKEN=abc=def=ghi\n\nOTHER = pass phrase ',
      'session-links': 'https://app.devin.ai/sessions/devin-1',
      'attachment-urls': 'https://example.com/a.txt, http://example.com/b.txt',
      'max-acu-limit': '25',
      'structured-output-schema': '{"type":"object","properties":{"ok":{"type":"boolean"}}}',
      'structured-output-required': 'false',
      'devin-mode': 'fast',
      platform: 'windows',
      resumable: 'False',
      'bypass-approval': 'TRUE',
      'create-as-user-id': 'user-7',
      'org-id': 'org-abc_1',
      'api-url': 'http://127.0.0.1:8787/',
      'idempotency-key': 'pr-12',
      message: 'New commits were pushed.',
      'dry-run': 'true'
    })
    expect(settings.request).toEqual({
      title: 'Nightly',
      tags: ['a', 'b', 'c'],
      repos: ['octo/one', 'octo/two'],
      playbookId: 'playbook-1',
      childPlaybookId: 'playbook-2',
      knowledgeIds: ['k1', 'k2'],
      secretIds: ['s1', 's2'],
      sessionSecrets: [
        { key: 'TOKEN', value: 'abc=def=ghi' },
        { key: 'OTHER', value: ' pass phrase ' }
      ],
      sessionLinks: ['https://app.devin.ai/sessions/devin-1'],
      attachmentUrls: ['https://example.com/a.txt', 'http://example.com/b.txt'],
      maxAcuLimit: 25,
      structuredOutputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
      structuredOutputRequired: false,
      devinMode: 'fast',
      platform: 'windows',
      resumable: false,
      bypassApproval: true,
      createAsUserId: 'user-7'
    })
    expect(settings.orgId).toBe('org-abc_1')
    expect(settings.apiUrl).toBe('http://127.0.0.1:8787')
    expect(settings.idempotencyKey).toBe('pr-12')
    expect(settings.message).toBe('New commits were pushed.')
    expect(settings.dryRun).toBe(true)
  })

  it('splits lists on newlines and commas and drops blanks', () => {
    expect(splitList(' a ,b\n\n c,,\r\nd ')).toEqual(['a', 'b', 'c', 'd'])
    expect(splitList('')).toEqual([])
  })

  it('reads durations in seconds, minutes and hours', async () => {
    const settings = await parse({ 'wait-timeout': '2h', 'poll-interval': '90' })
    expect(settings.wait.timeoutMs).toBe(7_200_000)
    expect(settings.wait.pollIntervalMs).toBe(90_000)
    expect((await parse({ 'wait-timeout': '15m', 'poll-interval': '5s' })).wait).toMatchObject({ timeoutMs: 900_000, pollIntervalMs: 5_000 })
  })

  it('normalizes session-id to the devin- form', async () => {
    expect((await parse({ 'session-id': 'abc123' })).sessionId).toBe('devin-abc123')
    expect((await parse({ 'session-id': 'devin-abc123' })).sessionId).toBe('devin-abc123')
  })

  it('reads prompt-file from the workspace', async () => {
    const settings = await parse({ prompt: '', 'prompt-file': '.github/prompt.md' }, { '.github/prompt.md': 'From a file' })
    expect(settings.prompt).toBe('From a file')
  })

  it('reports every bad value at once, naming the input, the problem and what is accepted', async () => {
    const found = await problems({
      'max-acu-limit': 'ten',
      'wait-timeout': '10 minutes',
      'poll-interval': '2s',
      'structured-output-required': 'yes',
      'attachment-urls': 'https://ok.example/a, ftp://example.com/b',
      'session-links': 'not a url',
      repos: 'octo/one, just-a-name',
      'devin-mode': 'turbo',
      'on-timeout': 'explode',
      'fail-on': 'error, sometimes',
      'api-url': 'api.devin.ai',
      'org-id': 'acme',
      'dry-run': 'maybe',
      'session-secrets': 'GOOD=long-enough\nno equals sign\n=empty-key'
    })
    expect(found).toEqual([
      'org-id: "acme" is not an organization id. Accepted: an id that starts with "org-", e.g. "org-abc123", or empty to discover it from the key.',
      'api-url: is not an absolute http(s) URL. Accepted: the https base URL of the Devin API or a proxy, e.g. "https://api.devin.ai"; plain http only on this machine (http://127.0.0.1, http://localhost, http://[::1]), e.g. for the emulator.',
      'repos: item 2 "just-a-name" is not a repository. Accepted: "owner/repo" names, separated by newlines or commas.',
      'session-secrets: line 2 has no "=". Accepted: one KEY=value per line.',
      'session-secrets: line 3 has a key of 0 characters. Accepted: keys of 1 to 256 characters.',
      'session-links: item 1 "not a url" is not an absolute http(s) URL. Accepted: a URL such as "https://example.com/path".',
      'attachment-urls: item 2 "ftp://example.com/b" is not an absolute http(s) URL. Accepted: a URL such as "https://example.com/path".',
      'max-acu-limit: "ten" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".',
      'structured-output-required: "yes" is not a boolean. Accepted: "true" or "false", or empty to leave the field unset.',
      'devin-mode: "turbo" is not one of the accepted values. Accepted: "normal", "fast", "lite", "ultra", "fusion".',
      'wait-timeout: "10 minutes" is not a duration. Accepted: "90s", "15m", "2h" or a bare number of seconds.',
      'poll-interval: "2s" is too short. Accepted: from 5s to 2m.',
      'on-timeout: "explode" is not one of the accepted values. Accepted: "fail", "leave", "terminate".',
      'fail-on: item 2 "sometimes" is not one of the accepted values. Accepted: "blocked", "error", "suspended", "exited", "timeout".',
      'dry-run: "maybe" is not a boolean. Accepted: "true" or "false".'
    ])
  })

  it('puts every problem in the error message', async () => {
    const error = await parse({ 'max-acu-limit': '0', 'devin-mode': 'x' }).catch((e: unknown) => e as Error)
    expect(error.message).toBe(
      '2 inputs are invalid:\n- max-acu-limit: "0" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".\n' +
        '- devin-mode: "x" is not one of the accepted values. Accepted: "normal", "fast", "lite", "ultra", "fusion".'
    )
  })

  it('refuses more tags than fit beside the action’s own, and leaves all 50 to the user without tracking tags', async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(',')
    expect(await problems({ tags: tags(44) })).toEqual([
      'tags: 44 tags given. Accepted: at most 43, because Devin allows 50 per session and the action adds up to 7 of its own.'
    ])
    expect((await parse({ tags: tags(43) })).request.tags).toHaveLength(43)
    expect((await parse({ tags: tags(50), 'tracking-tags': 'false' })).request.tags).toHaveLength(50)
  })

  describe('spending and trust', () => {
    it('reads budgets (fractions allowed), the live-session cap, allowed users and the restricted limit', async () => {
      const settings = await parse({
        'budget-per-pr': '40',
        'budget-per-day': '120.5',
        'budget-per-user': '10',
        'max-live-sessions': '3',
        'allowed-users': 'octocat, first-timer\nmona',
        'restricted-acu-limit': '2'
      })
      expect(settings.spending).toEqual({ budgetPerPr: 40, budgetPerDay: 120.5, budgetPerUser: 10, maxLiveSessions: 3, restrictedAcuLimit: 2 })
      expect(settings.github.allowedUsers).toEqual(['octocat', 'first-timer', 'mona'])
      expect(settings.trackingTags).toBe(true)
    })

    it('sets no budget by default, a restricted limit of 5, and tracking tags on', async () => {
      const settings = await parse({})
      expect(settings.spending).toEqual({ restrictedAcuLimit: 5 })
      expect(settings.github.allowedUsers).toEqual([])
      expect(settings.trackingTags).toBe(true)
      // An empty input (a tool that passes '' for an unset one) means action.yml's default.
      expect((await parse({ 'restricted-acu-limit': '', 'tracking-tags': '' })).spending.restrictedAcuLimit).toBe(5)
    })

    it('reports every bad spending input at once, naming each and what is accepted', async () => {
      expect(
        await problems({
          'budget-per-pr': '-5',
          'budget-per-day': 'lots',
          'budget-per-user': '0',
          'max-live-sessions': '2.5',
          'restricted-acu-limit': '0',
          'allowed-users': 'octocat, -bad-, way_too_long',
          'tracking-tags': 'maybe'
        })
      ).toEqual([
        'allowed-users: item 2 "-bad-" is not a GitHub login. Accepted: logins such as "octocat" (letters, digits and single hyphens, at most 39 characters).',
        'allowed-users: item 3 "way_too_long" is not a GitHub login. Accepted: logins such as "octocat" (letters, digits and single hyphens, at most 39 characters).',
        'budget-per-pr: "-5" is not a number of ACUs. Accepted: a number greater than 0, e.g. "40" or "12.5", or empty for no limit.',
        'budget-per-day: "lots" is not a number of ACUs. Accepted: a number greater than 0, e.g. "40" or "12.5", or empty for no limit.',
        'budget-per-user: "0" is not a number of ACUs. Accepted: a number greater than 0, e.g. "40" or "12.5", or empty for no limit.',
        'max-live-sessions: "2.5" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".',
        'restricted-acu-limit: "0" is not a positive whole number. Accepted: a whole number greater than 0, e.g. "50".',
        'tracking-tags: "maybe" is not a boolean. Accepted: "true" or "false".'
      ])
    })

    it('refuses ACU budgets on v1, whose session list gives no ACUs, and keeps the live-session cap there', async () => {
      const v1 = { 'api-key': 'apk_user_abcdefghijklmnop', 'budget-per-day': '20', 'budget-per-user': '5' }
      expect(await problems(v1)).toEqual([
        "budget-per-day: needs the v3 or v3beta1 API, whose session list gives each session's ACUs; v1's does not. Accepted: a cog_ key (v3), or budget-per-day empty on v1 (max-live-sessions works on v1).",
        "budget-per-user: needs the v3 or v3beta1 API, whose session list gives each session's ACUs; v1's does not. Accepted: a cog_ key (v3), or budget-per-user empty on v1 (max-live-sessions works on v1)."
      ])
      expect((await parse({ 'api-key': 'apk_user_abcdefghijklmnop', 'max-live-sessions': '3' })).spending.maxLiveSessions).toBe(3)
    })

    it('refuses what needs the action’s tags when tracking-tags is false, and warns about retries otherwise', async () => {
      expect(await problems({ 'tracking-tags': 'false', 'idempotency-key': 'nightly', 'budget-per-day': '50', 'max-live-sessions': '2' })).toEqual([
        "idempotency-key: needs the action's tags to find this repository's sessions, and tracking-tags is false. Accepted: idempotency-key empty, or tracking-tags: true (ask the enterprise admin to allow the gh-* tags).",
        "budget-per-day: needs the action's tags to find this repository's sessions, and tracking-tags is false. Accepted: budget-per-day empty, or tracking-tags: true (ask the enterprise admin to allow the gh-* tags).",
        "max-live-sessions: needs the action's tags to find this repository's sessions, and tracking-tags is false. Accepted: max-live-sessions empty, or tracking-tags: true (ask the enterprise admin to allow the gh-* tags)."
      ])
      const settings = await parse({ 'tracking-tags': 'false' })
      expect(settings.trackingTags).toBe(false)
      expect(settings.warnings).toContain(
        "tracking-tags is false: sessions carry none of the action's tags, so a retry after a create that may have reached Devin can no longer rule out a duplicate session."
      )
    })
  })

  it('refuses files outside the workspace', async () => {
    expect(await problems({ prompt: '', 'prompt-file': '../secrets.txt' })).toEqual([
      'prompt-file: "../secrets.txt" is outside the workspace. Accepted: a path relative to the workspace, without "..".'
    ])
    expect(await problems({ prompt: '', 'prompt-file': '/etc/passwd' })).toEqual([
      'prompt-file: "/etc/passwd" is outside the workspace. Accepted: a path relative to the workspace, without "..".'
    ])
    expect(await problems({ 'structured-output-schema': '/tmp/schema.json' })).toEqual([
      'structured-output-schema: the file "/tmp/schema.json" is outside the workspace. Accepted: a path relative to the workspace, without "..".'
    ])
  })

  it('warns that a message is never sent without a key or a session id, except where a thread follow-up may send it', async () => {
    expect((await parse({ message: 'hello' })).warnings).toEqual([
      'message is sent only to a session that is reused (idempotency-key), continued (session-id), or followed up by a comment or new commits on its thread (follow-up, on-new-commits); on this event with neither key nor session-id set, every run opens a new session and the message is never sent.'
    ])
    expect((await parse({ message: 'hello', 'idempotency-key': 'k' })).warnings).toEqual([])
    expect((await parse({ message: 'hello' }, {}, { event: 'issue_comment', hasDefaultPrompt: true })).warnings).toEqual([])
    expect((await parse({ message: 'hello' }, {}, { event: 'pull_request', hasDefaultPrompt: true })).warnings).toEqual([])
    // With both thread choices at `new`, nothing on these events sends the message either.
    expect(
      (await parse({ message: 'hello', 'follow-up': 'new', 'on-new-commits': 'new' }, {}, { event: 'issue_comment', hasDefaultPrompt: true })).warnings
    ).toHaveLength(1)
  })

  it('refuses devin-review with inputs only a session takes, listing them, and off v3', async () => {
    expect((await parse({ prompt: '', 'devin-review': 'true' })).devinReview).toBe(true)
    expect(await problems({ 'devin-review': 'true', 'playbook-id': 'p', 'secret-ids': 's1' })).toEqual([
      'devin-review: a Devin Review takes only the pull request, so prompt, playbook-id, secret-ids have no effect on it. Accepted: those inputs empty with devin-review: true, or devin-review: false for a session.'
    ])
    expect(await problems({ prompt: '', 'devin-review': 'true', 'api-version': 'v3beta1' })).toEqual([
      'devin-review: Devin Review is in the v3 API only, and api-version is v3beta1. Accepted: a cog_ key with api-version auto or v3.'
    ])
    expect(await problems({ prompt: '', 'devin-review': 'true', 'api-key': 'apk_user_reviewTestKey0123456789' })).toEqual([
      'devin-review: Devin Review is in the v3 API only, and an apk_ key selects v1. Accepted: a cog_ key (v3).'
    ])
  })

  it('reads the thread choices, refusing values outside them and restart without the tags', async () => {
    expect((await parse({})).thread).toEqual({ followUp: 'message', onNewCommits: 'message', endOnClose: true, notifyOnBlocked: true })
    expect((await parse({ 'follow-up': 'new', 'on-new-commits': 'restart', 'end-on-close': 'false', 'notify-on-blocked': 'false' })).thread).toEqual({
      followUp: 'new',
      onNewCommits: 'restart',
      endOnClose: false,
      notifyOnBlocked: false
    })
    expect(await problems({ 'follow-up': 'always', 'on-new-commits': 'rebase' })).toEqual([
      'follow-up: "always" is not one of the accepted values. Accepted: "message", "new".',
      'on-new-commits: "rebase" is not one of the accepted values. Accepted: "message", "restart", "new".'
    ])
    expect(await problems({ 'on-new-commits': 'restart', 'tracking-tags': 'false' })).toEqual([
      "on-new-commits: needs the action's tags to find this repository's sessions, and tracking-tags is false. Accepted: on-new-commits empty, or tracking-tags: true (ask the enterprise admin to allow the gh-* tags)."
    ])
  })

  it('refuses both prompt and prompt-file, and a missing or empty prompt file', async () => {
    expect(await problems({ 'prompt-file': 'p.md' }, { 'p.md': 'x' })).toEqual(['prompt and prompt-file: both are set. Accepted: one of them.'])
    expect(await problems({ prompt: '', 'prompt-file': 'missing.md' })).toEqual([
      'prompt-file: "missing.md" does not exist in the workspace. Accepted: the path of a text file relative to the workspace (check out the repository first).'
    ])
    expect(await problems({ prompt: '', 'prompt-file': 'empty.md' }, { 'empty.md': '  \n' })).toEqual([
      'prompt-file: "empty.md" is empty. Accepted: a file with the prompt\'s text.'
    ])
  })

  describe('api-key and api-version', () => {
    it('picks v3 for cog_ keys, v1 for apk_ keys, and v3beta1 when asked', async () => {
      expect((await parse({ 'api-key': 'cog_abcdef' })).apiVersion).toBe('v3')
      expect((await parse({ 'api-key': 'cog_abcdef', 'api-version': 'v3' })).apiVersion).toBe('v3')
      expect((await parse({ 'api-key': 'apk_user_abc' })).apiVersion).toBe('v1')
      expect((await parse({ 'api-key': 'apk_abcdef' })).apiVersion).toBe('v1')
      expect((await parse({ 'api-key': 'apk_abcdef', 'api-version': 'v1' })).apiVersion).toBe('v1')
      expect((await parse({ 'api-key': 'cog_abcdef', 'api-version': 'v3beta1' })).apiVersion).toBe('v3beta1')
    })

    it('picks v3beta1 when advanced-mode is set with a cog_ key', async () => {
      expect((await parse({ 'api-key': 'cog_abcdef', 'advanced-mode': 'manage' })).apiVersion).toBe('v3beta1')
      expect((await parse({ 'api-key': 'cog_abcdef', 'advanced-mode': 'improve', 'child-playbook-id': 'pb-1' })).request).toMatchObject({
        advancedMode: 'improve',
        childPlaybookId: 'pb-1'
      })
    })

    it('refuses advanced-mode with a v1 key or an explicit v3', async () => {
      expect(await problems({ 'api-key': 'apk_abcdef', 'advanced-mode': 'manage' })).toEqual([
        'advanced-mode: the v1 API has no such field; it exists in v3beta1. Remove the input or use api-version: v3beta1 (with a key of that version).'
      ])
    })

    it('refuses a key of the other version, without quoting the key', async () => {
      const found = await problems({ 'api-key': 'apk_user_SECRETVALUE', 'api-version': 'v3' })
      expect(found).toEqual([
        'api-version: "v3" needs a "cog_…" key, but api-key is an "apk_…" key (v1). Accepted: api-version "auto", or a key of the version you chose.'
      ])
      expect(await problems({ 'api-key': 'cog_SECRETVALUE', 'api-version': 'v1' })).toEqual([
        'api-version: "v1" needs an "apk_…" or "apk_user_…" key, but api-key is a "cog_…" key (v3/v3beta1). Accepted: api-version "auto", or a key of the version you chose.'
      ])
    })

    it('refuses an empty key, a key with spaces and an unknown prefix under auto', async () => {
      expect(await problems({ 'api-key': '' })).toEqual([
        'api-key: is empty. Accepted: a Devin key from a secret, e.g. api-key: ${{ secrets.DEVIN_API_KEY }}. (GitHub gives no secrets to runs from forks or Dependabot.)'
      ])
      expect(await problems({ 'api-key': 'cog_a b' })).toEqual(['api-key: contains white space. Accepted: the key alone, with nothing around it.'])
      expect(await problems({ 'api-key': 'cog_ключ' })).toEqual([
        'api-key: contains characters that cannot be sent in an HTTP header. Accepted: the key exactly as Devin shows it (printable ASCII).'
      ])
      const unknown = await problems({ 'api-key': 'sk-SECRETVALUE' })
      expect(unknown).toEqual([
        'api-key: does not look like a Devin key. Accepted: a "cog_…" key (v3) or an "apk_…"/"apk_user_…" key (v1); or set api-version when a proxy uses other keys.'
      ])
    })

    it('accepts an unknown key prefix when the version is explicit (a proxy may issue its own keys)', async () => {
      expect((await parse({ 'api-key': 'proxy-key', 'api-version': 'v3' })).apiVersion).toBe('v3')
    })

    it('refuses fields the selected version lacks, naming the version that has them', async () => {
      expect(await problems({ 'snapshot-id': 'snap-1', unlisted: 'true', 'advanced-mode': 'create', 'api-version': 'v3' })).toEqual([
        'advanced-mode: the v3 API has no such field; it exists in v3beta1. Remove the input or use api-version: v3beta1 (with a key of that version).',
        'snapshot-id: the v3 API has no such field; it exists in v1. Remove the input or use api-version: v1 (with a key of that version).',
        'unlisted: the v3 API has no such field; it exists in v1. Remove the input or use api-version: v1 (with a key of that version).'
      ])
      expect(await problems({ 'api-key': 'apk_xyz123', 'devin-mode': 'fast', repos: 'a/b' })).toEqual([
        'repos: the v1 API has no such field; it exists in v3 and v3beta1. Remove the input or use api-version: v3 (with a key of that version).',
        'devin-mode: the v1 API has no such field; it exists in v3. Remove the input or use api-version: v3 (with a key of that version).'
      ])
      expect(await problems({ 'api-key': 'cog_xyz123', 'api-version': 'v3beta1', 'devin-mode': 'fast', 'structured-output-required': 'true' })).toEqual([
        'structured-output-required: the v3beta1 API has no such field; it exists in v3. Remove the input or use api-version: v3 (with a key of that version).',
        'devin-mode: the v3beta1 API has no such field; it exists in v3. Remove the input or use api-version: v3 (with a key of that version).'
      ])
    })

    it('checks what each advanced mode needs', async () => {
      expect(await problems({ 'advanced-mode': 'analyze' })).toEqual(['advanced-mode: "analyze" needs session-links, the sessions to analyze.'])
      expect(await problems({ 'advanced-mode': 'batch' })).toEqual(['advanced-mode: "batch" needs child-playbook-id.'])
      expect(await problems({ 'advanced-mode': 'improve' })).toEqual(['advanced-mode: "improve" needs child-playbook-id.'])
      expect((await parse({ 'advanced-mode': 'analyze', 'session-links': 'https://app.devin.ai/sessions/devin-1' })).apiVersion).toBe('v3beta1')
    })
  })

  describe('session-id', () => {
    it('refuses session-id with idempotency-key', async () => {
      expect(await problems({ 'session-id': 'devin-1', 'idempotency-key': 'k' })).toEqual([
        'session-id and idempotency-key: both are set. Accepted: one of them (session-id continues a known session; idempotency-key finds or creates one).'
      ])
    })

    it('warns that request inputs do nothing with session-id', async () => {
      const settings = await parse({ 'session-id': 'devin-1', title: 'x' })
      expect(settings.warnings).toEqual(['prompt, title are ignored with session-id: the session already exists; use message to tell it something.'])
    })

    it('refuses an id that cannot be one', async () => {
      expect(await problems({ 'session-id': '../other' })).toEqual([
        'session-id: "../other" is not a session id. Accepted: an id such as "devin-abc123" or "abc123".'
      ])
    })
  })

  describe('session-secrets', () => {
    it('never quotes a secret value in a problem', async () => {
      const long = 'v'.repeat(65_537)
      const found = await problems({ 'session-secrets': `A=${long}\nB=SECRETVALUE\nB=SECRETVALUE` })
      expect(found).toEqual([
        'session-secrets: line 1 (A) has a value of 65537 characters. Accepted: at most 65536.',
        'session-secrets: line 3 repeats the key B. Accepted: each key once.'
      ])
      expect(found.join('\n')).not.toContain('SECRETVALUE')
    })

    it('lists every value to mask, with the key and the token, even from invalid input', () => {
      const values = secretValues(getter({ 'session-secrets': 'A=one=two=three\nbroken\nB= four five ', 'api-key': ` ${TEST_API_KEY} ` }))
      expect(values).toEqual([TEST_API_KEY, TEST_GITHUB_TOKEN, 'one=two=three', 'four five'])
    })
  })

  describe('structured-output-schema', () => {
    const schema = { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] }

    it('takes inline JSON, inline YAML and .json/.yml files', async () => {
      expect((await parse({ 'structured-output-schema': JSON.stringify(schema) })).request.structuredOutputSchema).toEqual(schema)
      const yaml = 'type: object\nproperties:\n  summary:\n    type: string\nrequired: [summary]\n'
      expect((await parse({ 'structured-output-schema': yaml })).request.structuredOutputSchema).toEqual(schema)
      const files = { 'schemas/out.json': JSON.stringify(schema), 'schemas/out.yml': yaml }
      expect((await parse({ 'structured-output-schema': 'schemas/out.json' }, files)).request.structuredOutputSchema).toEqual(schema)
      expect((await parse({ 'structured-output-schema': 'schemas/out.yml' }, files)).request.structuredOutputSchema).toEqual(schema)
    })

    it('refuses a missing file, unparsable text and a non-object', async () => {
      expect(await problems({ 'structured-output-schema': 'nope.json' })).toEqual([
        'structured-output-schema: the file "nope.json" does not exist in the workspace. Accepted: inline JSON or YAML, or the path of a .json/.yml/.yaml file relative to the workspace (check out the repository first).'
      ])
      const [broken] = await problems({ 'structured-output-schema': '{"type": "object",' })
      expect(broken).toMatch(/^structured-output-schema: the inline value is neither valid JSON nor valid YAML \(.+\)\.$/)
      expect(await problems({ 'structured-output-schema': '- a\n- b' })).toEqual([
        'structured-output-schema: the inline value is not a JSON Schema object. Accepted: a Draft-7 schema object such as {"type": "object", "properties": {…}}.'
      ])
    })

    it('refuses a schema that is not valid Draft-7', async () => {
      const [problem] = await problems({ 'structured-output-schema': '{"type": "objekt"}' })
      expect(problem).toMatch(
        /^structured-output-schema: the inline value is not a valid Draft-7 JSON Schema: schema\/type must be equal to one of the allowed values/
      )
      const [unresolved] = await problems({ 'structured-output-schema': '{"properties": {"a": {"$ref": "#/definitions/missing"}}}' })
      expect(unresolved).toMatch(
        /^structured-output-schema: the inline value is not a usable Draft-7 JSON Schema: can't resolve reference #\/definitions\/missing/
      )
    })

    it('refuses external $ref but accepts internal ones', async () => {
      const external = { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' }, b: { $ref: 'other.json#/x' } } }
      expect(await problems({ 'structured-output-schema': JSON.stringify(external) })).toEqual([
        'structured-output-schema: the inline value has external $ref "https://example.com/a.json", "other.json#/x"; Devin needs a self-contained schema. Move the referenced schemas into "definitions" and refer to them as "#/definitions/…".'
      ])
      const internal = { definitions: { s: { type: 'string' } }, type: 'object', properties: { a: { $ref: '#/definitions/s' } } }
      expect((await parse({ 'structured-output-schema': JSON.stringify(internal) })).request.structuredOutputSchema).toEqual(internal)
    })

    it('refuses a schema over 64 KB', async () => {
      const big = { type: 'object', description: 'x'.repeat(65_536) }
      const [problem] = await problems({ 'structured-output-schema': JSON.stringify(big) })
      expect(problem).toBe(
        `structured-output-schema: the inline value is ${JSON.stringify(big).length} bytes as JSON; Devin accepts at most 65536 bytes (64 KB).`
      )
    })
  })

  it('reads the wait modes, with true as an alias of stopped', async () => {
    expect((await parse({ wait: 'true' })).wait.mode).toBe('stopped')
    expect((await parse({ wait: 'pull-request' })).wait.mode).toBe('pull-request')
    expect(
      (await parse({ wait: 'structured-output', 'on-timeout': 'terminate', 'fail-on': 'blocked\nexited', 'terminate-on-cancel': 'false' })).wait
    ).toMatchObject({
      mode: 'structured-output',
      onTimeout: 'terminate',
      failOn: ['blocked', 'exited'],
      terminateOnCancel: false
    })
    expect(await problems({ wait: 'forever' })).toEqual([
      'wait: "forever" is not one of the accepted values. Accepted: "none", "stopped", "pull-request", "structured-output", "true".'
    ])
  })

  it('reads nothing from the workspace unless a file input is set', async () => {
    const read: string[] = []
    await parseInputs(
      getter({}),
      (path) => {
        read.push(path)
        return noFiles()
      },
      CONTEXT
    )
    expect(read).toEqual([])
  })

  describe('secret values too short or blank to mask', () => {
    it('refuses such session secret values, saying why and what to do, without quoting them or masking them', async () => {
      const secrets = 'VERBOSE=1\nREGION=a\nSPACE= \nEMPTY=\nOK= long enough value '
      const found = await problems({ 'session-secrets': secrets })
      const why =
        'too short to mask without hiding the same text everywhere in the log and outputs. Accepted: values of at least 8 characters besides surrounding white space. A setting that is not secret belongs in the prompt; a short secret can be stored in Devin and passed by id in secret-ids.'
      expect(found).toEqual([
        `session-secrets: line 1 (VERBOSE) has a value that is 1 character long, ${why}`,
        `session-secrets: line 2 (REGION) has a value that is 1 character long, ${why}`,
        `session-secrets: line 3 (SPACE) has a value that is only white space, ${why}`,
        `session-secrets: line 4 (EMPTY) has a value that is empty (is the secret it comes from set for this run?), ${why}`
      ])
      expect(secretValues(getter({ 'session-secrets': secrets }))).toEqual([TEST_API_KEY, TEST_GITHUB_TOKEN, 'long enough value'])
    })

    it('refuses an api-key or github-token that short, without quoting or masking it', async () => {
      const found = await problems({ 'api-key': 'cog_abc', 'github-token': 'ghs_abc' })
      expect(found).toEqual([
        'api-key: is 7 characters long. Accepted: a Devin key as Devin shows it (at least 8 characters).',
        'github-token: is 7 characters long, too short to be a GitHub token or to mask safely. Accepted: a token of at least 8 characters, e.g. the default ${{ github.token }}.'
      ])
      expect(secretValues(getter({ 'api-key': 'cog_abc', 'github-token': 'ghs_abc' }))).toEqual([])
    })
  })

  describe('api-url', () => {
    it('accepts https anywhere and plain http on loopback only, and strips a trailing slash', async () => {
      for (const [url, expected] of [
        ['https://devin.proxy.example/api/', 'https://devin.proxy.example/api'],
        ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
        ['http://localhost:8787/', 'http://localhost:8787'],
        ['http://[::1]:8787', 'http://[::1]:8787']
      ]) {
        expect((await parse({ 'api-url': url })).apiUrl, url).toBe(expected)
      }
    })

    it('refuses credentials, a query, a fragment, a bad path and plain http off this machine, before any request and without quoting it', async () => {
      const accepted =
        'Accepted: the https base URL of the Devin API or a proxy, e.g. "https://api.devin.ai"; plain http only on this machine (http://127.0.0.1, http://localhost, http://[::1]), e.g. for the emulator.'
      const cases: [string, string][] = [
        [
          'https://user:hunter2pass@api.devin.ai',
          `contains a user name or password, which would be sent and shown with every request. ${accepted} The key goes in api-key.`
        ],
        [
          'https://hunter2pass@api.devin.ai',
          `contains a user name or password, which would be sent and shown with every request. ${accepted} The key goes in api-key.`
        ],
        ['https://api.devin.ai/?token=hunter2pass', `has a query or a fragment, which the API paths cannot be appended to. ${accepted}`],
        ['https://api.devin.ai/#hunter2pass', `has a query or a fragment, which the API paths cannot be appended to. ${accepted}`],
        ['https://api.devin.ai/%zz', `has a path that is not valid percent-encoding. ${accepted}`],
        ['https://api.devin.ai/a b', `is not an absolute http(s) URL. ${accepted}`],
        ['http://api.devin.ai', `uses plain http to api.devin.ai, which would send the API key in clear text. ${accepted}`],
        ['http://10.0.0.5:8080', `uses plain http to 10.0.0.5:8080, which would send the API key in clear text. ${accepted}`]
      ]
      for (const [url, problem] of cases) {
        const found = await problems({ 'api-url': url })
        expect(found, url).toEqual([`api-url: ${problem}`])
        expect(found.join('\n')).not.toContain('hunter2pass')
      }
    })
  })

  describe('wait-timeout and poll-interval', () => {
    it('accepts the bounds themselves', async () => {
      expect((await parse({ 'wait-timeout': '6h', 'poll-interval': '2m' })).wait).toMatchObject({ timeoutMs: 6 * 3_600_000, pollIntervalMs: 120_000 })
      expect((await parse({ 'wait-timeout': '1s', 'poll-interval': '5' })).wait).toMatchObject({ timeoutMs: 1_000, pollIntervalMs: 5_000 })
    })

    it('refuses values past the bounds, which a timer cannot hold or a wait never uses, and says the bound', async () => {
      expect(await problems({ 'wait-timeout': '7h', 'poll-interval': '1h' })).toEqual([
        'wait-timeout: "7h" is too long. Accepted: from 1s to 6h (a job on a GitHub-hosted runner stops after 6 hours).',
        'poll-interval: "1h" is too long. Accepted: from 5s to 2m (the interval grows up to 4×, to at most 2 minutes).'
      ])
      expect(await problems({ 'wait-timeout': '1000000000000', 'poll-interval': '9'.repeat(400) })).toEqual([
        'wait-timeout: "1000000000000" is too long. Accepted: from 1s to 6h (a job on a GitHub-hosted runner stops after 6 hours).',
        `poll-interval: "${'9'.repeat(77)}..." is too long. Accepted: from 5s to 2m (the interval grows up to 4×, to at most 2 minutes).`
      ])
    })
  })

  describe("defaults in code equal action.yml's", () => {
    /**
     * Inputs exempt from the rule, each with why. trigger-phrase: the contract gives empty a meaning
     * ("every comment triggers"), which action.yml must state; GitHub passes '@devin' unless the
     * workflow writes ''. github-token: its default is an expression only the runner can evaluate.
     */
    const EXEMPT: Partial<Record<InputName, (spec: { description: string; default?: string }) => void>> = {
      'trigger-phrase': (spec) => expect(spec.description).toContain('Empty means every comment triggers.'),
      'github-token': (spec) => expect(spec.default).toBe('${{ github.token }}')
    }

    /** What the inputs parse to: the settings, or the problems. */
    async function outcome(overrides: Inputs): Promise<unknown> {
      try {
        return await parse(overrides)
      } catch (error) {
        return (error as InputError).problems
      }
    }

    for (const [name, spec] of Object.entries(readActionYml().inputs) as [InputName, { default?: string; required?: boolean }][]) {
      if (spec.required === true) continue
      const exempt = EXEMPT[name]
      if (exempt !== undefined) {
        it(`${name}: exempt, for its own reason`, () => exempt(readActionYml().inputs[name] as { description: string; default?: string }))
        continue
      }
      it(`${name}: empty is the same as its default ${JSON.stringify(spec.default)}`, async () => {
        expect(await outcome({ [name]: '' })).toEqual(await outcome({ [name]: spec.default ?? '' }))
      })
    }
  })
})
