import { describe, expect, it } from 'vitest'
import { readTrigger } from '../src/event/trigger.js'
import { ciTag, idempotencyTag, scopeTags } from '../src/policy/tags.js'

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
