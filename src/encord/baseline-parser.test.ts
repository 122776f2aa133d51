import { describe, expect, it } from 'vitest'
import { wasmFlagsChosen } from './baseline-parser.js'

// What the parser's compilation does is specified end to end, with V8's own trace, in
// test/e2e/library.test.ts; here, when it stays out of the way.
describe('wasmFlagsChosen: WebAssembly flags the user gave Node are theirs', () => {
  it('sees them on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(wasmFlagsChosen(['--liftoff-only'], undefined)).toBe(true)
    expect(wasmFlagsChosen(['--no-liftoff'], undefined)).toBe(true)
    expect(wasmFlagsChosen([], '--max-old-space-size=512 --no-wasm-tier-up')).toBe(true)
    expect(wasmFlagsChosen([], '--wasm_lazy_compilation')).toBe(true)
  })

  it('ignores every other flag', () => {
    expect(wasmFlagsChosen(['--enable-source-maps', '--expose-gc'], '--max-old-space-size=512')).toBe(false)
    expect(wasmFlagsChosen([], undefined)).toBe(false)
    expect(wasmFlagsChosen([], '')).toBe(false)
  })
})
