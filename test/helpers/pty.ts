import { spawn } from 'node:child_process'
import { recordOutput } from './output-scan.js'

/**
 * Run a shell command line on a pseudo-terminal with `script` (util-linux, in the essential bsdutils
 * package of Debian and Ubuntu, so no native module is needed): what a user at a terminal sees.
 * `cols`/`rows` set the terminal's size with `stty` first; without them the terminal is 0×0, as
 * `script` gives when it is not itself run from a terminal (and as some CI does). Shell redirections
 * in `command` work as at a prompt (`... > out.txt` leaves stderr on the terminal).
 */
export interface PtyOptions {
  cwd?: string
  /** The whole environment of the command (not merged with this process's). */
  env: NodeJS.ProcessEnv
  cols?: number
  rows?: number
  /** @default 60000 */
  timeoutMs?: number
}

export interface PtyResult {
  code: number | null
  /** Everything written to the terminal (stdout and stderr, as the terminal got them: `\r\n` line ends). */
  output: string
}

/** Quote a word for `sh`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

export function runInPty(command: string, options: PtyOptions): Promise<PtyResult> {
  const size = options.cols !== undefined ? `stty cols ${options.cols} rows ${options.rows ?? 40}; ` : ''
  return new Promise((resolve, reject) => {
    // -q quiet, -f flush at once, -e the command's exit code; the typescript file is not needed.
    const child = spawn('script', ['-qfec', `${size}${command}`, '/dev/null'], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      recordOutput(`pty: ${command}`, output)
      resolve({ code, output })
    })
  })
}
