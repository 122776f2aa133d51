import { LOCAL_KEY_PATH } from './session.js'
import { fail } from '../shared/error-catalogue/index.js'
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { CONFIG_SEARCH_PLACES } from '../core/config/load.js'
import { UserError } from '../shared/errors.js'
import { generateOpenSshKey, parsePrivateKey } from '../encord/auth/keys.js'
import { detectPackageManager, installDependencies, type InstallResult, type PackageManager } from './init-install.js'
import { mergePackageJson, packageName, projectPackageJson, projectTsconfig } from './init-package.js'
import {
  DEFAULT_TEMPLATE,
  listTemplates,
  TEMPLATE_MANIFEST,
  templatesRoot,
  type TemplateInfo,
} from './init-templates.js'

import { initTypes } from './init-types.js'
export { listTemplates, templatesRoot, type TemplateInfo } from './init-templates.js'
export type { InstallResult, PackageManager } from './init-install.js'

/** A template's name: a folder of `templates/` (see init-templates.ts). */
export type TemplateName = string

export { LOCAL_KEY_PATH }

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
  /** The package manager the next steps name. @default the one `init` was run with (npm) */
  packageManager?: PackageManager
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
  /** The `encord-agents` dependency written into package.json (`file:` the running copy, or `^VERSION`). */
  dependency: string
  /** Installing the dependencies: done, failed (the project is there; install by hand) or skipped (`--no-install`). */
  install: InstallResult
  /** Numbered next steps, as printed. */
  nextSteps: string[]
  warnings: string[]
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
    throw fail('Bug.templateNameEscapes', { rel })
  }
  const target = resolve(root, rel)
  if (!isInside(root, target)) throw fail('Bug.templateFileEscapes', { rel, root })
  const at = (path: string) => ({ rel, relative: relative(root, path) || '.', path })
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
      if (last) throw fail('InitPathEscape.symlink', { ...at(path), target: readlinkSync(path) }, { data: { path } })
      let real: string
      try {
        real = realpathSync(path)
      } catch {
        throw fail('InitPathEscape.danglingSymlink', { ...at(path), target: readlinkSync(path) }, { data: { path } })
      }
      if (!isInside(realRoot, real))
        throw fail('InitPathEscape.leavesRoot', { ...at(path), root, real }, { data: { path } })
      stat = statSync(path)
    }
    if (!last && !stat.isDirectory()) throw fail('InitPathEscape.notAFolder', at(path), { data: { path } })
    if (last && !stat.isFile()) throw fail('InitPathEscape.notAFile', at(path), { data: { path } })
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
    throw fail('InitTargetNotADirectory.danglingSymlink', { shown, path, target: readlinkSync(path) })
  }
  if (!statSync(real).isDirectory()) throw fail('InitTargetNotADirectory.notADirectory', { shown, path })
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
  return fail('InitWriteFailed', { target, code: e.code, reason: e.message }, { cause: error })
}

const GITIGNORE_LINES = ['node_modules/', '.encord-agents/', '*.local-key']

/** Files init writes beside the template's: the TypeScript project around it. */
const PROJECT_FILES = ['package.json', 'tsconfig.json']

/** The first line of a config written by init: how `init .` recognises the template a project came from. */
const TEMPLATE_MARKER = /^\/\/ Made by `[^`]*init --template ([A-Za-z0-9_-]+)`/

/**
 * Write a runnable TypeScript agent project into `dir`: the template's config, handler(s), test and
 * demo fixture, a package.json and a strict tsconfig.json, a fresh Ed25519 key for the local emulator
 * (mode 0600, git-ignored) whose public key is registered as a user of the fixture. Existing files are
 * never overwritten (reported `alreadyExisted`); the only changes to existing files are ignore lines
 * appended to `.gitignore` and missing scripts and dependencies added to `package.json`. A directory
 * that already holds an agent project made from another template (or a config of its own) is refused
 * before anything is written. Dependencies are not installed here: see {@link createAgentProject}.
 */
export function initProject(options: InitOptions): Omit<InitResult, 'install'> {
  const cwd = options.cwd ?? process.cwd()
  const templateName = options.template ?? DEFAULT_TEMPLATE
  const templates = listTemplates(options.templatesRoot ?? templatesRoot())
  const template = templates.find((t) => t.name === templateName)
  if (template === undefined) {
    throw fail('UnknownTemplate', { templateName, value: templates.map((t) => t.name).join(', ') })
  }
  const source = template.dir
  if (!existsSync(source)) throw fail('Bug.templateMissing', { templateName, source })
  const root = resolve(cwd, options.dir)
  // Everything is checked before anything is written: a refusal leaves DIR as it was.
  const realRoot = realRootOf(root, options.dir)
  refuseOtherProject(root, options.dir, template, options.bin ?? 'encord-agents')
  const keyTarget = checkTarget(root, realRoot, LOCAL_KEY_PATH)
  const templateTargets = templateFiles(source)
    .filter((rel) => rel !== TEMPLATE_MANIFEST)
    .map((rel) => ({ rel, target: checkTarget(root, realRoot, rel) }))
  const projectTargets = PROJECT_FILES.map((rel) => ({ rel, target: checkTarget(root, realRoot, rel) }))
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

  const bin = options.bin ?? 'encord-agents'
  let registered = false
  for (const { rel, target } of templateTargets) {
    let content: string | Buffer = readFileSync(join(source, rel))
    if (rel === 'fixture.json') {
      const fixture = JSON.parse(content.toString('utf8')) as { users?: Array<Record<string, unknown>> }
      fixture.users = [...(fixture.users ?? []), { email: 'you@localhost', publicKeyHex, projects: '*' }]
      content = JSON.stringify(fixture, null, 2) + '\n'
    }
    if (rel === CONFIG_FILE)
      content = `// Made by \`${bin} init --template ${template.name}\`: \`init .\` restores missing files of this template only.\n${content.toString('utf8')}`
    const status = writeNew(target, content)
    if (rel === 'fixture.json') {
      registered = status === 'created' || fixtureHasKey(target, publicKeyHex)
      if (!registered)
        warnings.push(
          `fixture.json already existed and its users were left unchanged; add { "email": "you@localhost", "publicKeyHex": "${publicKeyHex}" } to its users to use ${LOCAL_KEY_PATH} with it.`,
        )
    }
    files.push({ path: rel, status })
  }

  const pkg = projectPackageJson(packageName(root), template)
  for (const { rel, target } of projectTargets) {
    if (rel === 'package.json') files.push({ path: rel, status: ensurePackageJson(target, pkg, warnings) })
    else files.push({ path: rel, status: writeNew(target, JSON.stringify(projectTsconfig(), null, 2) + '\n') })
  }
  files.push({ path: '.gitignore', status: gitignoreStatus })

  const dependency = (pkg.dependencies as Record<string, string>)['encord-agents']
  return {
    dir: root,
    template: template.name,
    files,
    key: { path: LOCAL_KEY_PATH, publicKeyHex, registered },
    dependency,
    nextSteps: [],
    warnings,
  }
}

/** Options of {@link createAgentProject}: init's, and whether and how to install. */
export interface CreateAgentProjectOptions extends InitOptions {
  /** Install the dependencies after writing the files. @default true */
  install?: boolean
  /** Where the package manager's output goes while it installs (a person sees it on stderr). */
  onInstallOutput?: (chunk: string) => void
  /** Called just before installing (to say so). */
  onInstallStart?: (command: string) => void
}

/**
 * `encord-agents init`: write the project ({@link initProject}), then install its dependencies with the
 * package manager `init` was run with (unless `install: false`), timed. A failed install is a warning:
 * the project is written, and the next steps say to install by hand.
 */
export async function createAgentProject(options: CreateAgentProjectOptions): Promise<InitResult> {
  const written = initProject(options)
  const types = await initTypes(written.dir)
  if (types.file !== undefined) written.files.push(types.file)
  if (types.warning !== undefined) written.warnings.push(types.warning)
  const pm = options.packageManager ?? detectPackageManager()
  let install: InstallResult
  if (options.install === false) {
    install = { packageManager: pm, command: `${pm} install`, status: 'skipped', durationMs: 0 }
  } else {
    options.onInstallStart?.(`${pm} install`)
    install = await installDependencies(written.dir, pm, options.onInstallOutput)
    if (install.status === 'failed')
      written.warnings.push(
        `Installing the dependencies failed (${install.error}). The project is written; run \`${install.command}\` in it once the cause is fixed.`,
      )
  }
  const cwd = options.cwd ?? process.cwd()
  return {
    ...written,
    install,
    nextSteps: nextSteps(
      written.dir,
      cwd,
      written.template,
      listTemplates(options.templatesRoot ?? templatesRoot()),
      install,
      options.bin ?? 'encord-agents',
    ),
  }
}

/** `npm run agent:run`, `pnpm agent:run`, `yarn agent:run`, `bun run agent:run`. */
function runScript(pm: PackageManager, script: string): string {
  return pm === 'npm' || pm === 'bun' ? `${pm} run ${script}` : `${pm} ${script}`
}

function nextSteps(
  root: string,
  cwd: string,
  templateName: string,
  templates: TemplateInfo[],
  install: InstallResult,
  bin: string,
): string[] {
  const pm = install.packageManager
  const rel = relative(cwd, root)
  const edit = templates.find((t) => t.name === templateName)?.edit ?? 'agent.ts'
  const steps: string[] = []
  if (rel !== '') steps.push(`cd ${rel.includes(' ') ? JSON.stringify(rel) : rel}`)
  const installed =
    install.status === 'installed' ||
    (install.status === 'skipped' && existsSync(join(root, 'node_modules', 'encord-agents')))
  if (!installed)
    steps.push(`${install.command}    installs encord-agents, TypeScript and vitest (types in your editor)`)
  steps.push(
    `${runScript(pm, 'agent:run')}    runs the agent against the local Encord emulator (fixture.json); run it again: nothing is left`,
  )
  steps.push(`${pm} test    runs agent.test.ts: the agent on a test project in memory`)
  steps.push(`${bin} list-stages    shows where the tasks went`)
  steps.push(
    `Edit ${edit}; to reset the demo tasks, delete fixture.json and run \`${bin} init${rel === '' ? '' : ' .'} --template ${templateName}\` again`,
  )
  steps.push(
    'For a real project: set projectHash in encord-agents.config.ts, remove `local`, and set ENCORD_SSH_KEY_FILE to your Encord key',
  )
  return steps
}

const CONFIG_FILE = 'encord-agents.config.ts'

/**
 * Refuse a directory that already holds an agent project of another template, or a config init did not
 * write: writing this template into it would mix two projects (two configs' worth of handlers, a
 * fixture of one and agents of the other). The same template is fine: init then restores missing files.
 */
function refuseOtherProject(root: string, shown: string, template: TemplateInfo, bin: string): void {
  const configs = CONFIG_SEARCH_PLACES.filter((name) => name !== 'package.json' && existsSync(join(root, name)))
  if (configs.length === 0) return
  const own =
    configs.length === 1 && configs[0] === CONFIG_FILE
      ? TEMPLATE_MARKER.exec(readHead(join(root, CONFIG_FILE)))?.[1]
      : undefined
  if (own === template.name) return
  const what =
    own !== undefined
      ? `an agent project made from the ${own} template`
      : `an agent project of its own (${configs.join(', ')})`
  throw fail(
    'InitWouldMixProjects',
    { shown, what, name: template.name, bin, own },
    { data: { dir: root, existing: own ?? null, configs } },
  )
}

function readHead(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(0, 300)
  } catch {
    return ''
  }
}

/** Create package.json, or add the project's missing scripts and dependencies to an existing one. */
function ensurePackageJson(target: string, pkg: Record<string, unknown>, warnings: string[]): InitFileStatus {
  if (!existsSync(target)) return writeNew(target, JSON.stringify(pkg, null, 2) + '\n')
  let merged: ReturnType<typeof mergePackageJson>
  try {
    merged = mergePackageJson(readFileSync(target, 'utf8'), pkg)
  } catch (error) {
    throw fail('InitPackageJsonInvalid', { message: (error as Error).message }, { cause: error })
  }
  warnings.push(...merged.warnings)
  if (merged.text === null) return 'alreadyExisted'
  try {
    writeFileSync(target, merged.text)
  } catch (error) {
    throw writeFailed(target, error)
  }
  return 'updated'
}

function existingPublicKey(file: string): string {
  try {
    // Loaded only to learn its public half; the private text is never printed.
    return parsePrivateKey(readFileSync(file, 'utf8'), LOCAL_KEY_PATH).publicKeyHex
  } catch {
    throw fail('InitKeyUnreadable', { LOCAL_KEY_PATH })
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

/** Create `.gitignore` with init's lines (dependencies, the key), or append the missing ones to an existing file. */
function ensureGitignore(file: string): InitFileStatus {
  const content = GITIGNORE_LINES.join('\n') + '\n'
  if (!existsSync(file))
    return writeNew(file, `# encord-agents: installed packages, and the local key (a secret)\n${content}`)
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
    appendFileSync(
      file,
      `${existing.endsWith('\n') || existing === '' ? '' : '\n'}# encord-agents: installed packages, and the local key (a secret)\n${missing.join('\n')}\n`,
    )
  } catch (error) {
    throw writeFailed(file, error)
  }
  return 'updated'
}
