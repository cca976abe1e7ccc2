import { State } from './constants.js'
import { run } from './main.js'
import { cleanup } from './post.js'
import { actionsRunner } from './runner.js'

// One bundle serves both steps: the main step saves state, and the post step finds it.
const step = actionsRunner.getState(State.IsPost) === 'true' ? cleanup(actionsRunner) : run()
step.catch((error: unknown) => {
  // run() and cleanup() handle their own errors; this is the last guard against an unhandled rejection.
  actionsRunner.setFailed(error instanceof Error ? error.message : String(error))
})
