import { format } from 'node:util'
import { afterEach } from 'vitest'

// Tests never reach beyond loopback: a proxy variable would route requests around nock.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) {
  delete process.env[name]
}

// Quiet tests: a library's console warning or a Node warning is either a problem to fix where it comes from
// (configure the library) or output a test expects, which that test captures and asserts on
// (vi.spyOn(console, 'warn').mockImplementation(...) replaces this hook for its duration). Anything else
// fails the test that caused it, so stray stderr cannot creep back into the suite's output.
const unexpected: string[] = []
for (const level of ['warn', 'error'] as const) {
  const write = console[level].bind(console)
  console[level] = (...args: unknown[]) => {
    unexpected.push(`console.${level}: ${format(...args)}`)
    write(...args)
  }
}
process.on('warning', (warning) => unexpected.push(`Node warning: ${warning.name}: ${warning.message}`))

afterEach(() => {
  if (unexpected.length === 0) return
  const found = unexpected.splice(0)
  throw new Error(`The test wrote to stderr; fix the source or capture and assert on it in the test:\n${found.join('\n')}`)
})
