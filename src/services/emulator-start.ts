import { readFileSync } from 'node:fs'
import { fail } from '../shared/error-catalogue/index.js'
import { isAbsolute, resolve } from 'node:path'
import { parsePrivateKey } from '../encord/auth/keys.js'
import { UserError } from '../shared/errors.js'
import type { EmulatorHandle } from '../emulator/index.js'
import { terminalText } from '../ui/terminal-text.js'

/** Options of {@link startEmulatorService}. */
export interface EmulatorStartOptions {
  /** Fixture file. @default the `local` fixture of the config found from `cwd` */
  fixture?: string
  /** @default 4010 (0 picks a free port) */
  port?: number
  /** @default "127.0.0.1" */
  host?: string
  /** Leave the fixture file untouched. @default false */
  inMemory?: boolean
  /** Accept any correctly signed request. @default false */
  allowAnyKey?: boolean
  /** Added to every request. @default 0 */
  latencyMs?: number
  /** Keep a log of the last 1000 requests at /_emulator/requests. @default false */
  requestLog?: boolean
  /**
   * Keys allowed on every project for this run: public key hexes, `ssh-ed25519 …` public key lines, or
   * paths (from `cwd`) of key files (an OpenSSH private key or a `.pub`).
   */
  allowKeys?: string[]
  cwd?: string
  onWarning?: (message: string) => void
}

/** What `emulator start` prints (`--json`: one line, as soon as it listens). */
export interface EmulatorStartResult {
  /** Export as ENCORD_DOMAIN. */
  domain: string
  host: string
  port: number
  fixture: string
  inMemory: boolean
  allowAnyKey: boolean
  /** Public key hexes let in by `allowKeys` (`--allow-key`). */
  allowedKeys: string[]
  projects: Array<{
    projectHash: string
    title: string
    tasks: number
    agentStages: Array<{ uuid: string; title: string; tasks: number }>
  }>
  /** Keys accepted (fixture users), so users can check theirs is there. */
  users: Array<{ email: string; publicKeyHex: string }>
  warnings: string[]
}

export const DEFAULT_EMULATOR_PORT = 4010

/** The warning for a non-loopback `--host` (null for loopback). */
export function hostWarning(host: string): string | null {
  // Loopback: localhost, 127/8, ::1, and 127/8 written as IPv4-mapped IPv6 (::ffff:127.0.0.1).
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h))
    return null
  return `Listening on ${host}, not loopback: other machines can reach the emulator, download its media and read /_emulator state without signing. Use it only on a trusted network.`
}

/** Start the emulator for the `emulator start` command; the caller stops it (handle.stop()). */
export async function startEmulatorService(
  options: EmulatorStartOptions,
): Promise<{ result: EmulatorStartResult; handle: EmulatorHandle }> {
  const cwd = options.cwd ?? process.cwd()
  const fixture = options.fixture !== undefined ? resolve(cwd, options.fixture) : await fixtureFromConfig(cwd)
  const host = options.host ?? '127.0.0.1'
  const warnings: string[] = []
  const warning = hostWarning(host)
  if (warning) warnings.push(warning)
  const allowKeys = (options.allowKeys ?? []).map((k) => publicKeyHexOf(k, cwd))
  const { startEmulator } = await import('../emulator/index.js')
  const handle = await startEmulator({
    fixture,
    port: options.port ?? DEFAULT_EMULATOR_PORT,
    host,
    inMemory: options.inMemory,
    allowAnyKey: options.allowAnyKey,
    latencyMs: options.latencyMs,
    requestLog: options.requestLog,
    allowKeys,
    onWarning: options.onWarning,
  })
  const state = handle.state
  if (state.users.size === 0 && !options.allowAnyKey && allowKeys.length === 0) {
    warnings.push(
      'The fixture lists no users, so every request will be refused: add your public key to its "users", or pass --allow-any-key.',
    )
  }
  const projects = [...state.projects.values()].map((p) => ({
    projectHash: p.projectHash,
    title: p.title,
    tasks: p.tasks.size,
    agentStages: p.stages
      .filter((s) => s.stageType === 'AGENT')
      .map((s) => ({ uuid: s.uuid, title: s.title, tasks: p.stageIndexes.get(s.uuid)?.size ?? 0 })),
  }))
  return {
    handle,
    result: {
      domain: handle.domain,
      host: handle.host,
      port: handle.port,
      fixture,
      inMemory: options.inMemory ?? false,
      allowAnyKey: options.allowAnyKey ?? false,
      allowedKeys: allowKeys,
      projects,
      users: [...state.users.values()].map((u) => ({ email: u.email, publicKeyHex: u.publicKeyHex })),
      warnings,
    },
  }
}

const HEX_KEY = /^[0-9a-f]{64}$/i

/**
 * The public key hex of an `--allow-key` value: 64 hex characters, an `ssh-ed25519 <base64> [comment]`
 * line, or a file holding either or an OpenSSH private key. The error never shows a key file's text.
 */
export function publicKeyHexOf(value: string, cwd: string): string {
  const given = value.trim()
  if (HEX_KEY.test(given)) return given.toLowerCase()
  const fromLine = sshPublicKeyHex(given)
  if (fromLine) return fromLine
  const path = resolve(cwd, given)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw fail('AllowKeyInvalid', { value })
  }
  const trimmed = text.trim()
  if (HEX_KEY.test(trimmed)) return trimmed.toLowerCase()
  const fromFile = sshPublicKeyHex(trimmed)
  if (fromFile) return fromFile
  return parsePrivateKey(text, `--allow-key ${path}`).publicKeyHex
}

/** The key of an OpenSSH `ssh-ed25519 <base64 blob> [comment]` line (null when it is not one). */
function sshPublicKeyHex(line: string): string | null {
  const m = /^ssh-ed25519\s+([A-Za-z0-9+/]+={0,2})(\s|$)/.exec(line)
  if (!m) return null
  const blob = Buffer.from(m[1], 'base64')
  // string "ssh-ed25519", then string <32-byte key>; each a uint32 length and the bytes.
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1
  if (typeLength !== 11 || blob.subarray(4, 15).toString('latin1') !== 'ssh-ed25519') return null
  if (blob.length !== 15 + 4 + 32 || blob.readUInt32BE(15) !== 32) return null
  return blob.subarray(19).toString('hex')
}

async function fixtureFromConfig(cwd: string): Promise<string> {
  const { loadConfig } = await import('../core/config/load.js')
  const noFixture = () => fail('FixtureMissing')
  let loaded
  try {
    loaded = await loadConfig({ cwd })
  } catch (error) {
    if (error instanceof UserError && error.code === 'ConfigNotFound') throw noFixture()
    throw error
  }
  const local = (loaded.config as { local?: unknown }).local
  if (typeof local !== 'string') throw noFixture()
  return isAbsolute(local) ? local : resolve(loaded.dir, local)
}

/** Human output of `emulator start` (plain text: stdout). */
export function formatEmulatorStart(result: EmulatorStartResult): string {
  const lines = [`Encord emulator listening on ${result.domain}`, '', `  export ENCORD_DOMAIN=${result.domain}`, '']
  lines.push(
    `Fixture: ${result.fixture}${result.inMemory ? ' (in memory: changes are not written back)' : ' (changes are written back)'}`,
  )
  for (const p of result.projects) {
    lines.push(`Project ${p.projectHash}  "${terminalText(p.title)}"  ${p.tasks} tasks`)
    for (const s of p.agentStages) lines.push(`  agent stage "${terminalText(s.title)}" (${s.uuid}): ${s.tasks} tasks`)
  }
  if (result.allowAnyKey) lines.push('Keys: any correctly signed request is accepted (--allow-any-key).')
  else {
    const keys = [
      ...result.users.map((u) => `${u.email} (${u.publicKeyHex.slice(0, 12)}…)`),
      ...result.allowedKeys.map((k) => `${k.slice(0, 12)}… (--allow-key)`),
    ]
    lines.push(`Keys: ${keys.length === 0 ? 'none registered' : keys.join(', ')}`)
  }
  lines.push(`Dashboard: ${result.domain}/`, `Stats: ${result.domain}/_emulator/stats`, 'Stop with Ctrl+C.')
  return lines.join('\n')
}
