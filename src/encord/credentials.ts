import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { UserError } from '../shared/errors.js'
import { parsePrivateKey, type SigningKey } from './auth/keys.js'
import { EncordClient, type EncordClientOptions } from './client.js'

/** The default API origin (EU deployment). US: `https://api.us.encord.com`. */
export const DEFAULT_DOMAIN = 'https://api.encord.com'

export interface ResolveSigningKeyOptions {
  /** Private key text given explicitly (library use); wins over everything. */
  sshKey?: string
  /** Path given explicitly (e.g. `--ssh-key-file`); wins over the environment. */
  sshKeyFile?: string
  /** The environment to read `ENCORD_SSH_KEY` / `ENCORD_SSH_KEY_FILE` from. @default process.env */
  env?: Record<string, string | undefined>
  /** Receives warnings (both variables set, key file readable by others). */
  onWarning?: (message: string) => void
}

const HOW_TO =
  'Set ENCORD_SSH_KEY_FILE to the path of your private key file (or ENCORD_SSH_KEY to its content). ' +
  'The key must be an OpenSSH Ed25519 key whose public half is registered in Encord (Settings → Public keys).'

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function expandHome(path: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2))
  return path
}

/** A value that is plainly a path rather than key text. */
function looksLikePath(value: string): boolean {
  const v = value.trim()
  if (v.includes('-----BEGIN')) return false
  if (v.includes('\n')) return false
  return existsSync(expandHome(v)) || /^(~|\.{1,2})?[/\\]/.test(v) || /^[A-Za-z]:[\\/]/.test(v)
}

/**
 * Key text from an environment variable. CI secret stores often turn newlines into literal `\n`;
 * an OpenSSH key never contains a backslash, so un-escaping is safe.
 */
function unescapeNewlines(text: string): string {
  return !text.includes('\n') && text.includes('\\n') ? text.replace(/\\n/g, '\n') : text
}

function readKeyFile(rawPath: string, source: string, onWarning?: (message: string) => void): string {
  const path = resolve(expandHome(rawPath.trim()))
  let stats
  try {
    stats = statSync(path)
  } catch {
    throw new UserError('KeyFileNotFound', `The private key file ${path} does not exist (${source})`, { hint: HOW_TO })
  }
  if (!stats.isFile()) throw new UserError('KeyFileNotAFile', `${path} is not a file (${source})`, { hint: HOW_TO })
  // POSIX only: SSH itself refuses keys others can read.
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    onWarning?.(
      `The private key file ${path} can be read by other users (mode ${(stats.mode & 0o777).toString(8)}); restrict it with \`chmod 600 ${path}\`.`,
    )
  }
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown error'
    throw new UserError('KeyFileUnreadable', `The private key file ${path} cannot be read (${code}) (${source})`, {
      hint: 'Check the file permissions of the key file for the user running encord-agents.',
    })
  }
}

/**
 * Find and load the signing key, in this order:
 * 1. `sshKey` (key text passed explicitly),
 * 2. `sshKeyFile` (a path passed explicitly, e.g. `--ssh-key-file`),
 * 3. `ENCORD_SSH_KEY` (key text), 4. `ENCORD_SSH_KEY_FILE` (a path, `~` expanded).
 *
 * As encord-agents for Python: when both variables are set it warns and `ENCORD_SSH_KEY` wins;
 * `ENCORD_SSH_KEY` holding a path is an error that points at `ENCORD_SSH_KEY_FILE`. Errors never contain
 * key text.
 *
 * @example
 * const key = resolveSigningKey({ env: process.env, onWarning: (m) => console.warn(m) })
 */
export function resolveSigningKey(options: ResolveSigningKeyOptions = {}): SigningKey {
  const env = options.env ?? process.env
  const warn = options.onWarning
  const explicitText = nonEmpty(options.sshKey)
  const explicitFile = nonEmpty(options.sshKeyFile)
  const envText = nonEmpty(env.ENCORD_SSH_KEY)
  const envFile = nonEmpty(env.ENCORD_SSH_KEY_FILE)

  if (explicitText !== undefined) {
    if (explicitFile !== undefined) warn?.('Both a private key and a private key file were given; using the key.')
    return parsePrivateKey(unescapeNewlines(explicitText), 'the sshKey option')
  }
  if (explicitFile !== undefined)
    return parsePrivateKey(readKeyFile(explicitFile, 'the key file option', warn), `key file ${explicitFile}`)
  if (envText !== undefined) {
    if (envFile !== undefined) warn?.('Both ENCORD_SSH_KEY and ENCORD_SSH_KEY_FILE are set; using ENCORD_SSH_KEY.')
    if (looksLikePath(envText)) {
      throw new UserError('KeyIsPath', 'ENCORD_SSH_KEY holds a file path, not a private key', {
        hint: 'Put the path in ENCORD_SSH_KEY_FILE instead (ENCORD_SSH_KEY is for the key text itself), and unset ENCORD_SSH_KEY.',
      })
    }
    return parsePrivateKey(unescapeNewlines(envText), 'ENCORD_SSH_KEY')
  }
  if (envFile !== undefined)
    return parsePrivateKey(readKeyFile(envFile, 'ENCORD_SSH_KEY_FILE', warn), `ENCORD_SSH_KEY_FILE=${envFile}`)
  throw new UserError('KeyMissing', 'No Encord private key is configured', { hint: HOW_TO })
}

/**
 * The API origin from `ENCORD_DOMAIN` (or an explicit value), without a trailing slash.
 * @default 'https://api.encord.com'
 */
export function resolveDomain(env: Record<string, string | undefined> = process.env, explicit?: string): string {
  const source = nonEmpty(explicit) !== undefined ? 'the domain option' : 'ENCORD_DOMAIN'
  const raw = (nonEmpty(explicit) ?? nonEmpty(env.ENCORD_DOMAIN) ?? DEFAULT_DOMAIN).trim()
  const hint =
    'Use the API origin: https://api.encord.com (default), https://api.us.encord.com (US), or http://127.0.0.1:PORT for the local emulator.'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UserError('DomainInvalid', `${source} is not a URL: ${JSON.stringify(raw)}`, { hint })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UserError('DomainInvalid', `${source} must be an http(s) URL, not ${url.protocol}`, { hint })
  // The SDK builds v2 URLs with urljoin, which drops a path: a domain with one cannot work for both transports.
  if (url.pathname.replace(/\/+$/, '') !== '' || url.search !== '' || url.hash !== '') {
    throw new UserError(
      'DomainInvalid',
      `${source} must be a bare origin without a path or query: ${JSON.stringify(raw)}`,
      { hint },
    )
  }
  if (/^app(\.us)?\.encord\.com$/.test(url.hostname)) {
    throw new UserError('DomainInvalid', `${source} points at the Encord web app (${url.hostname}), not the API`, {
      hint,
    })
  }
  return url.origin
}

export interface CreateClientOptions extends Omit<EncordClientOptions, 'key' | 'domain'>, ResolveSigningKeyOptions {
  /** Explicit domain; else ENCORD_DOMAIN; else https://api.encord.com. */
  domain?: string
  /** An already loaded key (skips the key resolution). */
  key?: SigningKey
}

/**
 * An `EncordClient` configured from the environment (and explicit options, which win).
 *
 * @example
 * const client = createClient({ onWarning: console.warn })
 */
export function createClient(options: CreateClientOptions = {}): EncordClient {
  const env = options.env ?? process.env
  const key = options.key ?? resolveSigningKey(options)
  const { sshKey: _sshKey, sshKeyFile: _sshKeyFile, env: _env, onWarning: _onWarning, ...rest } = options
  return new EncordClient({ ...rest, key, domain: resolveDomain(env, options.domain) })
}
