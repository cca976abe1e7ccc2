import type { Ajv as AjvClass, Options } from 'ajv'

type AjvConstructor = new (options?: Options) => AjvClass

/**
 * Loads Ajv's constructor from its lazily loaded chunk. Ajv is CommonJS whose `module.exports` is the
 * class itself: Node's ESM loader exposes it as `default`, but the bundler's interop (a function
 * export, flagged `__esModule`) copies no named exports, so `{ Ajv }` is undefined in `dist/` while
 * it works from the source. Taking the function from `default` (or its own `default`) works in both.
 */
export async function loadAjv(options: Options): Promise<AjvClass> {
  const loaded = (await import('ajv')) as unknown as { default?: unknown; Ajv?: unknown }
  const candidates = [loaded.default, (loaded.default as { default?: unknown } | undefined)?.default, loaded.Ajv]
  const Ajv = candidates.find((candidate): candidate is AjvConstructor => typeof candidate === 'function')
  if (Ajv === undefined) throw new Error('the JSON Schema validator (ajv) could not be loaded from the bundle')
  return new Ajv(options)
}
