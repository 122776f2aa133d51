import { fail } from '../shared/error-catalogue/index.js'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
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
    throw fail('KeyFileNotFound', { path, source })
  }
  if (!stats.isFile()) throw fail('KeyFileNotAFile', { path, source })
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
    throw fail('KeyFileUnreadable', { path, code, source })
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
      throw fail('KeyIsPath')
    }
    return parsePrivateKey(unescapeNewlines(envText), 'ENCORD_SSH_KEY')
  }
  if (envFile !== undefined)
    return parsePrivateKey(readKeyFile(envFile, 'ENCORD_SSH_KEY_FILE', warn), `ENCORD_SSH_KEY_FILE=${envFile}`)
  throw fail('KeyMissing')
}

/**
 * The API origin from `ENCORD_DOMAIN` (or an explicit value), without a trailing slash.
 * @default 'https://api.encord.com'
 */
export function resolveDomain(env: Record<string, string | undefined> = process.env, explicit?: string): string {
  const source = nonEmpty(explicit) !== undefined ? 'the domain option' : 'ENCORD_DOMAIN'
  const raw = (nonEmpty(explicit) ?? nonEmpty(env.ENCORD_DOMAIN) ?? DEFAULT_DOMAIN).trim()
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw fail('DomainInvalid.notAUrl', { source, raw })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw fail('DomainInvalid.notHttp', { source, protocol: url.protocol })
  // The SDK builds v2 URLs with urljoin, which drops a path: a domain with one cannot work for both transports.
  if (url.pathname.replace(/\/+$/, '') !== '' || url.search !== '' || url.hash !== '') {
    throw fail('DomainInvalid.hasPath', { source, raw })
  }
  if (/^app(\.us)?\.encord\.com$/.test(url.hostname)) {
    throw fail('DomainInvalid.webApp', { source, hostname: url.hostname })
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
