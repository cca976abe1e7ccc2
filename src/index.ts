import { State } from './action/constants.js'
import { defaultDeps } from './action/edges.js'
import { run } from './main.js'
import { cleanup } from './post.js'

// One bundle serves both steps: the main step saves state, and the post step finds it.
const deps = defaultDeps()
const step = deps.runner.getState(State.IsPost) === 'true' ? cleanup(deps) : run(deps)
step.catch((error: unknown) => {
  // run() handles its own errors and cleanup() only warns; this is the last guard against an unhandled rejection.
  deps.runner.setFailed(error instanceof Error ? error.message : String(error))
})
