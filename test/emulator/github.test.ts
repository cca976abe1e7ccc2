import { afterEach, describe, expect, it } from 'vitest'
import { type FakeGitHub, startFakeGitHub } from '../../emulator/github/server.ts'

const open: FakeGitHub[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((github) => github.close()))
})

async function fake(...args: Parameters<typeof startFakeGitHub>): Promise<FakeGitHub> {
  const github = await startFakeGitHub(...args)
  open.push(github)
  return github
}

async function call(github: FakeGitHub, method: string, path: string, body?: unknown) {
  const res = await fetch(`${github.url}${path}`, {
    method,
    headers: { authorization: 'token ghs_test', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('the fake GitHub API', () => {
  it('answers permissions as GitHub does: maintain is write, triage is read, a stranger is 404', async () => {
    const github = await fake({ ada: 'maintain', bob: 'triage', cy: 'admin' })
    const permission = async (user: string) => (await call(github, 'GET', `/repos/o/r/collaborators/${user}/permission`)).body
    expect(await permission('ada')).toMatchObject({ permission: 'write', role_name: 'maintain' })
    expect(await permission('bob')).toMatchObject({ permission: 'read', role_name: 'triage' })
    expect(await permission('cy')).toMatchObject({ permission: 'admin', role_name: 'admin' })
    expect((await call(github, 'GET', '/repos/o/r/collaborators/eve/permission')).status).toBe(404)
  })

  it('keeps comments per thread: created by github-actions[bot], edited in place, listed oldest first', async () => {
    const github = await fake()
    const created = await call(github, 'POST', '/repos/o/r/issues/7/comments', { body: 'first' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ body: 'first', user: { login: 'github-actions[bot]', type: 'Bot' } })
    expect(created.body.html_url).toBe(`https://github.com/o/r/issues/7#issuecomment-${created.body.id}`)
    expect((await call(github, 'PATCH', `/repos/o/r/issues/comments/${created.body.id}`, { body: 'second' })).status).toBe(200)
    expect((await call(github, 'GET', '/repos/o/r/issues/7/comments')).body).toEqual([expect.objectContaining({ id: created.body.id, body: 'second' })])
    expect(github.comments.get(7)?.map((comment) => comment.body)).toEqual(['second'])
    expect((await call(github, 'PATCH', '/repos/o/r/issues/comments/1', { body: 'x' })).status).toBe(404)
    expect((await call(github, 'POST', '/repos/o/r/issues/7/comments', {})).status).toBe(422)
  })

  it('logs every request with its token, body and status, unknown routes included', async () => {
    const github = await fake()
    await call(github, 'POST', '/repos/o/r/issues/comments/5/reactions', { content: 'eyes' })
    await call(github, 'GET', '/repos/o/r/check-runs')
    expect(github.reactions).toEqual([{ commentId: 5, content: 'eyes' }])
    expect(github.requests).toEqual([
      { method: 'POST', path: '/repos/o/r/issues/comments/5/reactions', authorization: 'token ghs_test', body: { content: 'eyes' }, status: 201 },
      { method: 'GET', path: '/repos/o/r/check-runs', authorization: 'token ghs_test', status: 404 }
    ])
    expect((await call(github, 'GET', '/repos/o/r/check-runs')).body.message).toBe('fake GitHub has no GET /repos/o/r/check-runs')
  })

  it('keeps check runs per commit: created, updated in place, completed by a conclusion, listed newest first by name', async () => {
    const sha = 'a'.repeat(40)
    const github = await fake()
    const created = await call(github, 'POST', '/repos/o/r/check-runs', {
      name: 'Devin',
      head_sha: sha,
      status: 'in_progress',
      external_id: 'devin-1',
      details_url: 'https://app.devin.ai/sessions/devin-1',
      output: { title: 'Devin is working', summary: 'working' }
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'Devin', head_sha: sha, status: 'in_progress', conclusion: null, external_id: 'devin-1' })
    const other = await call(github, 'POST', '/repos/o/r/check-runs', {
      name: 'Other',
      head_sha: sha,
      status: 'in_progress',
      output: { title: 't', summary: 's' }
    })
    const updated = await call(github, 'PATCH', `/repos/o/r/check-runs/${created.body.id}`, {
      conclusion: 'success',
      output: { title: 'Done', summary: 'done' }
    })
    expect(updated.body).toMatchObject({ status: 'completed', conclusion: 'success', external_id: 'devin-1', output: { title: 'Done', summary: 'done' } })
    expect(updated.body.completed_at).not.toBeNull()
    const listed = await call(github, 'GET', `/repos/o/r/commits/${sha}/check-runs?check_name=Devin`)
    expect(listed.body).toMatchObject({ total_count: 1, check_runs: [{ id: created.body.id }] })
    expect((await call(github, 'GET', `/repos/o/r/commits/${sha}/check-runs`)).body.check_runs.map((run: { id: number }) => run.id)).toEqual([
      other.body.id,
      created.body.id
    ])
    // GitHub's validation: a completed run needs a conclusion; a conclusion must be one GitHub knows; the summary fits 65,535.
    expect((await call(github, 'POST', '/repos/o/r/check-runs', { name: 'Devin', head_sha: sha, status: 'completed' })).status).toBe(422)
    expect((await call(github, 'PATCH', `/repos/o/r/check-runs/${other.body.id}`, { conclusion: 'great' })).status).toBe(422)
    expect((await call(github, 'PATCH', `/repos/o/r/check-runs/${other.body.id}`, { output: { title: 't', summary: 'x'.repeat(65_536) } })).status).toBe(422)
    expect((await call(github, 'POST', '/repos/o/r/check-runs', { name: 'Devin', head_sha: 'main' })).status).toBe(422)
  })

  it('refuses check-run writes with 403 when told to, as for a token without checks: write', async () => {
    const github = await fake()
    github.refuseChecks = true
    const refused = await call(github, 'POST', '/repos/o/r/check-runs', { name: 'Devin', head_sha: 'a'.repeat(40), status: 'in_progress' })
    expect(refused).toEqual({ status: 403, body: expect.objectContaining({ message: 'Resource not accessible by integration' }) })
    expect(github.checkRuns).toEqual([])
  })

  it('serves only its repository when given one, as a job token does', async () => {
    const github = await fake({ ada: 'write' }, { repository: 'Octo/Repo' })
    expect((await call(github, 'GET', '/repos/octo/repo/collaborators/ada/permission')).status).toBe(200)
    expect((await call(github, 'GET', '/repos/octo/other/collaborators/ada/permission')).status).toBe(404)
    expect((await call(github, 'POST', '/repos/octo/other/issues/1/comments', { body: 'x' })).status).toBe(404)
    expect(github.comments.size).toBe(0)
  })

  it('answers a body that is not JSON with 400', async () => {
    const github = await fake()
    const res = await fetch(`${github.url}/repos/o/r/issues/1/comments`, { method: 'POST', body: '{not json' })
    expect(res.status).toBe(400)
    expect(github.comments.size).toBe(0)
  })
})
