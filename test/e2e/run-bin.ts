import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { recordOutput, recordSecretsOfInvocation } from '../helpers/output-scan.js'

/** The repository root and the built CLI (`npm run build` makes dist/, which bin/run.js loads). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'run.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it).')
  }
}

export interface BinResult<T = unknown> {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (undefined when it is not JSON). */
  json: T | undefined
}

export interface RunBinOptions {
  cwd?: string
  /** Added to a clean environment (no ENCORD_* from the caller, no colour, CI=1). */
  env?: Record<string, string | undefined>
  /** Kill the process after this many ms (the test then fails on the exit code). @default 60000 */
  timeoutMs?: number
  /** Called with the child once spawned (to send signals). */
  onSpawn?: (child: ChildProcess) => void
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (chunk: string, child: ChildProcess) => void
}

function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    // NODE_ENV=test (set by vitest) would make oclif look for TypeScript sources.
    if (k.startsWith('ENCORD_') || k === 'DEBUG' || k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'NODE_ENV')
      continue
    env[k] = v
  }
  Object.assign(env, { NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' })
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Spawn `node bin/run.js ...args` (the built binary) and collect its output and exit code. */
export function runBin<T = unknown>(args: string[], options: RunBinOptions = {}): Promise<BinResult<T>> {
  return runNode<T>([BIN, ...args], options)
}

/** Spawn `node ...args` with the clean environment of `runBin`. */
export function runNode<T = unknown>(args: string[], options: RunBinOptions = {}): Promise<BinResult<T>> {
  recordSecretsOfInvocation(args, options.env, options.cwd ?? ROOT)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      options.onStderr?.(d, child)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    options.onSpawn?.(child)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      // For the suite-wide key-material scan (test/helpers/output-scan.ts).
      recordOutput(`node ${args.map((a) => a.replace(ROOT, '.')).join(' ')}`, stdout, stderr)
      let json: T | undefined
      try {
        json = JSON.parse(stdout) as T
      } catch {
        json = undefined
      }
      resolve({ code, signal, stdout, stderr, json })
    })
  })
}
