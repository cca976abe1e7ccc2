import { describe, expect, it } from 'vitest'
import { type OutputName } from '../src/action/constants.js'
import { parseInputs } from '../src/action/inputs.js'
import type { DevinApi } from '../src/devin/api.js'
import type { SessionMessage } from '../src/devin/messages.js'
import type { Session } from '../src/devin/session.js'
import type { Trigger } from '../src/event/trigger.js'
import type { GitHub, ThreadComment } from '../src/github/client.js'
import { commentMarker } from '../src/github/comment.js'
import type { JobContext } from '../src/jobs/job.js'
import { threadComment } from '../src/jobs/thread-comment.js'
import { devinWords } from '../src/jobs/after-wait.js'
import { waitAndJudge } from '../src/jobs/wait.js'
import { reportOutputs } from '../src/report/outputs.js'
import { createRedactor, redactReport } from '../src/report/redact.js'
import type { Report } from '../src/report/report.js'
import { summaryMarkdown } from '../src/report/summary.js'
import { TEST_API_KEY } from './helpers/action-yml.js'
import { fakeClock } from './helpers/clock.js'
import { triggerFor } from './helpers/events.js'
import { type RecordingRunner, recordingRunner } from './helpers/fake-runner.js'

// The end of a wait, through waitAndJudge with fakes for Devin and GitHub: what is read (one message list, one
// pull request head), and what the user sees (outputs, log, job summary, the living comment, the one mention).

const PAYLOAD_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'
const NEWER_HEAD = '1111111111111111111111111111111111111111'

function session(statusDetail: string): Session {
  return {
    id: 'devin-abc',
    url: 'https://app.devin.ai/sessions/devin-abc',
    status: 'running',
    statusDetail,
    tags: [],
    pullRequests: [],
    isArchived: false
  }
}

/** Devin, as far as the end of a wait needs it: the session as polled, and its messages (or their failure). */
function fakeDevin(polled: Session, messages: SessionMessage[] | Error): DevinApi & { lists: number } {
  const api = {
    version: 'v3' as const,
    orgId: 'org-test',
    lists: 0,
    describeCreate: () => {
      throw new Error('not used')
    },
    create: () => Promise.reject(new Error('not used')),
    get: async () => polled,
    listByTag: () => Promise.reject(new Error('not used')),
    listMessages: async () => {
      api.lists++
      if (messages instanceof Error) throw messages
      return messages
    },
    sendMessage: () => Promise.reject(new Error('not used')),
    terminate: () => Promise.reject(new Error('not used')),
    uploadAttachment: () => Promise.reject(new Error('not used'))
  }
  return api
}

/** GitHub in memory: the thread's comments (posted as github-actions[bot]), the pull request's head, every call. */
function fakeGitHub(head: string | Error = PAYLOAD_HEAD): GitHub & { comments: ThreadComment[]; calls: string[] } {
  let nextId = 1
  const github = {
    comments: [] as ThreadComment[],
    calls: [] as string[],
    permission: async () => 'write',
    listComments: async (issue: number) => {
      github.calls.push(`list #${issue}`)
      return [...github.comments]
    },
    createComment: async (issue: number, body: string) => {
      github.calls.push(`create #${issue}`)
      const comment = {
        id: nextId++,
        body,
        authorType: 'Bot',
        authorLogin: 'github-actions[bot]',
        url: `https://github.com/o/r/issues/${issue}#issuecomment-${nextId}`
      }
      github.comments.push(comment)
      return comment
    },
    updateComment: async (id: number, body: string) => {
      github.calls.push(`update ${id}`)
      const found = github.comments.find((comment) => comment.id === id)
      if (found !== undefined) found.body = body
    },
    viewer: async () => undefined,
    react: async () => undefined,
    // The end of a wait writes no check run (check-run is off in these tests).
    createCheckRun: async () => Promise.reject(new Error('unexpected check run')),
    updateCheckRun: async () => Promise.reject(new Error('unexpected check run')),
    listCheckRuns: async () => Promise.reject(new Error('unexpected check run')),
    failedJobs: async () => Promise.reject(new Error('unexpected job list')),
    jobLog: async () => Promise.reject(new Error('unexpected job log')),
    pullHead: async (pull: number) => {
      github.calls.push(`head #${pull}`)
      if (head instanceof Error) throw head
      return head
    }
  }
  return github
}

interface Ended {
  runner: RecordingRunner
  report: Report
  failure: string | undefined
  /** The job summary main.ts would write. */
  summary: string
}

/** Runs the wait step as openJob does, with main.ts's publishing: outputs, the living comment, the job summary. */
async function endOfWait(
  trigger: Trigger,
  api: DevinApi,
  github: GitHub,
  inputs: Record<string, string> = {},
  before: (ctx: JobContext) => Promise<void> = async () => undefined
): Promise<Ended> {
  const runner = recordingRunner({ wait: 'stopped', 'poll-interval': '5s', prompt: 'Fix it', ...inputs })
  const settings = await parseInputs(
    (name) => runner.getInput(name),
    () => ({ ok: false, missing: true, problem: '' }),
    {
      event: trigger.event,
      hasDefaultPrompt: true
    }
  )
  const redactor = createRedactor([TEST_API_KEY])
  const report: Report = { outcome: 'running', session: session('working'), isNew: true }
  const ctx: JobContext = {
    deps: {
      runner,
      env: {},
      fetch: () => Promise.reject(new Error('no network')),
      clock: fakeClock(),
      random: () => 0.5,
      randomId: () => 'id',
      readFile: () => undefined,
      github: () => github
    },
    secrets: [TEST_API_KEY],
    redactor,
    report,
    publish: () => {
      for (const [name, value] of Object.entries(reportOutputs(redactReport(report, redactor)))) runner.setOutput(name as OutputName, value)
      ctx.comment?.refresh()
    }
  }
  ctx.comment = threadComment(trigger, settings, github, report, redactor, (message) => runner.warning(message))
  await before(ctx)
  const failure = await waitAndJudge(ctx, api, session('working'), settings, trigger, github)
  await ctx.comment?.settled()
  return { runner, report, failure, summary: summaryMarkdown(redactReport(report, redactor)) }
}

const onIssueComment = (): Trigger =>
  triggerFor('issue_comment', 'created', (payload) => {
    payload.comment.body = '@devin fix the typo'
  })
const onPullRequest = (): Trigger => triggerFor('pull_request', 'opened')

const QUESTION: SessionMessage = { id: 'event-q1', from: 'devin', text: 'Which branch should I base the fix on?' }
const MARKER = '<!-- devin-session-action:question devin-abc event-q1 -->'
const warnings = (runner: RecordingRunner) => runner.log.filter((line) => line.startsWith('warning:'))
const mentions = (github: { comments: ThreadComment[] }) => github.comments.filter((comment) => comment.body.startsWith('<!-- devin-session-action:question '))
const living = (github: { comments: ThreadComment[] }, trigger: Trigger) =>
  github.comments.find((comment) => comment.body.startsWith(commentMarker(trigger, undefined)))?.body ?? ''

describe('the end of a wait', () => {
  it("sets the summary output to Devin's latest message, read once, and shows it in the comment and the job summary", async () => {
    const api = fakeDevin(session('finished'), [
      { id: 'e1', from: 'user', text: 'Fix it' },
      { id: 'e2', from: 'devin', text: 'Done: the typo is fixed.' },
      { id: 'e3', from: 'user', text: 'Thanks!' }
    ])
    const github = fakeGitHub()
    const trigger = onIssueComment()
    const { runner, failure, summary } = await endOfWait(trigger, api, github)
    expect(failure).toBeUndefined()
    expect(api.lists).toBe(1)
    expect(runner.outputs.summary).toBe('Done: the typo is fixed.')
    expect(runner.outputs.stale).toBeUndefined()
    expect(summary).toContain("### Devin's latest message\n\n> Done: the typo is fixed.\n")
    expect(living(github, trigger)).toContain("**Devin's latest message:**\n\n> Done: the typo is fixed.\n")
    // Not waiting for anyone: no question, no mention, and no pull request to read on an issue.
    expect(living(github, trigger)).not.toContain('Devin is asking')
    expect(mentions(github)).toEqual([])
    expect(github.calls.filter((call) => call.startsWith('head'))).toEqual([])
    expect(warnings(runner)).toEqual([])
  })

  it('caps the summary at 64 KiB of UTF-8 on a code point boundary, says how much was cut, and quotes less in the comment', async () => {
    // 3-byte characters: 64 KiB is not a multiple of 3, so a byte cut would split one.
    const long = '€'.repeat(30_000)
    const api = fakeDevin(session('finished'), [{ id: 'e1', from: 'devin', text: long }])
    const github = fakeGitHub()
    const trigger = onIssueComment()
    const { runner } = await endOfWait(trigger, api, github)
    const output = runner.outputs.summary as string
    expect(Buffer.byteLength(output, 'utf8')).toBeLessThanOrEqual(64 * 1024)
    expect(output).not.toContain('\ufffd')
    const kept = /^(€+)\n\n\[… (\d+) more bytes cut: the message is longer than 64 KiB; the session has all of it\.\]$/.exec(output)
    expect(kept).not.toBeNull()
    expect((kept?.[1] ?? '').length * 3 + Number(kept?.[2])).toBe(90_000)
    const comment = living(github, trigger)
    expect(comment.length).toBeLessThan(20_000)
    expect(comment).toContain(`> ${'€'.repeat(4_000)}\n>\n> …\n\n<sub>`)
    expect(comment).toMatch(/<sub>\d+ more characters are not shown here: the session has the whole message\.<\/sub>/)
  })

  it("keeps the comment far below GitHub's 65,536 characters even when escaping makes the quote longer than the text", async () => {
    // Each `&` is shown as `&amp;`, each line is quoted: the worst a message can do to the comment's length.
    const api = fakeDevin(session('finished'), [{ id: 'e1', from: 'devin', text: '&\n'.repeat(40_000) }])
    const github = fakeGitHub()
    const trigger = onIssueComment()
    await endOfWait(trigger, api, github)
    expect(living(github, trigger).length).toBeLessThan(40_000)
  })

  it("shows Devin's question and mentions the commenting user once, in a new comment that links to the living comment", async () => {
    const question = { ...QUESTION, text: 'Should I ask @octocat? <img src=x onerror=alert(1)> &#64;mona' }
    const api = fakeDevin(session('waiting_for_user'), [question])
    const github = fakeGitHub()
    const trigger = onIssueComment()
    const { runner, report, summary } = await endOfWait(trigger, api, github)
    expect(report.outcome).toBe('blocked')
    expect(report.question).toEqual({ id: 'event-q1', text: question.text })
    const comment = living(github, trigger)
    expect(comment).toContain('**Devin is asking:**\n\n> Should I ask @\u200boctocat? &lt;img src=x onerror=alert(1)&gt; &amp;#64;mona\n')
    // The question is the latest message: shown once, not a second time as the summary.
    expect(comment).not.toContain("Devin's latest message")
    expect(summary).toContain('### Devin is asking\n\n> Should I ask @\u200boctocat?')
    const posted = mentions(github)
    expect(posted).toHaveLength(1)
    const livingUrl = github.comments[0]?.url
    expect(posted[0]?.body).toBe(
      `${MARKER}\n@Codertocat Devin is waiting for your answer in session [devin-abc](https://app.devin.ai/sessions/devin-abc): see [the question](${livingUrl}). Answer with a comment that starts with \`@devin\`, or in the session.\n`
    )
    expect(runner.outputs.summary).toBe(question.text)
    expect(runner.log).toContain('info: Devin is waiting for an answer: mentioned @Codertocat in a new comment.')
  })

  it('posts no second mention when the action already posted one for the question', async () => {
    const github = fakeGitHub()
    github.comments.push({ id: 500, body: `${MARKER}\n@Codertocat earlier run`, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: 'u' })
    const { runner } = await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [QUESTION]), github)
    expect(mentions(github).map((comment) => comment.id)).toEqual([500])
    expect(runner.log).toContain('info: Devin is waiting for an answer: @Codertocat was already mentioned for this question, so not again.')
  })

  it('does not count a marker pasted by someone else, and mentions the user', async () => {
    const github = fakeGitHub()
    github.comments.push({ id: 500, body: `${MARKER}\nno need to ping anyone`, authorType: 'User', authorLogin: 'stranger', url: 'u' })
    await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [QUESTION]), github)
    expect(mentions(github).map((comment) => comment.authorLogin)).toEqual(['stranger', 'github-actions[bot]'])
  })

  it('mentions again for a new question of the same session', async () => {
    const github = fakeGitHub()
    github.comments.push({ id: 500, body: `${MARKER}\n@Codertocat earlier run`, authorType: 'Bot', authorLogin: 'github-actions[bot]', url: 'u' })
    await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [QUESTION, { id: 'event-q2', from: 'devin', text: 'And the tests?' }]), github)
    expect(mentions(github).map((comment) => comment.body.split('\n')[0])).toEqual([MARKER, '<!-- devin-session-action:question devin-abc event-q2 -->'])
  })

  it('names a question without an event id by a hash of its text', async () => {
    const github = fakeGitHub()
    await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [{ from: 'devin', text: QUESTION.text }]), github)
    expect(mentions(github)[0]?.body).toMatch(/^<!-- devin-session-action:question devin-abc sha256-[0-9a-f]{32} -->\n@Codertocat /)
  })

  it('posts at most one mention in a run', async () => {
    const github = fakeGitHub()
    await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [QUESTION]), github, {}, async (ctx) => {
      // An earlier mention in the same run (for another question): the run's one mention is spent.
      await ctx.comment?.mentionForQuestion({
        sessionId: 'devin-abc',
        sessionUrl: 'https://app.devin.ai/sessions/devin-abc',
        questionId: 'event-q0',
        login: 'Codertocat'
      })
    })
    expect(mentions(github).map((comment) => comment.body.split('\n')[0])).toEqual(['<!-- devin-session-action:question devin-abc event-q0 -->'])
  })

  it('with notify-on-blocked false, shows no question and mentions nobody, but still sets the summary', async () => {
    const github = fakeGitHub()
    const trigger = onIssueComment()
    const { runner, report } = await endOfWait(trigger, fakeDevin(session('waiting_for_user'), [QUESTION]), github, { 'notify-on-blocked': 'false' })
    expect(report.question).toBeUndefined()
    expect(runner.outputs.summary).toBe(QUESTION.text)
    expect(living(github, trigger)).not.toContain('Devin is asking')
    expect(mentions(github)).toEqual([])
  })

  it('mentions nobody when the user who caused the run is an app', async () => {
    const github = fakeGitHub()
    const trigger = { ...onIssueComment(), comment: undefined, actor: 'dependabot[bot]' }
    const { runner } = await endOfWait(trigger, fakeDevin(session('waiting_for_user'), [QUESTION]), github)
    expect(living(github, trigger)).toContain('**Devin is asking:**')
    expect(mentions(github)).toEqual([])
    expect(runner.log).toContain(
      'info: Devin is waiting for an answer; no GitHub user caused this run who could be mentioned, so the question is only shown in the comment.'
    )
  })

  it('warns once when the mention cannot be posted, and goes on', async () => {
    const github = fakeGitHub()
    const create = github.createComment
    github.createComment = async (issue, body) => {
      if (body.startsWith('<!-- devin-session-action:question ')) throw new Error('HTTP 403: Resource not accessible by integration')
      return create(issue, body)
    }
    const { runner, failure } = await endOfWait(onIssueComment(), fakeDevin(session('waiting_for_user'), [QUESTION]), github)
    expect(failure).toBeUndefined()
    expect(warnings(runner)).toEqual([
      'warning: Could not post the comment that mentions @Codertocat on #1 for Devin\'s question (HTTP 403: Resource not accessible by integration). Give the job "issues: write" and "pull-requests: write" permissions, or set notify-on-blocked: false.'
    ])
  })

  it('warns once when the messages cannot be read, leaves the summary empty, and goes on', async () => {
    const github = fakeGitHub()
    const trigger = onIssueComment()
    const api = fakeDevin(
      session('waiting_for_user'),
      new Error('Devin refused to read the messages of session devin-abc (HTTP 403): the key needs the ViewOrgSessions permission')
    )
    const { runner, report, failure } = await endOfWait(trigger, api, github)
    expect(failure).toBeUndefined()
    expect(api.lists).toBe(1)
    expect(warnings(runner)).toEqual([
      "warning: Could not read Devin's messages in session devin-abc, so the summary output is empty: Devin refused to read the messages of session devin-abc (HTTP 403): the key needs the ViewOrgSessions permission"
    ])
    expect(runner.outputs.summary).toBeUndefined()
    expect(report.question).toBeUndefined()
    expect(mentions(github)).toEqual([])
    expect(living(github, trigger)).toContain('✋ Devin is waiting for input')
  })

  it('sets stale false when the pull request head is still the commit the run asked about', async () => {
    const github = fakeGitHub(PAYLOAD_HEAD)
    const trigger = onPullRequest()
    const { runner, summary } = await endOfWait(trigger, fakeDevin(session('finished'), []), github)
    expect(github.calls.filter((call) => call.startsWith('head'))).toEqual(['head #2'])
    expect(runner.outputs.stale).toBe('false')
    expect(summary).not.toContain('moved on')
    expect(living(github, trigger)).not.toContain('moved on')
  })

  it('sets stale true when the head moved on, and names both commits in the comment and the job summary', async () => {
    const github = fakeGitHub(NEWER_HEAD)
    const trigger = onPullRequest()
    const { runner, summary } = await endOfWait(trigger, fakeDevin(session('finished'), []), github)
    expect(runner.outputs.stale).toBe('true')
    expect(summary).toContain(`**The pull request has moved on:** the session was last asked about \`${PAYLOAD_HEAD}\`; its head is now \`${NEWER_HEAD}\`.`)
    expect(living(github, trigger)).toContain(
      `⚠️ The pull request has moved on: the session was last asked about ${PAYLOAD_HEAD}; its head is now ${NEWER_HEAD}.`
    )
  })

  it('compares with the pushed head on synchronize', async () => {
    const github = fakeGitHub(NEWER_HEAD)
    const trigger = { ...onPullRequest(), newCommits: { after: NEWER_HEAD } }
    const { runner } = await endOfWait(trigger, fakeDevin(session('finished'), []), github)
    expect(runner.outputs.stale).toBe('false')
  })

  it('leaves stale unset with an info line when the head cannot be read', async () => {
    const github = fakeGitHub(new Error('HTTP 403: Resource not accessible by integration'))
    const { runner } = await endOfWait(onPullRequest(), fakeDevin(session('finished'), []), github)
    expect(runner.outputs.stale).toBeUndefined()
    expect(runner.log).toContain(
      'info: Could not read the head of pull request #2 (HTTP 403: Resource not accessible by integration); the stale output is not set.'
    )
    expect(warnings(runner)).toEqual([])
  })

  it('reads no head when the commit the run asked about is unknown', async () => {
    const github = fakeGitHub(NEWER_HEAD)
    const trigger = onPullRequest()
    const unknown = { ...trigger, pullRequest: { ...(trigger.pullRequest as NonNullable<Trigger['pullRequest']>), headSha: undefined } }
    const { runner } = await endOfWait(unknown, fakeDevin(session('finished'), [{ id: 'e1', from: 'devin', text: 'Done.' }]), github)
    // The end of the wait was read (the summary), but no head: there is nothing to compare it with.
    expect(runner.outputs.summary).toBe('Done.')
    expect(github.calls.filter((call) => call.startsWith('head'))).toEqual([])
    expect(runner.outputs.stale).toBeUndefined()
  })
})

describe("Devin's words", () => {
  it("lose credentials recognised by their shape as well as the run's own secrets, before they reach a comment", () => {
    const messages: SessionMessage[] = [
      {
        id: 'e1',
        from: 'devin',
        text: `Done. I used ${TEST_API_KEY} and found ghp_${'a1'.repeat(18)} in .env; the database is postgres://app:s3cretPassw0rd@db:5432/app.`
      }
    ]
    const words = devinWords(messages, 'finished', true, createRedactor([TEST_API_KEY]).text)
    expect(words.summary).toBe('Done. I used *** and found *** in .env; the database is postgres://app:***@db:5432/app.')
    expect(words.question).toBeUndefined()
  })
})
