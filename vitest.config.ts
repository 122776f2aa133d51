import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    disableConsoleIntercept: true,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
    // Scans the output of every command the tests run for key material (issue 9).
    globalSetup: ['test/helpers/output-scan.global.ts'],
  },
})
