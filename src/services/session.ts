import { displayPath } from '../core/config/issues.js'
import { loadConfig, type LoadedConfig } from '../core/config/load.js'
import { resolveTarget } from '../core/config/resolve.js'
import { ConnectionError, UserError } from '../core/errors.js'
import { generateOpenSshKey, parsePrivateKey, type SigningKey } from '../encord/auth/keys.js'
import type { EncordClient } from '../encord/client.js'
import { createClient, resolveSigningKey } from '../encord/credentials.js'
import type { EmulatorHandle } from '../emulator/index.js'

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
  /** Set when running against the built-in emulator. */
  local?: { fixture: string; emulator: EmulatorHandle; keySource: 'run' | 'user' }
  /** Close the client and stop the emulator (writing its state). Idempotent. */
  close(): Promise<void>
}

/**
 * Open a session: load the config, decide the project and where it lives, and build the client.
 *
 * With `--local FIXTURE` (or `local` in the config) the emulator starts in-process on a free loopback
 * port and the client talks to it over HTTP exactly as to Encord. The key: `--ssh-key-file` when given
 * (it must be one of the fixture's users); else a key from ENCORD_SSH_KEY/ENCORD_SSH_KEY_FILE when it
 * is one of the fixture's users; else a key made for this run and allowed for it only. So a real
 * Encord key in the environment never gets in the way of local runs.
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
    { projectHashFlag: options.projectHash, localFlag: options.local, configProjectHash: loaded?.config.projectHash, configLocal: loaded?.config.local, configDir: loaded?.dir },
    cwd,
  )

  if (target.localFixture === undefined) {
    if (target.projectHash === undefined) throw missingProjectHash(loaded, cwd)
    const client = createClient({ sshKeyFile: options.sshKeyFile, domain: options.domain, env, onWarning: options.onWarning })
    return { loaded, projectHash: target.projectHash, client, close: once(() => client.close()) }
  }

  // Loaded lazily: plain Encord runs never load the emulator (fastify and friends).
  const { startEmulator } = await import('../emulator/index.js')
  if (options.domain !== undefined && env.ENCORD_DOMAIN !== options.domain) options.onWarning?.('--domain is ignored with --local: the client talks to the local emulator.')
  const fixtureShown = displayPath(target.localFixture, cwd)
  let key: SigningKey
  let keySource: 'run' | 'user' = 'user'
  let emulator: EmulatorHandle
  if (options.sshKeyFile !== undefined) {
    key = resolveSigningKey({ sshKeyFile: options.sshKeyFile, onWarning: options.onWarning })
    emulator = await startEmulator({ fixture: target.localFixture, requestLog: options.requestLog, onWarning: options.onWarning })
    if (!emulator.state.users.has(key.publicKeyHex)) {
      await emulator.stop()
      throw new ConnectionError('LocalKeyNotRegistered', `The key ${options.sshKeyFile} is not a user of ${fixtureShown}, so the local emulator would reject every request.`, {
        hint: `Add { "email": "you@localhost", "publicKeyHex": "${key.publicKeyHex}" } to the fixture's users, or leave out --ssh-key-file to use a key made for this run.`,
      })
    }
  } else {
    const fromEnv = environmentKey(env)
    emulator = await startEmulator({ fixture: target.localFixture, requestLog: options.requestLog, onWarning: options.onWarning })
    if (fromEnv !== undefined && emulator.state.users.has(fromEnv.publicKeyHex)) {
      key = fromEnv
    } else {
      if (fromEnv !== undefined) options.onDebug?.(`The key in ENCORD_SSH_KEY(_FILE) is not a user of ${fixtureShown}; using a key made for this run.`)
      key = parsePrivateKey(generateOpenSshKey('encord-agents run key').privateKeyText, 'the run key')
      emulator.allowKey(key.publicKeyHex)
      keySource = 'run'
    }
  }

  let projectHash = target.projectHash
  if (projectHash === undefined) {
    const hashes = [...emulator.state.projects.keys()]
    if (hashes.length !== 1) {
      await emulator.stop()
      throw new UserError('ProjectHashMissing', `${fixtureShown} holds ${hashes.length} projects; say which one to use.`, {
        hint: `Set projectHash in the config or pass --project-hash. Projects: ${hashes.join(', ')}.`,
      })
    }
    projectHash = hashes[0]
  }
  if (!emulator.state.projects.has(projectHash)) {
    const hashes = [...emulator.state.projects.keys()]
    await emulator.stop()
    const fromEnv = options.projectHash !== undefined && options.projectHash === env.ENCORD_PROJECT_HASH ? ' (from ENCORD_PROJECT_HASH)' : ''
    throw new UserError('ProjectNotInFixture', `Project ${projectHash}${fromEnv} is not in ${fixtureShown}.`, {
      hint: `The fixture holds: ${hashes.join(', ')}.${fromEnv ? ' Unset ENCORD_PROJECT_HASH for local runs, or' : ''} Set projectHash (or --project-hash) to one of them.`,
    })
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

/** A key from the environment, only if it loads cleanly (a broken one is reported when used for Encord). */
function environmentKey(env: NodeJS.ProcessEnv): SigningKey | undefined {
  if (!env.ENCORD_SSH_KEY && !env.ENCORD_SSH_KEY_FILE) return undefined
  try {
    return resolveSigningKey({ env })
  } catch {
    return undefined
  }
}

function missingProjectHash(loaded: LoadedConfig | undefined, cwd: string): UserError {
  const where = loaded ? ` (config: ${displayPath(loaded.filepath, cwd)})` : ''
  return new UserError('ProjectHashMissing', `No project given${where}.`, {
    hint: 'Set projectHash in the config, pass --project-hash HASH or set ENCORD_PROJECT_HASH; or use --local FIXTURE for the local emulator.',
  })
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
