import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { isRunning, ownIdentity } from './process-identity.js'

describe('process identity', () => {
  it('this process runs; with another start time its pid counts as reused; a finished pid is gone', () => {
    const me = ownIdentity()
    expect(me.pid).toBe(process.pid)
    expect(isRunning(me)).toBe(true)
    if (me.start !== undefined) expect(isRunning({ pid: me.pid, start: `${me.start}0` })).toBe(false)
    const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    expect(isRunning({ pid: Number(done.stdout) })).toBe(false)
  })
})
