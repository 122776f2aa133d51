import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest runs cpus - 1 files at a time: one on a two-core machine (CI), where most test time is spent
    // waiting on child processes (the CLI, npm, ffmpeg, chromium, the emulator). Two at a time there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    disableConsoleIntercept: true,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
    // Scans the output of every command the tests run for key material (issue 9).
    globalSetup: ['test/helpers/output-scan.global.ts'],
  },
})
