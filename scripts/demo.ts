/**
 * `npm run demo [-- --scenario NAME]`: see the action work without a Devin account. A pull request is opened
 * on one repository, the gate checks its author on GitHub, Devin reviews it, and the action keeps one comment on
 * the pull request up to date, and a check run on its head commit. The Devin API emulator and a fake GitHub API run on 127.0.0.1, the committed
 * bundle runs as GitHub's runner runs it (scripts/lib/demo-story.ts), and this prints what people see: the
 * requests as they happen, then the log, the step outputs, the job summary, the comment and the check run.
 */
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { scenarioNames } from '../emulator/lifecycle.ts'
import { bundle } from './lib/action-runner.ts'
import { DEMO_SCENARIO, OVER_BUDGET, type DemoEvent, type DemoStory, runDemoStory } from './lib/demo-story.ts'
import { renderLog } from './lib/render-log.ts'

const SYNOPSIS = 'Usage: npm run demo -- [--scenario NAME] [--over-budget]'
const USAGE = `${SYNOPSIS}
  --scenario     the emulated session's lifecycle (default ${DEMO_SCENARIO}): ${scenarioNames().join(', ')}
  --over-budget  earlier sessions on the pull request used more than budget-per-pr: the run is skipped, with figures`

const rule = (title: string) => `\n── ${title} ${'─'.repeat(Math.max(0, 66 - title.length))}\n`
const out = (text: string) => process.stdout.write(text)

function event(e: DemoEvent): string {
  const at = `${(e.atMs / 1000).toFixed(1)}s`.padStart(6)
  return `${at}  ${e.service.padEnd(6)} ${e.method} ${e.path} -> ${e.status ?? 'no answer'}${e.note ? `\n${' '.repeat(16)}${e.note}` : ''}\n`
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`)

function show(story: DemoStory): void {
  const { main } = story
  out(rule('Log'))
  out(`${renderLog(main.stdout)}\n`)
  out(rule('Step outputs'))
  for (const [name, value] of Object.entries(main.outputs)) out(`${name} = ${value.includes('\n') ? JSON.stringify(value) : value}\n`)
  out(rule('Job summary (markdown)'))
  out(`${main.summary.trimEnd()}\n`)

  out(rule(`The comment on pull request #${story.pullRequest.number}`))
  const { created, edited } = story.commentWrites
  if (story.comments.length === 0) out('There is no comment on the pull request.\n')
  for (const comment of story.comments) {
    out(`${comment.user.login} · ${comment.html_url} · created ${times(created)}, edited ${times(edited)}\n`)
    out('(markdown as GitHub holds it; the first line is a hidden marker GitHub does not display)\n\n')
    out(`${comment.body.trimEnd()}\n`)
  }
  out(rule(`The check run on the pull request's head`))
  if (story.checkRuns.length === 0) out('There is no check run.\n')
  for (const run of story.checkRuns) {
    const state = run.conclusion !== null ? `${run.status}: ${run.conclusion}` : run.status
    out(`"${run.name}" on ${run.head_sha} · ${state} · ${run.output.title ?? ''}\n`)
    out(`details_url ${run.details_url ?? '(none)'} · external_id ${run.external_id ?? '(none)'}\n`)
    out('(its summary is the job summary above)\n')
  }
  out(rule('Requests GitHub received'))
  for (const request of story.githubRequests) out(`${request.method} ${request.path} -> ${request.status ?? 'no answer'}\n`)
  out(rule('Requests Devin received'))
  for (const request of story.devinRequests) out(`${request.method} ${request.path} -> ${request.status ?? 'no answer'}\n`)
  out(`\nThe step exited with code ${main.exitCode}.\n`)
}

async function main(): Promise<void> {
  let scenario: string | undefined
  let overBudget: boolean
  try {
    const { values } = parseArgs({
      options: { scenario: { type: 'string' }, 'over-budget': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }
    })
    overBudget = values['over-budget'] === true
    if (values.help) return void out(`${USAGE}\n`)
    scenario = values.scenario ?? DEMO_SCENARIO
    if (!scenarioNames().includes(scenario)) throw new Error(`unknown scenario '${scenario}'. Valid names: ${scenarioNames().join(', ')}`)
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`)
  } catch (error) {
    process.stderr.write(`npm run demo: ${error instanceof Error ? error.message : String(error)}\n${SYNOPSIS}\n`)
    process.exitCode = 2
    return
  }

  out(`A pull request is opened; the action checks its author on GitHub, Devin reviews it (scenario "${scenario}"),\n`)
  out('and the action keeps one comment on the pull request and one check run on its head commit up to date (check-run: true).\n')
  out('Devin and GitHub are emulated on 127.0.0.1; dist/index.js runs as GitHub runs it, polling the session\n')
  out('every 5 s (about 15 s for the default scenario).\n\n')
  if (overBudget) {
    out(`With --over-budget: budget-per-pr is ${OVER_BUDGET.budget} ACUs, and earlier sessions on this pull request used ${OVER_BUDGET.used.join(' + ')}.\n`)
    out('The action lists them, skips the run with the figures, creates nothing, says so in the comment, and the check run is skipped.\n\n')
  }
  const story = await runDemoStory({ scenario, overBudget, onEvent: (e) => out(event(e)) })
  out(`\nRepository ${story.repository}, pull request #${story.pullRequest.number} by ${story.pullRequest.author}: ${story.pullRequest.url}\n`)
  show(story)
  process.exitCode = story.main.exitCode ?? 1
}

await main()
