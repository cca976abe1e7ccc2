import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { classifySession } from '../src/devin/session.js'
import { commentBody, commentMarker, stateOfComment } from '../src/github/comment.js'
import { type MainDeps, run } from '../src/main.js'
import { MAX_RECONCILED_SESSIONS, RECONCILE_WINDOW_SEC, sessionsToReconcile, threadOfSession, userOfSession } from '../src/policy/reconcile.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { v3SessionBody } from './helpers/devin-fixtures.js'
import { eventEnv } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'
import { type MemoryGitHub, memoryGitHub } from './helpers/memory-github.js'

// The reconcile job through main.ts on a `schedule` event: Devin mocked with nock, GitHub in memory. What is sent
// to each (and what is not: no create, no message, no write for an unchanged session) and what the user sees.

const DEVIN = 'https://api.devin.test'
const SESSIONS = '/v3/organizations/org-test/sessions'
const REPO_ID = '186853002'
const REPO_TAG = `gh-repo:${REPO_ID}`
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
/** The fake clock's now, in epoch seconds. */
const NOW = 1_700_000_000
const STEP_MARKER = commentMarker({ workflow: 'Devin review', job: 'review', step: 'devin' }, undefined)
const url = (id: string) => `https://app.devin.ai/sessions/${id}`

async function reconcile(github: MemoryGitHub, inputs: Partial<Record<InputName, string>> = {}): Promise<RecordingRunner> {
  const runner = recordingRunner({ 'api-url': DEVIN, prompt: '', reconcile: 'true', ...inputs })
  const deps: MainDeps = {
    runner,
    env: eventEnv('schedule', { GITHUB_EVENT_PATH: '/runner/event.json', GITHUB_REPOSITORY_ID: REPO_ID }),
    fetch: globalThis.fetch,
    clock: fakeClock(NOW * 1_000),
    random: () => 0.5,
    randomId: () => 'run-uuid',
    readFile: (path) => (path === '/runner/event.json' ? JSON.stringify({ schedule: '*/10 * * * *' }) : undefined),
    github: () => github
  }
  await run(deps)
  return runner
}

/** A listed session of this repository on pull request `thread`, opened for HEAD by octocat. */
function session(id: string, overrides: Record<string, unknown> = {}, thread = 2): Record<string, unknown> {
  return v3SessionBody({
    session_id: id,
    status: 'running',
    status_detail: 'working',
    tags: [REPO_TAG, `gh-thread:${REPO_ID}#${thread}`, `gh-user:${REPO_ID}/octocat`, `gh-sha:${HEAD}`],
    created_at: NOW - 600,
    updated_at: NOW - 60,
    ...overrides
  })
}

/** The comment an open run with `wait: none` left for the session: working, by github-actions[bot]. */
function openRunComment(id: string, overrides: { authorType?: string; status_detail?: string } = {}) {
  const body = commentBody(
    {
      session: {
        id,
        url: url(id),
        status: 'running',
        statusDetail: overrides.status_detail ?? 'working',
        tags: [],
        pullRequests: [],
        isArchived: false,
        acusConsumed: 0
      },
      outcome: classifySession({ status: 'running', statusDetail: overrides.status_detail ?? 'working' }),
      isNew: true
    },
    STEP_MARKER,
    'https://github.com/Codertocat/Hello-World/actions/runs/1'
  )
  return {
    id: 900,
    body,
    authorType: overrides.authorType ?? 'Bot',
    authorLogin: 'github-actions[bot]',
    url: 'https://github.com/Codertocat/Hello-World/pull/2#issuecomment-900'
  }
}

/** The in-progress check run an open run with `check-run: true` left for the session. */
function inProgressRun(id: string) {
  return {
    id: 700,
    name: 'Devin',
    headSha: HEAD,
    status: 'in_progress',
    conclusion: null,
    externalId: id,
    detailsUrl: url(id),
    title: 'Devin is working',
    summary: ''
  }
}

const listing = (...items: Record<string, unknown>[]) => ({ items, has_next_page: false })
const devinScope = () => nock(DEVIN, { reqheaders: { authorization: `Bearer ${TEST_API_KEY}` } })
const warnings = (runner: RecordingRunner) => runner.log.filter((line) => line.startsWith('warning:'))

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

describe('the reconcile job', () => {
  it("leaves a session for the next run when the pull request's head cannot be read, rather than rewrite its check run as not stale", async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.pullHead = async () => {
      github.calls.push('pull head failed')
      throw Object.assign(new Error('Bad Gateway'), { status: 502 })
    }
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-a'))
    devinScope()
      .get(SESSIONS)
      .query({ tags: REPO_TAG, first: '100' })
      .reply(200, listing(session('devin-a', { status_detail: 'finished' })))
    const runner = await reconcile(github)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ reconciled: '0' })
    expect(github.calls).toEqual(['pull head failed'])
    expect(warnings(runner).join('\n')).toContain('Could not read the pull request, comment or check run of session devin-a (Bad Gateway)')
  })

  it('completes the check run and edits the comment of a session that finished, with one list and one GET; a second run writes nothing', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-a'))
    const finished = session('devin-a', {
      status_detail: 'finished',
      acus_consumed: 3,
      pull_requests: [{ pr_url: 'https://github.com/Codertocat/Hello-World/pull/9', pr_state: 'open' }]
    })
    const devin = devinScope()
      .get(SESSIONS)
      .query({ tags: REPO_TAG, first: '100' })
      .reply(200, listing(finished))
      .get(`${SESSIONS}/devin-a/messages`)
      .query({ first: '200' })
      .reply(200, {
        items: [{ event_id: 'e1', source: 'devin', message: 'Done: fixed the parser and opened PR 9.', created_at: NOW - 60 }],
        has_next_page: false
      })
    const runner = await reconcile(github)
    expect(devin.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ reconciled: '1' })
    // Never a create of any kind.
    expect(github.calls).toEqual([
      'pull head',
      `list comments #2`,
      `list check runs ${HEAD} Devin`,
      'update comment 900',
      'update check run 700 completed success'
    ])
    const body = github.comments[0]?.body ?? ''
    // The step's marker stays first, so the step that created the comment still finds it.
    expect(body.split('\n').slice(0, 2)).toEqual([STEP_MARKER, '<!-- devin-session-action:session devin-a -->'])
    expect(stateOfComment(body)).toMatch(/^<!-- devin-session-action:state [0-9a-f]{16} -->$/)
    expect(body).toContain(`✅ Devin finished: [devin-a](${url('devin-a')}) (status \`running / finished\`)`)
    expect(body).toContain("**Devin's latest message:**\n\n> Done: fixed the parser and opened PR 9.")
    expect(body).toContain('- [https://github.com/Codertocat/Hello-World/pull/9](https://github.com/Codertocat/Hello-World/pull/9) (open)')
    expect(body).toContain('ACUs consumed: 3')
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success', title: 'Devin finished' })
    expect(github.checkRuns[0]?.summary).toContain('Done: fixed the parser and opened PR 9.')
    expect(runner.log).toContain(`info: Listed 1 sessions tagged ${REPO_TAG}; 1 are working, waiting, or changed in the last 24 hours.`)
    expect(runner.log).toContain(`info: Updated session devin-a (${url('devin-a')}): comment on #2, check run completed success.`)
    expect(runner.log).toContain('info: Reconciled 1 of 1 sessions. Requests: Devin lists 1, Devin GETs 1, GitHub reads 3, GitHub writes 2.')
    expect(runner.summary).toContain('## Devin sessions reconciled')
    expect(runner.summary).toContain(`- [devin-a](${url('devin-a')}): comment on #2, check run completed success`)
    expect(runner.summary).toContain('Requests: Devin lists 1 · Devin GETs 1 · GitHub reads 3 · GitHub writes 2')
    expect(runner.summary).toContain('`reconciled`: 1.')
    expect(warnings(runner)).toEqual([])

    // Nothing changed since: the same list, no read of the messages, no write.
    github.calls.length = 0
    const again = devinScope().get(SESSIONS).query({ tags: REPO_TAG, first: '100' }).reply(200, listing(finished))
    const second = await reconcile(github)
    expect(again.isDone()).toBe(true)
    expect(second.outputs).toEqual({ reconciled: '0' })
    expect(github.calls).toEqual(['pull head', `list comments #2`, `list check runs ${HEAD} Devin`])
    expect(second.log).toContain('info: Reconciled 0 of 1 sessions. Requests: Devin lists 1, Devin GETs 0, GitHub reads 3, GitHub writes 0.')
  })

  it('leaves a session alone whose comment already shows its state, and whose check run is as it should be: no GET, no write', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-a'))
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(session('devin-a')))
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.outputs).toEqual({ reconciled: '0' })
    expect(github.calls).toEqual(['pull head', `list comments #2`, `list check runs ${HEAD} Devin`])
  })

  it('edits a working session whose ACUs moved, without reading its messages, and keeps the check run in progress', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-a'))
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(session('devin-a', { acus_consumed: 1.5 })))
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.outputs).toEqual({ reconciled: '1' })
    expect(github.calls).toEqual(['pull head', `list comments #2`, `list check runs ${HEAD} Devin`, 'update comment 900'])
    expect(github.comments[0]?.body).toContain('ACUs consumed: 1.5')
  })

  it('shows the question of a blocked session, mentions the user whose run opened it once, and asks for input on the check run', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-a'))
    const blocked = session('devin-a', { status_detail: 'waiting_for_user' })
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(blocked))
      .get(`${SESSIONS}/devin-a/messages`)
      .query(true)
      .reply(200, {
        items: [{ event_id: 'q1', source: 'devin', message: 'Which branch should I target, @maintainers?', created_at: NOW - 60 }],
        has_next_page: false
      })
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.outputs).toEqual({ reconciled: '1' })
    expect(github.calls).toEqual([
      'pull head',
      'list comments #2',
      `list check runs ${HEAD} Devin`,
      'update comment 900',
      'update check run 700 completed action_required',
      'create comment #2'
    ])
    expect(github.comments[0]?.body).toContain('**Devin is asking:**\n\n> Which branch should I target, @\u200bmaintainers?')
    const mention = github.comments[1]?.body ?? ''
    expect(mention.split('\n')[0]).toBe('<!-- devin-session-action:question devin-a q1 -->')
    expect(mention).toContain(
      `@octocat Devin is waiting for your answer in session [devin-a](${url('devin-a')}): see [the question](${openRunComment('devin-a').url}).`
    )
    expect(runner.log).toContain(
      `info: Updated session devin-a (${url('devin-a')}): comment on #2, check run completed action_required, mention of the question.`
    )
  })

  it('never takes over a comment someone else wrote with the markers, and creates nothing where nothing is', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a', { authorType: 'User' }))
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(session('devin-a', { status_detail: 'finished' }), session('devin-b', { status_detail: 'finished' }, 5)))
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.outputs).toEqual({ reconciled: '0' })
    // One read of the commit's check runs serves both sessions; neither thread has a comment of the action.
    expect(github.calls).toEqual(['pull head', 'list comments #2', `list check runs ${HEAD} Devin`, 'pull head', 'list comments #5'])
    expect(github.comments[0]?.body).toBe(openRunComment('devin-a', { authorType: 'User' }).body)
    // The fourth read asks who the token is (a comment by a user counts only when it is the token's own): once a run.
    expect(runner.log).toContain('info: Reconciled 0 of 2 sessions. Requests: Devin lists 1, Devin GETs 0, GitHub reads 6, GitHub writes 0.')
  })

  it('warns for a write GitHub refuses and goes on with the next session', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    github.comments.push(openRunComment('devin-a'))
    github.checkRuns.push(inProgressRun('devin-b'))
    github.updateComment = async () => {
      github.calls.push('update comment refused')
      throw new Error('Resource not accessible by integration')
    }
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(session('devin-a', { status: 'exit', status_detail: null }), session('devin-b', { status: 'exit', status_detail: null }, 3)))
      .get(`${SESSIONS}/devin-a/messages`)
      .query(true)
      .reply(200, { items: [], has_next_page: false })
      .get(`${SESSIONS}/devin-b/messages`)
      .query(true)
      .reply(200, { items: [], has_next_page: false })
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ reconciled: '1' })
    expect(warnings(runner)).toEqual([
      'warning: Could not update the comment of session devin-a on #2 (Resource not accessible by integration). Give the job "pull-requests: write" and "issues: write" permissions.'
    ])
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral', title: 'The session ended' })
  })

  it('fails the step when the sessions cannot be listed, and writes nothing', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    devinScope().get(SESSIONS).query(true).reply(403, { detail: 'Forbidden' })
    const runner = await reconcile(github)
    expect(runner.failed).toContain(`Could not list this repository's Devin sessions (tagged ${REPO_TAG}), so no comment or check run was brought up to date:`)
    expect(github.calls).toEqual([])
    expect(runner.summary).not.toContain('No session was opened.')
  })

  it('lists nothing in a dry run and says what would be listed', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    const runner = await reconcile(github, { 'dry-run': 'true' })
    expect(runner.failed).toBeUndefined()
    expect(runner.outputs).toEqual({ outcome: 'dry-run' })
    expect(runner.log).toContain(
      `info: Dry run: nothing was sent to Devin or GitHub. A real run would list the sessions tagged ${REPO_TAG} (at most 10 pages) and bring the comment and check run of each one that is working, waiting, or changed in the last 24 hours up to date (at most 100).`
    )
    expect(runner.summary).toContain('## Devin sessions reconciled (dry run)')
    expect(github.calls).toEqual([])
  })

  it('is an input error with tracking-tags: false, before anything is sent', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    const runner = await reconcile(github, { 'tracking-tags': 'false' })
    expect(runner.failed).toContain("reconcile: needs the action's tags to find this repository's sessions, and tracking-tags is false.")
    expect(github.calls).toEqual([])
  })
})

describe('which sessions a reconcile run looks at', () => {
  const listed = (id: string, fields: { status?: string; detail?: string; updatedAt?: number; createdAt?: number; archived?: boolean } = {}) => ({
    id,
    url: url(id),
    status: fields.status ?? 'running',
    statusDetail: fields.detail ?? 'working',
    tags: [REPO_TAG],
    createdAt: fields.createdAt ?? NOW - 3 * 86_400,
    updatedAt: fields.updatedAt,
    pullRequests: [],
    isArchived: fields.archived ?? false
  })

  it('keeps sessions working or waiting, and the others changed within 24 hours (updated, else created)', () => {
    const { kept, left } = sessionsToReconcile(
      [
        listed('old-working', { updatedAt: NOW - 3 * 86_400 }),
        listed('old-waiting', { detail: 'waiting_for_user', updatedAt: NOW - 3 * 86_400 }),
        listed('old-finished', { detail: 'finished', updatedAt: NOW - RECONCILE_WINDOW_SEC - 1 }),
        listed('recent-exit', { status: 'exit', detail: 'x', updatedAt: NOW - RECONCILE_WINDOW_SEC }),
        listed('created-recently', { status: 'exit', detail: 'x', createdAt: NOW - 100 }),
        listed('archived-old', { archived: true, updatedAt: NOW - 2 * 86_400 })
      ],
      NOW
    )
    expect(kept.map((one) => one.id)).toEqual(['created-recently', 'recent-exit', 'old-waiting', 'old-working'])
    expect(left).toBe(0)
  })

  it('looks at 100 at most, the most recently changed first, and counts the rest for the next run', () => {
    const many = Array.from({ length: 150 }, (_, index) => listed(`s${String(index).padStart(3, '0')}`, { status: 'exit', updatedAt: NOW - index }))
    const { kept, left } = sessionsToReconcile(many.reverse(), NOW)
    expect(MAX_RECONCILED_SESSIONS).toBe(100)
    expect(kept).toHaveLength(100)
    expect(kept[0]?.id).toBe('s000')
    expect(kept[99]?.id).toBe('s099')
    expect(left).toBe(50)
  })

  it("reads the thread and the user of this repository's tags only", () => {
    const tagged = { ...listed('x'), tags: ['gh-thread:99#4', `gh-thread:${REPO_ID}#12`, 'gh-user:99/mallory', `gh-user:${REPO_ID}/octocat`] }
    expect(threadOfSession(tagged, REPO_ID)).toBe(12)
    expect(userOfSession(tagged, REPO_ID)).toBe('octocat')
    expect(threadOfSession({ ...tagged, tags: ['gh-thread:99#4', `gh-thread:${REPO_ID}#1x`] }, REPO_ID)).toBeUndefined()
    expect(userOfSession({ ...tagged, tags: ['gh-user:99/mallory'] }, REPO_ID)).toBeUndefined()
  })
})

describe('the cap through the job', () => {
  it('visits only the 100 most recently changed of 101 sessions and logs the one left', async () => {
    const github = memoryGitHub({ headSha: HEAD })
    const items = Array.from({ length: 101 }, (_, index) =>
      session(`devin-s${index}`, { status: 'exit', status_detail: null, updated_at: NOW - 10 - index, tags: [REPO_TAG, `gh-thread:${REPO_ID}#${index + 1}`] })
    )
    devinScope()
      .get(SESSIONS)
      .query(true)
      .reply(200, listing(...items))
    const runner = await reconcile(github)
    expect(nock.isDone()).toBe(true)
    expect(runner.log).toContain(
      `info: Listed 101 sessions tagged ${REPO_TAG}; 100 are working, waiting, or changed in the last 24 hours, and 1 more are left for the next run (at most 100 a run).`
    )
    expect(github.calls).toHaveLength(100)
    expect(github.calls).not.toContain('list comments #101')
    expect(runner.outputs).toEqual({ reconciled: '0' })
  })
})
