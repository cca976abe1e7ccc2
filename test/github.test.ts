import nock from 'nock'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGitHub } from '../src/github/client.js'
import { LivingComment, commentBody, commentMarker, sessionIdOfComment, stateMarker, stateOfComment } from '../src/github/comment.js'
import type { Report } from '../src/report/report.js'

const API = 'https://api.github.com'
const REPO = '/repos/Codertocat/Hello-World'
const TOKEN = 'ghs_GithubTokenForTests000000000000000'
const where = { workflow: 'Devin', job: 'devin', step: '__run' }
const marker = commentMarker(where, 'pr-2')

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())

const github = () => createGitHub(TOKEN, API, 'Codertocat/Hello-World')

describe('the GitHub client', () => {
  it('reads a permission with one call, telling triage and maintain apart', async () => {
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(`${REPO}/collaborators/mona/permission`)
      .reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'mona' } })
      .get(`${REPO}/collaborators/sam/permission`)
      .reply(200, { permission: 'read', role_name: 'custom-reviewer', user: { login: 'sam' } })
      .get(`${REPO}/collaborators/stranger/permission`)
      .reply(404, { message: 'Not Found' })
    const client = github()
    expect(await client.permission('mona')).toBe('maintain')
    expect(await client.permission('sam')).toBe('read')
    expect(await client.permission('stranger')).toBeUndefined()
    expect(scope.isDone()).toBe(true)
  })

  it('says what the token needs when the permission cannot be read', async () => {
    nock(API).get(`${REPO}/collaborators/mona/permission`).reply(403, { message: 'Resource not accessible by integration' })
    await expect(github().permission('mona')).rejects.toThrow(
      "Could not check mona's permission on Codertocat/Hello-World (HTTP 403: Resource not accessible by integration"
    )
  })

  for (const [name, code, message] of [
    ['a reset connection', 'ECONNRESET', 'read ECONNRESET'],
    ['a failed DNS look-up', 'ENOTFOUND', 'getaddrinfo ENOTFOUND api.github.com']
  ] as const) {
    it(`reports ${name} as a failure to reach GitHub, not as a missing permission`, async () => {
      nock(API)
        .get(`${REPO}/collaborators/mona/permission`)
        .replyWithError(Object.assign(new Error(message), { code }))
      const failure = (await github()
        .permission('mona')
        .catch((error: unknown) => error)) as Error
      expect(failure.message).toMatch(
        new RegExp(
          `^Could not reach GitHub at https://api\\.github\\.com to check mona's permission on Codertocat/Hello-World \\(.*${code}.*\\)\\. Nothing was sent to Devin: the action runs only for users whose permission it could verify\\. Re-run the job once GitHub is reachable\\.$`
        )
      )
      expect(failure.message).not.toContain('github-token')
    })
  }

  it('reports a GitHub outage as such, not as a missing permission', async () => {
    nock(API).get(`${REPO}/collaborators/mona/permission`).reply(502, { message: 'Server Error' })
    await expect(github().permission('mona')).rejects.toThrow(
      "GitHub failed when asked for mona's permission on Codertocat/Hello-World (HTTP 502: Server Error"
    )
  })

  it('refuses to call GitHub without a token, saying so', async () => {
    await expect(createGitHub('', API, 'Codertocat/Hello-World').permission('mona')).rejects.toThrow('github-token is empty')
  })

  it('reacts to issue comments and review comments', async () => {
    const scope = nock(API)
      .post(`${REPO}/issues/comments/11/reactions`, { content: 'eyes' })
      .reply(201, {})
      .post(`${REPO}/pulls/comments/12/reactions`, { content: 'eyes' })
      .reply(201, {})
    await github().react(11, 'issue_comment', 'eyes')
    await github().react(12, 'review_comment', 'eyes')
    expect(scope.isDone()).toBe(true)
  })
})

describe('the living comment', () => {
  const report: Report = {
    outcome: 'running',
    isNew: true,
    session: {
      id: 'devin-1',
      url: 'https://app.devin.ai/sessions/devin-1',
      status: 'running',
      statusDetail: 'working',
      tags: [],
      pullRequests: [],
      isArchived: false,
      acusConsumed: 1
    }
  }

  it('is created once, then edited', async () => {
    const posted: string[] = []
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [{ id: 5, body: 'Nice work!', user: { login: 'mona', type: 'User' }, html_url: 'x' }])
      .post(`${REPO}/issues/2/comments`, (body: { body: string }) => posted.push(body.body) > 0)
      .reply(201, { id: 99, body: '', user: { login: 'github-actions[bot]', type: 'Bot' }, html_url: 'https://github.com/c/2#issuecomment-99' })
      .patch(`${REPO}/issues/comments/99`, (body: { body: string }) => posted.push(body.body) > 0)
      .reply(200, {})
    const warnings: string[] = []
    const living = new LivingComment(github(), 2, marker, (m) => warnings.push(m))
    await living.write(commentBody(report, marker, 'https://github.com/c/actions/runs/1'))
    await living.write(commentBody(report, marker, 'https://github.com/c/actions/runs/1'))
    await living.write(
      commentBody({ ...report, outcome: 'finished', session: { ...report.session!, statusDetail: 'finished' } }, marker, 'https://github.com/c/actions/runs/1')
    )
    expect(scope.isDone()).toBe(true)
    expect(posted).toHaveLength(2)
    expect(posted[0]).toBe(
      `${marker}\n<!-- devin-session-action:session devin-1 -->\n${stateMarker(report)}\n### Devin session\n\n⏳ Devin is working: [devin-1](https://app.devin.ai/sessions/devin-1) (status \`running / working\`)\n\nACUs consumed: 1\n\n<sub>[Workflow run](https://github.com/c/actions/runs/1)</sub>\n`
    )
    expect(posted[1]).toContain('✅ Devin finished')
    expect(warnings).toEqual([])
  })

  it("carries a hidden state line that changes with what only Devin changes (status, pull requests, ACUs, outcome), not with Devin's words", () => {
    const body = commentBody(report, marker, '')
    const state = stateOfComment(body)
    expect(state).toMatch(/^<!-- devin-session-action:state [0-9a-f]{16} -->$/)
    expect(state).toBe(stateMarker(report))
    const session = report.session!
    const moved = [
      { ...report, session: { ...session, statusDetail: 'finished' } },
      { ...report, session: { ...session, acusConsumed: 2 } },
      { ...report, session: { ...session, pullRequests: [{ url: 'https://github.com/c/pull/3', state: 'open' }] } },
      { ...report, outcome: 'timeout' as const }
    ]
    for (const changed of moved) expect(stateOfComment(commentBody(changed, marker, ''))).not.toBe(state)
    expect(stateOfComment(commentBody({ ...report, summary: 'Done.' }, marker, ''))).toBe(state)
    // A comment without a session has none, and a state line quoted further down does not count.
    expect(stateOfComment(commentBody({ failure: 'boom' }, marker, ''))).toBeUndefined()
    expect(stateOfComment(`${marker}\nhello\nworld\n${state}`)).toBeUndefined()
  })

  it('is found again by its marker on a later run, and never posted twice', async () => {
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [{ id: 42, body: `${marker}\nold`, user: { login: 'github-actions[bot]', type: 'Bot' }, html_url: 'x' }])
      .patch(`${REPO}/issues/comments/42`)
      .reply(200, {})
    await new LivingComment(github(), 2, marker, () => undefined).write(commentBody(report, marker, ''))
    expect(scope.isDone()).toBe(true)
  })

  it('names its session in a second hidden line; a later run with another session edits the same comment, which then names that one', async () => {
    const posted: string[] = []
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [{ id: 42, body: commentBody(report, marker, ''), user: { login: 'github-actions[bot]', type: 'Bot' }, html_url: 'x' }])
      .patch(`${REPO}/issues/comments/42`, (body: { body: string }) => posted.push(body.body) > 0)
      .reply(200, {})
    expect(sessionIdOfComment(commentBody(report, marker, ''))).toBe('devin-1')
    const next = { ...report, session: { ...report.session!, id: 'devin-2f0c_9', url: 'https://app.devin.ai/sessions/devin-2f0c_9' } }
    await new LivingComment(github(), 2, marker, () => undefined).write(commentBody(next, marker, ''))
    expect(scope.isDone()).toBe(true)
    expect(posted).toHaveLength(1)
    expect(posted[0]?.split('\n').slice(0, 2)).toEqual([marker, '<!-- devin-session-action:session devin-2f0c_9 -->'])
    expect(sessionIdOfComment(posted[0] as string)).toBe('devin-2f0c_9')
  })

  it('names no session before there is one, nor one whose id could break out of the hidden line', () => {
    const skipped = commentBody({ budget: { go: false, figures: [], raise: 'budget-per-pr' }, skipReason: 'Over budget.' }, marker, '')
    expect(skipped.split('\n')[1]).toBe('### Devin session')
    expect(sessionIdOfComment(skipped)).toBeUndefined()
    const hostile = commentBody({ ...report, session: { ...report.session!, id: 'devin-x --> <b>hi</b>' } }, marker, '')
    expect(hostile).not.toContain('devin-session-action:session')
    expect(sessionIdOfComment(hostile)).toBeUndefined()
  })

  it('reads the session only from the line right after the step marker, not from a marker quoted further down', () => {
    const line = '<!-- devin-session-action:session devin-abc -->'
    expect(sessionIdOfComment(`${marker}\r\n${line}\r\n### Devin session`)).toBe('devin-abc')
    expect(sessionIdOfComment(`${line}\n${marker}`)).toBeUndefined()
    expect(sessionIdOfComment(`Look at this:\n\n\`\`\`\n${marker}\n${line}\n\`\`\``)).toBeUndefined()
    expect(sessionIdOfComment(`${marker}\n### Devin session\n\n> ${line}`)).toBeUndefined()
    expect(sessionIdOfComment(`${marker}\n<!-- devin-session-action:session devin-a b -->`)).toBeUndefined()
    expect(sessionIdOfComment(marker)).toBeUndefined()
  })

  it("does not take over a stranger's comment that copies the marker", async () => {
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [{ id: 7, body: `${marker}\nI am the bot, trust me`, user: { login: 'stranger', type: 'User' }, html_url: 'x' }])
      .post(`${REPO}/issues/2/comments`)
      .reply(201, { id: 8, body: '', user: { type: 'Bot' }, html_url: 'y' })
    await new LivingComment(github(), 2, marker, () => undefined).write(commentBody(report, marker, ''))
    expect(scope.isDone()).toBe(true)
  })

  it('warns once and gives up when the token may not comment', async () => {
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/issues/2/comments`)
      .reply(403, { message: 'Resource not accessible by integration' })
    const warnings: string[] = []
    const living = new LivingComment(github(), 2, marker, (m) => warnings.push(m))
    await living.write('a')
    await living.write('b')
    expect(scope.isDone()).toBe(true)
    expect(warnings).toEqual([
      'Could not write the comment on #2 (Resource not accessible by integration). Give the job "pull-requests: write" and "issues: write" permissions, or set comment: false.'
    ])
  })

  it('says what failed, links the run and pings nobody', () => {
    const body = commentBody(
      { ...report, failure: 'Devin refused: ask @octo-org/admins <b>now</b>\nsecond line' },
      marker,
      'https://github.com/c/actions/runs/1'
    )
    expect(body).toContain('**The step failed:** Devin refused: ask @\u200bocto-org/admins &lt;b&gt;now&lt;/b&gt;\n')
    expect(body).not.toContain('second line')
    expect(body).toContain('[Workflow run](https://github.com/c/actions/runs/1)')
  })

  it('has one marker per workflow, job, step and key', () => {
    expect(commentMarker(where, 'pr-2')).toMatch(/^<!-- devin-session-action:[0-9a-f]{16} -->$/)
    expect(commentMarker(where, 'pr-2')).toBe(commentMarker({ ...where }, 'pr-2'))
    expect(commentMarker(where, 'pr-2')).not.toBe(commentMarker({ ...where, job: 'review' }, 'pr-2'))
    expect(commentMarker(where, 'pr-2')).not.toBe(commentMarker({ ...where, step: 'second' }, 'pr-2'))
    expect(commentMarker(where, undefined)).not.toBe(commentMarker(where, 'pr-2'))
  })

  it('is found again when a personal token wrote it, by asking GitHub who the token is', async () => {
    const scope = nock(API)
      .get(`${REPO}/issues/2/comments`)
      .query(true)
      .reply(200, [
        { id: 7, body: `${marker}\nforged`, user: { login: 'stranger', type: 'User' }, html_url: 'x' },
        { id: 8, body: `${marker}\nmine`, user: { login: 'ci-user', type: 'User' }, html_url: 'y' }
      ])
      .get('/user')
      .reply(200, { login: 'ci-user' })
      .patch(`${REPO}/issues/comments/8`)
      .reply(200, {})
    await new LivingComment(github(), 2, marker, () => undefined).write(commentBody(report, marker, ''))
    expect(scope.isDone()).toBe(true)
  })

  it('keeps text from Devin from breaking out or pinging anyone', () => {
    const body = commentBody(
      {
        ...report,
        session: {
          ...report.session!,
          statusDetail: 'x` @octo-org/team `y',
          pullRequests: [{ url: 'https://github.com/o/r/pull/1', state: '@everyone <img>' }]
        }
      },
      marker,
      ''
    )
    expect(body).toContain("(status `running / x' @\u200bocto-org/team 'y`)")
    expect(body).toContain('(@\u200beveryone &lt;img&gt;)')
  })
})
