import { State } from './constants.js'
import { run } from './main.js'
import { cleanup } from './post.js'
import { createActionsRunner } from './runner.js'

// One bundle serves both steps: the main step saves state, and the post step finds it.
const runner = createActionsRunner()
const step = runner.getState(State.IsPost) === 'true' ? cleanup(runner) : run()
step.catch((error: unknown) => {
  // run() and cleanup() handle their own errors; this is the last guard against an unhandled rejection.
  runner.setFailed(error instanceof Error ? error.message : String(error))
})
