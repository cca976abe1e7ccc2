import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { scenarioNames } from '../../emulator/lifecycle.ts'
import { node24 } from '../../scripts/lib/action-runner.ts'
import { runDemoStory } from '../../scripts/lib/demo-story.ts'
import { renderLog } from '../../scripts/lib/render-log.ts'

// `npm run demo`'s story, run as the demo runs it (the bundle, the Devin emulator and the fake GitHub), with
// the lifecycle that finishes at the first poll so the case takes one 5 s poll interval.

/** Every repository a text names: github.com links and "of owner/repo" in the prompt. */
function repositoriesIn(text: string): Set<string> {
  const found = new Set<string>()
  for (const match of text.matchAll(/https:\/\/github\.com\/([\w.-]+\/[\w.-]+)/g)) found.add(match[1] as string)
  for (const match of text.matchAll(/\bof ([\w.-]+\/[\w.-]+):/g)) found.add(match[1] as string)
  return found
}

describe('npm run demo', () => {
  it('tells one story: the pull request, the run, the session and the living comment name one repository', { timeout: 60_000 }, async () => {
    const story = await runDemoStory({ scenario: 'finished-at-once' })
    const { main, repository } = story
    expect(main.exitCode, main.stdout).toBe(0)
    expect(repository).toBe('Codertocat/Hello-World')

    // One comment on the pull request, created once and edited as the session moved, ending on the outcome.
    expect(story.comments).toHaveLength(1)
    expect(story.commentWrites.created).toBe(1)
    expect(story.commentWrites.edited).toBeGreaterThanOrEqual(1)
    const body = story.comments[0]?.body ?? ''
    expect(body).toContain(`[${main.outputs['session-id']}](${main.outputs['session-url']})`)
    // Under the step's marker, a hidden line names the session, for a later job that looks for its comments.
    expect(body.split('\n')[1]).toBe(`<!-- devin-session-action:session ${main.outputs['session-id']} -->`)
    expect(body).toContain('✅ Devin finished')
    expect(body).toContain(`https://github.com/${repository}/pull/`)

    // The log, the prompt Devin got and the comment name the event's repository, and no other.
    const log = renderLog(main.stdout)
    expect(log).toContain(`Devin opened a pull request: https://github.com/${repository}/pull/`)
    expect(story.prompt).toMatch(new RegExp(`^Review pull request #2 of ${repository}: https://github.com/${repository}/pull/2\\n`))
    expect(story.sessionRepos).toEqual([repository])
    for (const text of [log, story.prompt ?? '', body]) expect([...repositoriesIn(text)]).toEqual([repository])
    expect(main.everything).not.toContain('octo-org')

    // The check run on the pull request's head stands for the session: created in progress, completed once with the job summary.
    const head = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
    expect(story.checkRuns).toHaveLength(1)
    expect(story.checkRuns[0]).toMatchObject({
      name: 'Devin',
      head_sha: head,
      status: 'completed',
      conclusion: 'success',
      external_id: main.outputs['session-id'],
      details_url: main.outputs['session-url'],
      output: { title: 'Devin finished', summary: main.summary }
    })
    const checkWrites = story.events.filter((e) => e.service === 'GitHub' && /check-runs/.test(e.path)).map((e) => e.note)
    expect(checkWrites).toEqual([
      `the action looks for the session's check run on ${head.slice(0, 7)}`,
      `the action creates the check run on ${head.slice(0, 7)} (in_progress)`,
      'the action updates the check run (completed: success)'
    ])

    // The gate asked GitHub about the author, and every GitHub call was about that repository.
    expect(story.githubRequests[0]).toMatchObject({ method: 'GET', path: `/repos/${repository}/collaborators/Codertocat/permission`, status: 200 })
    for (const request of story.githubRequests) expect(request.path.startsWith(`/repos/${repository}/`)).toBe(true)
    expect(story.devinRequests.filter((request) => request.method === 'POST')).toHaveLength(1)
  })

  it('--over-budget: the pull request is skipped with the figures, nothing is created, and the comment says why', { timeout: 60_000 }, async () => {
    const story = await runDemoStory({ overBudget: true })
    expect(story.main.exitCode, story.main.stdout).toBe(0)
    expect(story.main.outputs).toMatchObject({
      outcome: 'skipped',
      'skip-reason': 'budget: pull request #2 used 12.5 of 10 ACUs (budget-per-pr).',
      'budget-remaining': '0'
    })
    expect(story.devinRequests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v3/organizations/org-demo/sessions'])
    expect(story.comments).toHaveLength(1)
    expect(story.comments[0]?.body).toContain('Skipped: budget: pull request #2 used 12.5 of 10 ACUs (budget-per-pr).')
    expect(story.comments[0]?.body).toContain('Raise `budget-per-pr` to allow more.')
    expect(story.checkRuns).toHaveLength(1)
    expect(story.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'skipped', output: { title: 'Skipped: over budget' } })
  })

  it('names the valid scenarios when given an unknown one, and runs nothing', () => {
    const result = spawnSync(node24, ['scripts/demo.ts', '--scenario', 'finishd'], { encoding: 'utf8', timeout: 20_000 })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("unknown scenario 'finishd'")
    for (const name of scenarioNames()) expect(result.stderr).toContain(name)
    expect(result.stdout).toBe('')
  })
})
