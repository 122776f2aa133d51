import { existsSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * The programs some tests need beyond `npm install`: ffmpeg (video frames), chromium (the dashboard
 * in a browser) and redis-server (BullMQ workers). On a fresh machine (`npm install && npm test` and
 * nothing else) their tests skip with one notice line each; under CI (`CI=true`, where `.ci/run`
 * installs them with apt-get) a missing one is a failure, so CI always runs every test.
 */
export type SystemTool = 'ffmpeg' | 'chromium' | 'redis-server'

const INSTALL: Record<SystemTool, string> = {
  ffmpeg: 'apt-get install ffmpeg',
  chromium: 'apt-get install chromium',
  'redis-server': 'apt-get install redis-server',
}

/** Whether this run is CI (`CI=true` or `CI=1`, as GitHub Actions and `.ci/run` set it). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1'
}

/**
 * The tool's executable on PATH, or undefined when it is not installed. PATH only, because that is
 * where the code under test looks (`spawn('ffmpeg')`).
 */
export function findTool(tool: SystemTool, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, tool)
    if (existsSync(file) && statSync(file).isFile()) return file
  }
  return undefined
}

const noticed = new Set<SystemTool>()

/**
 * Whether the tests that need `tool` can run here. When it is missing: outside CI, prints one line
 * (once per test file) naming what is skipped and how to install it, and returns false; under CI,
 * throws, so the test file fails instead of passing without testing anything.
 *
 * @example
 * const hasFfmpeg = toolAvailable('ffmpeg', 'videoFrames() decoding')
 * it.skipIf(!hasFfmpeg)('decodes frames', ...)
 */
export function toolAvailable(tool: SystemTool, what: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (findTool(tool, env) !== undefined) return true
  if (inCi(env))
    throw new Error(
      `${tool} is not installed, and CI=true: the tests of ${what} must run in CI (.ci/run installs ${tool}).`,
    )
  if (!noticed.has(tool)) {
    noticed.add(tool)
    process.stderr.write(
      `[skipped] ${tool} is not installed: skipping the tests of ${what} (${INSTALL[tool]}; CI runs them).\n`,
    )
  }
  return false
}
