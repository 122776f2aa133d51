import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync, type Stats } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BugError, UserError } from '../shared/errors.js'
import { generateOpenSshKey, parsePrivateKey } from '../encord/auth/keys.js'

/** The project templates `init` can write, with what each shows. */
export const TEMPLATES = {
  minimal: 'One agent stage; the agent moves every task along a pathway.',
  'label-writer': 'An agent that writes labels (a bounding box and a classification) through the labelRow dependency.',
  'multi-stage': 'Two agent stages: a triage agent routes tasks, a second agent finishes them.',
} as const

export type TemplateName = keyof typeof TEMPLATES

/** Where `init` puts the local key, relative to the target directory (git-ignored). */
export const LOCAL_KEY_PATH = '.encord-agents/local-key'

export interface InitOptions {
  /** Target directory (created if missing). */
  dir: string
  /** @default 'minimal' */
  template?: TemplateName
  /** @default process.cwd() */
  cwd?: string
  /** The command users type, for the next steps. @default 'encord-agents' */
  bin?: string
  /** For tests: the templates folder. @default the package's templates/ */
  templatesRoot?: string
}

export type InitFileStatus = 'created' | 'alreadyExisted' | 'updated'

/** What `init --json` prints. */
export interface InitResult {
  /** Absolute target directory. */
  dir: string
  template: TemplateName
  /** Every file `init` considered, relative to `dir`: written, left alone because it existed, or appended to (.gitignore). */
  files: Array<{ path: string; status: InitFileStatus }>
  /** The local key (relative to `dir`) and its public half, registered in the fixture's users. */
  key: { path: string; publicKeyHex: string; registered: boolean }
  /** Numbered next steps, as printed. */
  nextSteps: string[]
  warnings: string[]
}

/** The package's own templates folder (next to dist/ when installed, next to src/ in the repo). */
export function templatesRoot(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url))
}

/** `child` is `root` or inside it (both absolute and normalised). */
function isInside(root: string, child: string): boolean {
  const rel = relative(root, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * Check a target before anything is written: refuse `..` in a name, an absolute name, a path component
 * that is a symlink leading outside the real root or to nothing (a dangling `.encord-agents`), a
 * component that is not a directory, and a target that is a symlink or not a regular file. This is
 * what keeps `init` inside DIR whatever the template contains, and what lets it refuse before writing
 * anything rather than half way through.
 */
function checkTarget(root: string, realRoot: string, rel: string): string {
  if (rel === '' || isAbsolute(rel) || rel.split(/[\\/]/).some((s) => s === '..' || s === '')) {
    throw new BugError(`Template file name ${JSON.stringify(rel)} would leave the target directory.`)
  }
  const target = resolve(root, rel)
  if (!isInside(root, target)) throw new BugError(`Template file ${JSON.stringify(rel)} would be written outside ${root}.`)
  const refuse = (path: string, why: string, hint: string): never => {
    throw new UserError('InitPathEscape', `Refusing to write ${rel}: ${relative(root, path) || '.'} ${why}. Nothing was written.`, { hint, data: { path } })
  }
  const parts = rel.split(/[\\/]/)
  let path = root
  for (const [i, part] of parts.entries()) {
    path = join(path, part)
    const last = i === parts.length - 1
    let stat: Stats
    try {
      stat = lstatSync(path)
    } catch {
      return target // the rest is created
    }
    if (stat.isSymbolicLink()) {
      if (last) refuse(path, `is a symlink (to ${readlinkSync(path)})`, `Remove the symlink ${path} (init writes only regular files of its own) or choose another directory.`)
      let real: string
      try {
        real = realpathSync(path)
      } catch {
        return refuse(path, `is a symlink to ${readlinkSync(path)}, which does not exist`, `Remove the symlink ${path}, or create the folder it points to, then run init again.`)
      }
      if (!isInside(realRoot, real)) refuse(path, `leads outside ${root} (a symlink to ${real})`, `Remove the symlink ${path} or choose another directory.`)
      stat = statSync(path)
    }
    if (!last && !stat.isDirectory()) refuse(path, 'exists and is not a folder', `Move ${path} away or choose another directory.`)
    if (last && !stat.isFile()) refuse(path, 'exists and is not a regular file', `Move ${path} away or choose another directory.`)
  }
  return target
}

/** Regular files of a template, relative paths with `/` (symlinks and anything else are ignored). */
function templateFiles(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(...templateFiles(join(dir, entry.name), rel))
    else if (entry.isFile()) out.push(rel)
  }
  return out.sort()
}

/**
 * The real path of DIR (through symlinks), or of its deepest existing ancestor when DIR does not exist
 * yet. DIR itself may be a symlink to a folder; a dangling one, or one to a file, is refused.
 */
function realRootOf(root: string, shown: string): string {
  let stat: Stats | undefined
  try {
    stat = lstatSync(root)
  } catch {
    stat = undefined
  }
  if (stat === undefined) {
    // Created by init: its deepest existing ancestor must be a real folder.
    let probe = dirname(root)
    while (!lexists(probe) && dirname(probe) !== probe) probe = dirname(probe)
    return join(realFolder(probe, shown), relative(probe, root))
  }
  return realFolder(root, shown)
}

/** The real path of an existing folder (through symlinks); a dangling symlink or a file is refused. */
function realFolder(path: string, shown: string): string {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    throw new UserError('InitTargetNotADirectory', `${shown} cannot be used: ${path} is a symlink to ${readlinkSync(path)}, which does not exist. Nothing was written.`, {
      hint: 'Create the folder it points to, remove the symlink, or choose another directory.',
    })
  }
  if (!statSync(real).isDirectory()) throw new UserError('InitTargetNotADirectory', `${shown} cannot be used: ${path} exists and is not a directory.`, { hint: 'Choose a new or existing directory.' })
  return real
}

/** Something is at `path`, a dangling symlink included (`existsSync` follows links). */
function lexists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

/** Write `content` unless the file exists (`wx`: the check and the write are one step). */
function writeNew(target: string, content: string | Buffer, mode?: number): InitFileStatus {
  try {
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content, { flag: 'wx', mode })
    return 'created'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'alreadyExisted'
    throw writeFailed(target, error)
  }
}

/** A write the checks could not foresee (permissions, a full disk): the path and the system's reason. */
function writeFailed(target: string, error: unknown): UserError {
  const e = error as NodeJS.ErrnoException
  return new UserError('InitWriteFailed', `Could not write ${target}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '), {
    hint: 'Check that you may write to that folder and that the disk has room, then run init again (files already written are kept and not overwritten).',
    cause: error,
  })
}

const GITIGNORE_LINES = ['.encord-agents/', '*.local-key']

/**
 * Write a runnable agent project into `dir`: the template's config, handler(s) and demo fixture, a
 * fresh Ed25519 key for the local emulator (mode 0600, git-ignored) whose public key is registered as
 * a user of the fixture. Existing files are never overwritten (reported `alreadyExisted`); the only
 * change to an existing file is appending the key's ignore lines to `.gitignore`.
 */
export function initProject(options: InitOptions): InitResult {
  const cwd = options.cwd ?? process.cwd()
  const template = options.template ?? 'minimal'
  if (!Object.hasOwn(TEMPLATES, template)) {
    throw new UserError('UnknownTemplate', `There is no template named ${JSON.stringify(template)}.`, {
      hint: `Choose one of: ${Object.keys(TEMPLATES).join(', ')}.`,
    })
  }
  const source = join(options.templatesRoot ?? templatesRoot(), template)
  if (!existsSync(source)) throw new BugError(`The ${template} template is missing from ${source}: the package is incomplete.`)
  const root = resolve(cwd, options.dir)
  // Everything is checked before anything is written: a refusal leaves DIR as it was.
  const realRoot = realRootOf(root, options.dir)
  const keyTarget = checkTarget(root, realRoot, LOCAL_KEY_PATH)
  const templateTargets = templateFiles(source).map((rel) => ({ rel, target: checkTarget(root, realRoot, rel) }))
  const gitignoreTarget = checkTarget(root, realRoot, '.gitignore')
  const existingKey = existsSync(keyTarget) ? existingPublicKey(keyTarget) : undefined

  const files: InitResult['files'] = []
  const warnings: string[] = []
  try {
    mkdirSync(root, { recursive: true })
  } catch (error) {
    throw writeFailed(root, error)
  }

  // The key first: its public half goes into the fixture's users.
  let publicKeyHex: string
  if (existingKey !== undefined) {
    files.push({ path: LOCAL_KEY_PATH, status: 'alreadyExisted' })
    publicKeyHex = existingKey
  } else {
    const key = generateOpenSshKey('encord-agents local emulator key')
    files.push({ path: LOCAL_KEY_PATH, status: writeNew(keyTarget, key.privateKeyText, 0o600) })
    publicKeyHex = key.publicKeyHex
  }
  // Ignored before the templates are written: whatever happens next, the key is never left un-ignored.
  const gitignoreStatus = ensureGitignore(gitignoreTarget)

  let registered = false
  for (const { rel, target } of templateTargets) {
    let content: string | Buffer = readFileSync(join(source, rel))
    if (rel === 'fixture.json') {
      const fixture = JSON.parse(content.toString('utf8')) as { users?: Array<Record<string, unknown>> }
      fixture.users = [...(fixture.users ?? []), { email: 'you@localhost', publicKeyHex, projects: '*' }]
      content = JSON.stringify(fixture, null, 2) + '\n'
    }
    const status = writeNew(target, content)
    if (rel === 'fixture.json') {
      registered = status === 'created' || fixtureHasKey(target, publicKeyHex)
      if (!registered) warnings.push(`fixture.json already existed and its users were left unchanged; add { "email": "you@localhost", "publicKeyHex": "${publicKeyHex}" } to its users to use ${LOCAL_KEY_PATH} with it.`)
    }
    files.push({ path: rel, status })
  }
  files.push({ path: '.gitignore', status: gitignoreStatus })

  const bin = options.bin ?? 'encord-agents'
  const rel = relative(cwd, root)
  const nextSteps: string[] = []
  if (rel !== '') nextSteps.push(`cd ${rel.includes(' ') ? JSON.stringify(rel) : rel}`)
  nextSteps.push(`${bin} run    runs the agent against the local Encord emulator (fixture.json); run it again: nothing is left`)
  nextSteps.push(`${bin} list-stages    shows where the tasks went`)
  nextSteps.push(`Edit ${template === 'multi-stage' ? 'agents/*.ts' : 'agent.ts'}; to reset the demo tasks, delete fixture.json and run \`${bin} init${rel === '' ? '' : ' .'} --template ${template}\` again`)
  nextSteps.push(`For a real project: set projectHash in encord-agents.config.ts, remove \`local\`, and set ENCORD_SSH_KEY_FILE to your Encord key`)
  return { dir: root, template, files, key: { path: LOCAL_KEY_PATH, publicKeyHex, registered }, nextSteps, warnings }
}

function existingPublicKey(file: string): string {
  try {
    // Loaded only to learn its public half; the private text is never printed.
    return parsePrivateKey(readFileSync(file, 'utf8'), LOCAL_KEY_PATH).publicKeyHex
  } catch {
    throw new UserError('InitKeyUnreadable', `${LOCAL_KEY_PATH} exists but is not a usable OpenSSH Ed25519 private key.`, {
      hint: `Remove ${LOCAL_KEY_PATH} and run init again to make a fresh one.`,
    })
  }
}

function fixtureHasKey(file: string, publicKeyHex: string): boolean {
  try {
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as { users?: Array<{ publicKeyHex?: string }> }
    return (fixture.users ?? []).some((u) => u.publicKeyHex === publicKeyHex)
  } catch {
    return false
  }
}

/** Create `.gitignore` with the key's lines, or append the missing ones to an existing file. */
function ensureGitignore(file: string): InitFileStatus {
  const content = GITIGNORE_LINES.join('\n') + '\n'
  if (!existsSync(file)) return writeNew(file, `# encord-agents: the local key is a secret\n${content}`)
  let existing: string
  try {
    existing = readFileSync(file, 'utf8')
  } catch (error) {
    throw writeFailed(file, error)
  }
  const present = new Set(existing.split(/\r?\n/).map((l) => l.trim()))
  const missing = GITIGNORE_LINES.filter((l) => !present.has(l) && !present.has(l.replace(/\/$/, '')))
  if (missing.length === 0) return 'alreadyExisted'
  try {
    appendFileSync(file, `${existing.endsWith('\n') || existing === '' ? '' : '\n'}# encord-agents: the local key is a secret\n${missing.join('\n')}\n`)
  } catch (error) {
    throw writeFailed(file, error)
  }
  return 'updated'
}
