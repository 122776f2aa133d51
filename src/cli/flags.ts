import { Flags, type Interfaces } from '@oclif/core'
import { z } from 'zod'
import {
  declaredDefault,
  declaredRunOptions,
  innerType,
  numberBounds,
  type DeclaredOption,
} from '../core/config/options.js'
import type { RunOptionsLayer } from '../core/config/resolve.js'

/**
 * Flags shared by every command that talks to a project (`run`, `validate`, `list-stages`, ...).
 * Each main flag also reads an environment variable (STYLE C1), so CI can set them once.
 */
export const projectFlags = {
  config: Flags.string({
    char: 'c',
    summary: 'Config file to use instead of searching for encord-agents.config.* from the current directory up.',
    helpValue: 'FILE',
    helpGroup: 'PROJECT',
  }),
  'project-hash': Flags.string({
    summary: "The Encord project's hash (overrides `projectHash` in the config).",
    env: 'ENCORD_PROJECT_HASH',
    helpValue: 'HASH',
    helpGroup: 'PROJECT',
  }),
  local: Flags.string({
    summary:
      'Run against the built-in local Encord emulator serving this fixture file (overrides `local` in the config).',
    helpValue: 'FIXTURE',
    helpGroup: 'PROJECT',
  }),
  // No oclif `env` here on purpose: ENCORD_SSH_KEY_FILE / ENCORD_SSH_KEY are read by the client, and
  // an explicit flag must be told apart from the environment (with --local, a key from the environment
  // that the fixture does not know is replaced by a key made for the run; an explicit one is an error).
  'ssh-key-file': Flags.string({
    summary:
      'OpenSSH Ed25519 private key file to sign requests with (default: ENCORD_SSH_KEY_FILE, or ENCORD_SSH_KEY holding the key text).',
    helpValue: 'FILE',
    helpGroup: 'PROJECT',
  }),
  domain: Flags.string({
    summary: "Encord API origin, e.g. https://api.us.encord.com (default: Encord's).",
    env: 'ENCORD_DOMAIN',
    helpValue: 'URL',
    helpGroup: 'PROJECT',
  }),
}

/** Flags of every command. */
export const commonFlags = {
  verbose: Flags.boolean({
    summary: 'Show debug output and stack traces (same as DEBUG=encord-agents*).',
    default: false,
    helpGroup: 'GLOBAL',
  }),
}

/** The oclif flag of a declared run option: its kind and bounds come from the option's zod type. */
function flagOf(option: DeclaredOption, summary = flagSummary(option)): RunOptionFlag {
  const { doc } = option
  const inner = innerType(option.schema)
  const helpGroup = option.path[0] === 'filters' ? 'TASK FILTER' : undefined
  const range = numberBounds(option.schema)
  if (range !== undefined) {
    // Flags take whole numbers; a bound that is exclusive (`> 0`) or fractional becomes the nearest whole one inside.
    const min =
      range.min === undefined
        ? undefined
        : Number.isInteger(range.min) && !range.minExclusive
          ? range.min
          : Math.floor(range.min) + 1
    const max = range.max === undefined ? undefined : Math.floor(range.max)
    return Flags.integer({ summary, min, max, helpValue: doc.flag!.helpValue, helpGroup })
  }
  if (
    inner instanceof z.ZodBoolean ||
    (inner instanceof z.ZodUnion && inner.options.some((o) => o instanceof z.ZodBoolean))
  )
    return Flags.boolean({ summary, allowNo: true, helpGroup })
  if (inner instanceof z.ZodArray)
    return Flags.string({ summary, multiple: true, helpValue: doc.flag!.helpValue, helpGroup })
  return Flags.string({ summary, helpValue: doc.flag!.helpValue, helpGroup })
}

// Typed loosely: the values are read back through runOverridesFromFlags, which the declaration types.

type RunOptionFlag = Interfaces.Flag<any>

/** "Tasks fetched, decided and flushed together (default 300)." from the option's summary and default. */
function flagSummary(option: DeclaredOption): string {
  const { doc } = option
  if (doc.flag?.summary !== undefined) return doc.flag.summary
  const text = doc.summary.charAt(0).toUpperCase() + doc.summary.slice(1)
  const value = declaredDefault(option.schema)
  const inner = innerType(option.schema)
  const notes: string[] = []
  if (inner instanceof z.ZodArray) notes.push('repeatable')
  else if (value !== undefined && typeof value !== 'boolean') notes.push(`default ${String(value)}`)
  else if (doc.default !== undefined) notes.push(`default: ${doc.default}`)
  // Durations say their bound: past it Node's timers misfire, so a longer value is refused.
  const max = numberBounds(option.schema)?.max
  if (doc.unit !== undefined && max !== undefined) notes.push(`at most ${Math.floor(max)}`)
  const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : ''
  return `${text}${suffix}.`
}

const declared = declaredRunOptions().filter((o) => o.doc.flag !== undefined)

/** Run options as flags, derived from their declaration (src/core/config/options.ts); they override the config's `run` block. */
export const runOptionFlags: Record<string, RunOptionFlag> = Object.fromEntries(
  declared.map((o) => [o.doc.flag!.name, flagOf(o)]),
)

/**
 * Some run options' flags, for commands that take only those (`enqueue`), with their own words where
 * the command uses the option differently (its own default).
 */
export function runOptionFlagsOf(
  names: string[],
  summaries: Record<string, string> = {},
): Record<string, RunOptionFlag> {
  return Object.fromEntries(
    names.map((name) => {
      const option = declared.find((o) => o.doc.flag!.name === name)
      if (option === undefined) throw new Error(`No run option has the flag --${name}.`)
      return [name, flagOf(option, summaries[name])]
    }),
  )
}

/** The config and the project `--config` and `--project-hash` name (the queue commands read no more). */
export function projectSelection(flags: { config?: string; 'project-hash'?: string }) {
  return { configPath: flags.config, projectHash: flags['project-hash'] }
}

/** The config and the Encord project, key and domain the project flags name (every command that opens a project). */
export function connectionFlags(flags: {
  config?: string
  'project-hash'?: string
  'ssh-key-file'?: string
  domain?: string
}) {
  return {
    ...projectSelection(flags),
    sshKeyFile: flags['ssh-key-file'],
    domain: flags.domain,
  }
}

/** The session options the project flags give (`openSession` in src/services/session.ts). */
export function sessionFlags(flags: Parameters<typeof connectionFlags>[0] & { local?: string }) {
  return { ...connectionFlags(flags), local: flags.local }
}

/** Run-option flags → a layer over the config's `run` block (unset flags leave the config alone). */
export function runOverridesFromFlags(flags: Record<string, unknown>): RunOptionsLayer {
  const layer: Record<string, unknown> = {}
  const filters: Record<string, unknown> = {}
  for (const option of declared) {
    const value = flags[option.doc.flag!.name]
    if (value === undefined) continue
    if (option.path.length === 2) filters[option.path[1]] = value
    else layer[option.path[0]] = value
  }
  if (Object.keys(filters).length > 0) layer.filters = filters
  return layer
}
