import { spawn } from 'node:child_process'

/** The package managers `init` knows how to install with. */
export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

/** What became of the install step (`init --json` → `install`). */
export interface InstallResult {
  packageManager: PackageManager
  /** The command, as the user would type it. */
  command: string
  status: 'installed' | 'failed' | 'skipped'
  /** How long the install took (0 when skipped). */
  durationMs: number
  /** Why it failed: the exit code or error, and the last lines of the package manager's output. */
  error?: string
}

/**
 * The package manager the user ran `init` with, from the `npm_config_user_agent` every one of them
 * sets for the scripts and binaries it runs (`pnpm/9.1.0 npm/? node/v20...`, `yarn/4.1.0 ...`,
 * `bun/1.1.0 ...`). npm when nothing says otherwise (`node bin/run.js`, a global install).
 */
export function detectPackageManager(env: NodeJS.ProcessEnv = process.env): PackageManager {
  const name = /^([a-z]+)\//.exec(env.npm_config_user_agent ?? '')?.[1]
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm'
}

/** `npm install`, `pnpm install`, `yarn install`, `bun install`. */
export function installCommand(pm: PackageManager): string {
  return `${pm} install`
}

/**
 * Install the project's dependencies in `dir` with `pm`. Its output goes to `output` as it comes
 * (stderr for a person; nothing under --json), and the last lines are kept for the error when it fails.
 * Never throws: a failed install is reported, and the project is still there to install by hand.
 */
export function installDependencies(
  dir: string,
  pm: PackageManager,
  output?: (chunk: string) => void,
): Promise<InstallResult> {
  const command = installCommand(pm)
  const started = performance.now()
  return new Promise((resolve) => {
    let tail = ''
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString('utf8')
      output?.(text)
      tail = (tail + text).slice(-2000)
    }
    const done = (status: InstallResult['status'], error?: string): void =>
      resolve({
        packageManager: pm,
        command,
        status,
        durationMs: Math.round(performance.now() - started),
        ...(error === undefined ? {} : { error }),
      })
    // The package managers are .cmd scripts on Windows, which only a shell can start.
    const child = spawn(pm, ['install'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      env: process.env,
    })
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', (error: NodeJS.ErrnoException) =>
      done('failed', error.code === 'ENOENT' ? `${pm} was not found on PATH` : error.message),
    )
    child.on('close', (code, signal) => {
      if (code === 0) return done('installed')
      const lastLines = tail.trim().split('\n').slice(-8).join('\n')
      done(
        'failed',
        `${command} ${signal ? `was stopped by ${signal}` : `exited with ${code}`}${lastLines ? `:\n${lastLines}` : ''}`,
      )
    })
  })
}
