import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * Whether the process that wrote a lock or a temporary file is still running. `kill(pid, 0)` alone is
 * not enough: it succeeds for a zombie (a process killed with SIGKILL whose parent has not reaped it
 * yet, e.g. right after a test or a supervisor killed it) and for an unrelated process that was given
 * the same pid later. So a lock records the process's start time with its pid, and a holder counts as
 * running only when a process with that pid exists, is not a zombie, and started at that time.
 *
 * Linux reads `/proc/<pid>/stat`; elsewhere `ps -o stat=,lstart=` answers the same questions; where
 * neither is available, `kill(pid, 0)` decides.
 */

/** The pid and start time of a process (`start` is opaque: compare it, do not parse it). */
export interface ProcessIdentity {
  pid: number
  start?: string
}

interface ProcessState {
  zombie: boolean
  start?: string
}

/** `/proc/<pid>/stat`: state is the field after the `(comm)`, start time (ticks since boot) the 20th after it. */
function procState(pid: number): ProcessState | null | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // No /proc at all (macOS): say "unknown"; /proc without this pid: gone.
    if (code === 'ENOENT' && procAvailable()) return null
    return undefined
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { zombie: fields[0] === 'Z' || fields[0] === 'X', start: fields[19] }
}

let procChecked: boolean | undefined
function procAvailable(): boolean {
  if (procChecked === undefined) {
    try {
      readFileSync('/proc/self/stat')
      procChecked = true
    } catch {
      procChecked = false
    }
  }
  return procChecked
}

/** `ps -o stat= -o lstart= -p <pid>`: null when there is no such process, undefined when ps cannot say. */
function psState(pid: number): ProcessState | null | undefined {
  const ps = spawnSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 })
  if (ps.error !== undefined || ps.status === null) return undefined
  const line = ps.stdout.trim()
  if (ps.status !== 0 || line === '') return null
  const [stat, ...start] = line.split(/\s+/)
  return { zombie: stat.startsWith('Z'), start: start.join(' ') }
}

function stateOf(pid: number): ProcessState | null | undefined {
  if (process.platform === 'win32') return undefined
  if (procAvailable()) return procState(pid)
  return psState(pid)
}

/** This process's identity, to write into a lock. */
export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, start: stateOf(process.pid)?.start }
}

/**
 * True when the process of `identity` still runs: the pid exists (EPERM: under another user), it is
 * not a zombie, and, when the identity has a start time, it started then (otherwise the pid was reused).
 */
export function isRunning(identity: ProcessIdentity): boolean {
  const state = stateOf(identity.pid)
  if (state === null) return false
  if (state !== undefined) {
    if (state.zombie) return false
    if (identity.start !== undefined && state.start !== undefined && identity.start !== state.start) return false
    return true
  }
  try {
    process.kill(identity.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
