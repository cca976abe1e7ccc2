import { describe, expect, it } from 'vitest'
import type { InputName } from '../src/action/constants.js'
import { parseInputs } from '../src/action/inputs.js'
import { expandTexts, planOpen } from '../src/ask/request.js'
import { type Trigger, readTrigger } from '../src/event/trigger.js'
import { ciTag, idempotencyTag, scopeTags } from '../src/policy/tags.js'
import { TEST_API_KEY, defaultInputs } from './helpers/action-yml.js'
import { eventEnv, examplePayload } from './helpers/events.js'

const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'

describe("the action's tags", () => {
  it('names each scope by the repository id, one tag per scope', () => {
    expect(scopeTags({ repo: 'octo/repo', repoId: '42', thread: 7, user: 'Mona', headSha: SHA.toUpperCase() })).toEqual([
      'gh-repo:42',
      'gh-thread:42#7',
      'gh-user:42/mona',
      `gh-sha:${SHA}`
    ])
    expect(ciTag('42', 'main')).toBe('gh-ci:42#main')
    expect(idempotencyTag('nightly', 'octo/repo')).toMatch(/^idem:[0-9a-f]{24}$/)
  })

  it('leaves out what the event does not have, and every scope tag without a repository id', () => {
    expect(scopeTags({ repo: 'octo/repo', repoId: '42' })).toEqual(['gh-repo:42'])
    expect(scopeTags({ repo: 'octo/repo', repoId: '42', headSha: 'not-a-sha', user: '' })).toEqual(['gh-repo:42'])
    expect(scopeTags({ repo: 'octo/repo', repoId: '', thread: 7, user: 'mona' })).toEqual([])
  })

  it('reads the repository id from the payload, else GITHUB_REPOSITORY_ID, and refuses anything but a number', () => {
    const env = { GITHUB_REPOSITORY: 'octo/repo', GITHUB_REPOSITORY_ID: '99' }
    expect(readTrigger(env, JSON.stringify({ repository: { id: 1296269 } })).repoId).toBe('1296269')
    expect(readTrigger(env, '{}').repoId).toBe('99')
    expect(readTrigger({ ...env, GITHUB_REPOSITORY_ID: '9#9' }, JSON.stringify({ repository: { id: 'x' } })).repoId).toBe('')
  })
})

describe('the tags of the plan, per event', () => {
  const MERGE_SHA = '1111111111111111111111111111111111111111'

  function trigger(event: string, action: string | undefined, adapt: (payload: Record<string, any>) => void = () => undefined) {
    const payload = examplePayload(event, action) as Record<string, any>
    adapt(payload)
    // GITHUB_SHA is not the pull request head (a merge commit on pull_request): the tag must not use it.
    return readTrigger(eventEnv(event, { GITHUB_SHA: MERGE_SHA }), JSON.stringify(payload))
  }

  async function plan(t: Trigger, inputs: Partial<Record<InputName, string>> = {}) {
    const values: Record<string, string> = { ...defaultInputs(), 'api-key': TEST_API_KEY, prompt: 'Review it', ...inputs }
    const settings = await parseInputs(
      (name) => values[name] ?? '',
      () => ({ ok: false, missing: true }),
      {
        event: t.event,
        hasDefaultPrompt: true
      }
    )
    const result = planOpen(settings, t, expandTexts(settings, t, undefined), 'uuid')
    if (result.kind !== 'create') throw new Error('expected a create')
    return result
  }

  const own = (p: { tag?: string }) => [p.tag, 'github:Codertocat/Hello-World']

  it('pull_request: the repository id, the pull request, the sender and the head SHA of the payload, before the user’s tags', async () => {
    const p = await plan(trigger('pull_request', 'opened'), { tags: 'team, gh-repo:186853002' })
    expect(p.request.tags).toEqual([...own(p), 'gh-repo:186853002', 'gh-thread:186853002#2', 'gh-user:186853002/codertocat', `gh-sha:${SHA}`, 'team'])
    expect(p.actionTags).toEqual(p.request.tags.slice(0, 6))
    expect(p.scope).toEqual({ repo: 'Codertocat/Hello-World', repoId: '186853002', thread: 2, user: 'Codertocat', headSha: SHA })
  })

  it('issue_comment on a pull request: no head in the payload, so no gh-sha (never GITHUB_SHA)', async () => {
    const t = trigger('issue_comment', 'created', (payload) => {
      payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' }
    })
    const p = await plan(t)
    expect(p.request.tags).toEqual([...own(p), 'gh-repo:186853002', 'gh-thread:186853002#1', 'gh-user:186853002/codertocat'])
    expect(p.request.tags.join()).not.toContain(MERGE_SHA)
  })

  it('issues: the issue is the thread', async () => {
    const p = await plan(trigger('issues', 'opened'))
    expect(p.request.tags).toEqual([...own(p), 'gh-repo:186853002', 'gh-thread:186853002#1', 'gh-user:186853002/codertocat'])
  })

  it('workflow_dispatch: no thread and no SHA', async () => {
    const p = await plan(trigger('workflow_dispatch', undefined))
    expect(p.request.tags).toEqual([...own(p), 'gh-repo:6811672', 'gh-user:6811672/octocat'])
    expect(p.scope).toMatchObject({ repoId: '6811672', thread: undefined, user: 'octocat' })
  })

  it('keeps every action tag and the user’s 43 within Devin’s 50', async () => {
    const tags = Array.from({ length: 43 }, (_, i) => `t${i}`).join(',')
    const p = await plan(trigger('pull_request', 'opened'), { tags })
    expect(p.request.tags).toHaveLength(49)
    expect(p.request.tags.slice(0, 6)).toEqual(p.actionTags)
  })

  it('tracking-tags: false sends the user’s tags alone, with nothing to find the session by', async () => {
    const p = await plan(trigger('pull_request', 'opened'), { tags: 'team', 'tracking-tags': 'false' })
    expect(p.request.tags).toEqual(['team'])
    expect(p.tag).toBeUndefined()
    expect(p.actionTags).toBeUndefined()
    expect(p.reuse).toBe(false)
    // The scope is still known (for the log and the report), it is just not sent.
    expect(p.scope.repoId).toBe('186853002')
  })
})
