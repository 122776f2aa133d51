import { fail } from '../shared/error-catalogue/index.js'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { displayPath } from '../core/config/issues.js'
import { loadConfig, type LoadedConfig } from '../core/config/load.js'
import { resolveTarget } from '../core/config/resolve.js'
import { UserError } from '../shared/errors.js'
import { generateSigningKey, type SigningKey } from '../encord/auth/keys.js'
import type { EncordClient } from '../encord/client.js'
import { createClient, resolveSigningKey } from '../encord/credentials.js'
import type { EmulatorHandle } from '../emulator/index.js'

/** Where `init` puts the local key, relative to the project directory (git-ignored); `run --local` uses it. */
export const LOCAL_KEY_PATH = '.encord-agents/local-key'

/** Where a command talks to: the config, the project, and a client (to Encord or the local emulator). */
export interface SessionOptions {
  /** @default process.cwd() */
  cwd?: string
  /** `--config FILE`. */
  configPath?: string
  /** A config is needed (`run`, `validate`); `list-stages` works without one given a project hash. */
  requireConfig: boolean
  /** `--project-hash` (or `ENCORD_PROJECT_HASH`). */
  projectHash?: string
  /** `--local FIXTURE`. */
  local?: string
  /** `--ssh-key-file`: an explicit key, used even with the local emulator. */
  sshKeyFile?: string
  /** `--domain` (or `ENCORD_DOMAIN`). */
  domain?: string
  /** With the local emulator: keep a log of its last requests (the dashboard of `run --ui` shows it). @default false */
  requestLog?: boolean
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  onWarning?: (message: string) => void
  /** Debug notes (shown with --verbose). */
  onDebug?: (message: string) => void
}

export interface Session {
  /** The config, when one was found (or required). */
  loaded?: LoadedConfig
  projectHash: string
  client: EncordClient
  /**
   * Set when running against the built-in emulator. `keySource`: `user` the key of `--ssh-key-file` or
   * ENCORD_SSH_KEY(_FILE), `project` the project's `.encord-agents/local-key` (made by `init`), `run` a
   * key made for this run.
   */
  local?: { fixture: string; emulator: EmulatorHandle; keySource: 'run' | 'user' | 'project' }
  /** Close the client and stop the emulator (writing its state). Idempotent. */
  close(): Promise<void>
}

/**
 * Open a session: load the config, decide the project and where it lives, and build the client.
 *
 * With `--local FIXTURE` (or `local` in the config) the emulator starts in-process on a free loopback
 * port and the client talks to it over HTTP exactly as to Encord. The key: `--ssh-key-file` when given
 * (it must be one of the fixture's users); else a key from ENCORD_SSH_KEY/ENCORD_SSH_KEY_FILE when it
 * is one of the fixture's users; else the project's `.encord-agents/local-key` (what `init` makes and
 * registers in its fixture) when it is one; else a key made for this run and allowed for it only. So a
 * real Encord key in the environment never gets in the way of local runs, and the emulator's history
 * shows the project's user.
 *
 * An explicit `--domain` or ENCORD_DOMAIN wins over the config's `local` (for an emulator started with
 * `emulator start`, whose dashboard then shows the run), and `onWarning` says so; the key is then the
 * usual one, or the project's local key when none is configured. `--local` on the command line wins
 * over ENCORD_DOMAIN.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  let loaded: LoadedConfig | undefined
  if (options.requireConfig || options.configPath !== undefined) {
    loaded = await loadConfig({ configPath: options.configPath, cwd })
  } else {
    try {
      loaded = await loadConfig({ cwd })
    } catch (error) {
      if (!(error instanceof UserError && error.code === 'ConfigNotFound')) throw error
    }
  }
  const target = resolveTarget(
    {
      projectHashFlag: options.projectHash,
      localFlag: options.local,
      configProjectHash: loaded?.config.projectHash,
      configLocal: loaded?.config.local,
      configDir: loaded?.dir,
    },
    cwd,
  )

  const domainFromEnv = options.domain !== undefined && options.domain === env.ENCORD_DOMAIN
  // The config's `local` is a default; a domain given for this invocation is a choice.
  const domainWins = target.localFixture !== undefined && options.local === undefined && options.domain !== undefined
  if (target.localFixture === undefined || domainWins) {
    if (domainWins) {
      const given = domainFromEnv ? `ENCORD_DOMAIN=${options.domain}` : `--domain ${options.domain}`
      options.onWarning?.(
        `Using ${given}, not the config's local emulator (${displayPath(target.localFixture!, cwd)}).`,
      )
    }
    if (target.projectHash === undefined) throw missingProjectHash(loaded, cwd)
    const projectKey =
      domainWins && options.sshKeyFile === undefined && environmentKey(env) === undefined
        ? projectKeyFile(loaded?.dir ?? dirname(target.localFixture!))
        : undefined
    const client = createClient({
      sshKeyFile: options.sshKeyFile ?? projectKey,
      domain: options.domain,
      env,
      onWarning: options.onWarning,
    })
    return { loaded, projectHash: target.projectHash, client, close: once(() => client.close()) }
  }

  // Loaded lazily: plain Encord runs never load the emulator (fastify and friends).
  const { startEmulator } = await import('../emulator/index.js')
  if (options.domain !== undefined) {
    options.onWarning?.(
      `${domainFromEnv ? `ENCORD_DOMAIN (${options.domain})` : '--domain'} is not used: --local runs the built-in emulator.`,
    )
  }
  const fixtureShown = displayPath(target.localFixture, cwd)
  let key: SigningKey
  let keySource: 'run' | 'user' | 'project' = 'user'
  let emulator: EmulatorHandle
  if (options.sshKeyFile !== undefined) {
    key = resolveSigningKey({ sshKeyFile: options.sshKeyFile, onWarning: options.onWarning })
    emulator = await startEmulator({
      fixture: target.localFixture,
      requestLog: options.requestLog,
      onWarning: options.onWarning,
    })
    if (!emulator.state.users.has(key.publicKeyHex)) {
      await emulator.stop()
      throw fail('LocalKeyNotRegistered', {
        sshKeyFile: options.sshKeyFile,
        fixtureShown,
        publicKeyHex: key.publicKeyHex,
      })
    }
  } else {
    const fromEnv = environmentKey(env)
    emulator = await startEmulator({
      fixture: target.localFixture,
      requestLog: options.requestLog,
      onWarning: options.onWarning,
    })
    const isUser = (k: SigningKey | undefined): k is SigningKey =>
      k !== undefined && emulator.state.users.has(k.publicKeyHex)
    if (fromEnv !== undefined && !isUser(fromEnv))
      options.onDebug?.(`The key in ENCORD_SSH_KEY(_FILE) is not a user of ${fixtureShown}.`)
    const projectFile = projectKeyFile(loaded?.dir ?? dirname(target.localFixture))
    const fromProject = isUser(fromEnv) || projectFile === undefined ? undefined : loadProjectKey(projectFile, options)
    if (fromProject !== undefined && !isUser(fromProject))
      options.onDebug?.(`${displayPath(projectFile!, cwd)} is not a user of ${fixtureShown}.`)
    if (isUser(fromEnv)) key = fromEnv
    else if (isUser(fromProject)) {
      key = fromProject
      keySource = 'project'
    } else {
      options.onDebug?.('Signing with a key made for this run.')
      key = generateSigningKey()
      emulator.allowKey(key.publicKeyHex)
      keySource = 'run'
    }
  }

  let projectHash = target.projectHash
  if (projectHash === undefined) {
    const hashes = [...emulator.state.projects.keys()]
    if (hashes.length !== 1) {
      await emulator.stop()
      throw fail('ProjectHashMissing.fixtureHasSeveral', { fixtureShown, hashes })
    }
    projectHash = hashes[0]
  }
  if (!emulator.state.projects.has(projectHash)) {
    const hashes = [...emulator.state.projects.keys()]
    await emulator.stop()
    const fromEnv =
      options.projectHash !== undefined && options.projectHash === env.ENCORD_PROJECT_HASH
        ? ' (from ENCORD_PROJECT_HASH)'
        : ''
    throw fail('ProjectNotInFixture', { projectHash, fromEnv, fixtureShown, hashes })
  }
  let client: EncordClient
  try {
    // No retries against the local emulator: it is either there or not, and tests want failures fast.
    client = createClient({ key, domain: emulator.domain, env: {}, retries: 0 })
  } catch (error) {
    await emulator.stop()
    throw error
  }
  return {
    loaded,
    projectHash,
    client,
    local: { fixture: target.localFixture, emulator, keySource },
    close: once(async () => {
      await client.close()
      await emulator.stop()
    }),
  }
}

/** The project's local key file (`init` makes it next to the config), when there is one. */
function projectKeyFile(dir: string): string | undefined {
  const file = join(dir, LOCAL_KEY_PATH)
  return existsSync(file) ? file : undefined
}

/** The project's local key; a broken one is passed over (with a debug note) for a key made for the run. */
function loadProjectKey(file: string, options: Pick<SessionOptions, 'onWarning' | 'onDebug'>): SigningKey | undefined {
  try {
    return resolveSigningKey({ sshKeyFile: file, onWarning: options.onWarning })
  } catch (error) {
    options.onDebug?.(`${file} could not be used: ${(error as Error).message}`)
    return undefined
  }
}

/** A key from the environment, only if it loads cleanly (a broken one is reported when used for Encord). */
function environmentKey(env: NodeJS.ProcessEnv): SigningKey | undefined {
  if (!env.ENCORD_SSH_KEY && !env.ENCORD_SSH_KEY_FILE) return undefined
  try {
    return resolveSigningKey({ env })
  } catch {
    return undefined
  }
}

/**
 * The one "no project given" error of the CLI's sessions. The queue commands (`enqueue`, `worker`) have
 * no --local, so their hint does not offer it.
 */
export function missingProjectHash(
  loaded: LoadedConfig | undefined,
  cwd: string,
  { canRunLocal = true }: { canRunLocal?: boolean } = {},
): UserError {
  const where = loaded ? ` (config: ${displayPath(loaded.filepath, cwd)})` : ''
  const local = canRunLocal ? '; or use --local FIXTURE for the local emulator' : ''
  return fail('ProjectHashMissing.notGiven', { where, local })
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
