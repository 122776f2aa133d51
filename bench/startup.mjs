// Start-up time of the built CLI as a ratio to a bare `node -e 0` on the same machine (issue 17,
// item 9): `--version` and `--help` (target: at most 2x) and `validate` of a small local project made
// by `init` (target: at most 6x).
//
//   node bench/startup.mjs [--runs N]      (also part of `npm run bench`; `npm run bench -- --startup` alone)
//
// Each measured command runs right after a `node -e 0` (A B A B ...), so a machine that speeds up or
// slows down affects both alike; the ratio quoted is the median of the pairwise ratios of wall time.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'bin', 'run.js')

/** Targets of the issue: at most this many times `node -e 0`. */
export const STARTUP_TARGETS = { '--version': 2, '--help': 2, validate: 6 }

/** Wall time of one process run, in ms (output read and dropped). */
function timeOnce(args, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: benchEnv() })
    child.stdout.resume()
    child.stderr.resume()
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited ${code}`)),
    )
  })
}

function benchEnv() {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('ENCORD_') || k === 'NODE_OPTIONS' || k === 'DEBUG') delete env[k]
  return env
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** A small local project, as a user gets it from `init` (without installing packages). */
function makeProject() {
  const dir = mkdtempSync(join(tmpdir(), 'ea-startup-'))
  const project = join(dir, 'agent')
  const help = execFileSync(process.execPath, [bin, 'init', '--help'], { encoding: 'utf8', env: benchEnv() })
  const noInstall = help.includes('--no-install') ? ['--no-install'] : []
  execFileSync(process.execPath, [bin, 'init', project, ...noInstall], { stdio: 'ignore', env: benchEnv() })
  return { dir, project }
}

/**
 * Measure every case: `runs` pairs after one warm-up pair. Returns rows of
 * `{ command, baselineMs, commandMs, ratio, target, met }` (medians).
 */
export async function measureStartup({ runs = 9 } = {}) {
  const { dir, project } = makeProject()
  try {
    const cases = [
      { command: '--version', args: [bin, '--version'], cwd: root },
      { command: '--help', args: [bin, '--help'], cwd: root },
      { command: 'validate', args: [bin, 'validate'], cwd: project },
    ]
    const rows = []
    for (const c of cases) {
      await timeOnce(['-e', '0'], root)
      await timeOnce(c.args, c.cwd)
      const base = []
      const cmd = []
      const ratios = []
      for (let i = 0; i < runs; i++) {
        const b = await timeOnce(['-e', '0'], root)
        const a = await timeOnce(c.args, c.cwd)
        base.push(b)
        cmd.push(a)
        ratios.push(a / b)
      }
      const ratio = median(ratios)
      const target = STARTUP_TARGETS[c.command]
      rows.push({
        command: c.command,
        baselineMs: Math.round(median(base)),
        commandMs: Math.round(median(cmd)),
        ratio: Number(ratio.toFixed(2)),
        target,
        met: ratio <= target,
      })
    }
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function formatStartup(rows) {
  return rows
    .map(
      (r) =>
        `  ${`encord-agents ${r.command}`.padEnd(26)} ${String(r.commandMs).padStart(5)} ms  node -e 0 ${String(r.baselineMs).padStart(4)} ms  ratio ${r.ratio.toFixed(2)} (target <= ${r.target}: ${r.met ? 'met' : 'NOT met'})`,
    )
    .join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs')
  const rows = await measureStartup({ runs: i > 0 ? Number(process.argv[i + 1]) : undefined })
  process.stdout.write(`Start-up (median of pairwise ratios to node -e 0):\n${formatStartup(rows)}\n`)
}
