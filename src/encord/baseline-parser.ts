/**
 * undici parses HTTP with llhttp compiled to WebAssembly, once per process, inside the callback that
 * hands it its first socket. V8 compiles it with Liftoff, its baseline compiler, and then, after a few
 * replies, tiers the parser's main function (33 KB of wasm) up to TurboFan on a background thread:
 * 100–200 ms of CPU and 40 MB of compiler memory (`--trace-wasm-compilation-times`). On a small machine
 * that thread competes with the run itself, and Node waits for it before the process may exit (the last
 * ~190 ms of a `validate` were that wait). The baseline code is as fast for what we parse: 600 replies
 * of 400 KiB, or 3,000 of 2 KB, took the same wall time and less CPU in all (docs/performance.md).
 *
 * So the parser is compiled never to tier up, and only the parser: V8 reads its tiering flags for a
 * module when it compiles it, but compiles each function lazily, at its first call. For the synchronous
 * call in which undici compiles the parser, the flags say "compile every function now, at baseline, with
 * no tier-up"; they are restored before anything else runs, so other WebAssembly in the process (a
 * handler's vision model, say) is compiled and tiered up as usual. (`--liftoff-only` would not do: V8
 * reads it whenever a function gets hot, for every module.)
 */
import { setFlagsFromString } from 'node:v8'
import type { buildConnector } from 'undici'

/** The flags for the window, and V8's defaults to restore (its defaults since V8 11, Node 20). */
const BASELINE_ONLY = '--no-wasm-lazy-compilation --no-wasm-dynamic-tiering --no-wasm-tier-up'
const DEFAULTS = '--wasm-tier-up --wasm-dynamic-tiering --wasm-lazy-compilation'

/** WebAssembly flags given to Node by the user: then tiering is theirs to choose, and left alone here. */
export function wasmFlagsChosen(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => /^--(no[-_])?(wasm|liftoff)/.test(arg))
}

/** Run `fn` with the WebAssembly it compiles compiled at once, at baseline, for good; then restore V8's flags. */
export function withBaselineWasm<T>(fn: () => T): T {
  if (wasmFlagsChosen(process.execArgv, process.env.NODE_OPTIONS)) return fn()
  setFlagsFromString(BASELINE_ONLY)
  try {
    return fn()
  } finally {
    setFlagsFromString(DEFAULTS)
  }
}

/**
 * A connector whose sockets reach undici inside `withBaselineWasm`, so that the parser, compiled when
 * the first one arrives, is never tiered up. Later connections pay two flag writes (microseconds).
 */
export function baselineParserConnector(connect: buildConnector.connector): buildConnector.connector {
  return (opts, callback) => connect(opts, (...result) => withBaselineWasm(() => callback(...result)))
}
