/**
 * Running npm and the project's own tools in a generated project, as a user's shell does (shared by
 * the e2e tests that install an `init` project and run `tsc` or its tests in it).
 */
import { spawnSync } from 'node:child_process'

/** npm as a user's shell runs it: quiet about audits and funding, from the cache first. */
export const NPM_ENV: NodeJS.ProcessEnv = {
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_loglevel: 'error',
  npm_config_update_notifier: 'false',
}

/** Run a command in `cwd` with the user's environment (no vitest variables); its exit code and output. */
export function shell(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs = 300_000,
): { code: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...NPM_ENV, NO_COLOR: '1', FORCE_COLOR: '0' }
  // vitest's own variables would make the project's vitest think it runs inside this one.
  for (const key of Object.keys(env))
    if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'NODE_OPTIONS') delete env[key]
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs })
  return { code: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` }
}
