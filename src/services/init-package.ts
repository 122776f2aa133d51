import { fail } from '../shared/error-catalogue/index.js'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TemplateInfo } from './init-templates.js'

/**
 * What makes an `init` project a TypeScript project: its package.json (ESM, the encord-agents
 * dependency, typescript, @types/node and vitest, the scripts) and a strict tsconfig.json, so that
 * `npm install && npx tsc --noEmit && npm test` passes and the editor resolves `encord-agents`.
 */

interface OwnPackage {
  root: string
  version: string
  devDependencies: Record<string, string>
}

let own: OwnPackage | undefined
/** The running encord-agents package: its folder (real path), version and dev dependencies. */
export function ownPackage(): OwnPackage {
  if (own) return own
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
        name?: string
        version?: string
        devDependencies?: Record<string, string>
      }
      if (pkg.name === 'encord-agents' && pkg.version) {
        own = { root: realpathSync(dir), version: pkg.version, devDependencies: pkg.devDependencies ?? {} }
        return own
      }
    }
    dir = dirname(dir)
  }
  throw fail('Bug.packageJsonMissing')
}

/**
 * The `encord-agents` dependency of a new project: the very copy that is running. From a clone (or
 * `npm link`, which runs the clone): `file:` its folder. Installed from a tarball (also through npx):
 * `file:` that tarball, as the installing npm recorded it in its lockfile. From the registry (or when
 * nothing says otherwise): `^VERSION`.
 */
export function encordAgentsDependency(pkg: OwnPackage = ownPackage()): string {
  const parts = pkg.root.split(sep)
  const at = parts.lastIndexOf('node_modules')
  if (at < 0) return `file:${pkg.root}`
  // <install>/node_modules/encord-agents: what npm recorded for it there.
  const install = parts.slice(0, at).join(sep) || sep
  const key = parts.slice(at).join('/')
  for (const lockfile of [join(install, 'node_modules', '.package-lock.json'), join(install, 'package-lock.json')]) {
    const resolved = resolvedIn(lockfile, key)
    if (resolved === undefined) continue
    if (!resolved.startsWith('file:')) break
    const target = resolved.slice('file:'.length)
    const path = isAbsolute(target) ? target : resolve(install, target)
    if (existsSync(path)) return `file:${path}`
    break
  }
  return `^${pkg.version}`
}

function resolvedIn(lockfile: string, key: string): string | undefined {
  try {
    const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, { resolved?: string }> }
    return lock.packages?.[key]?.resolved
  } catch {
    return undefined
  }
}

/** Versions of the tools a project needs: the ones this package is built and tested with (its devDependencies). */
function toolVersion(pkg: OwnPackage, name: string, fallback: string): string {
  return pkg.devDependencies[name] ?? fallback
}

/** A valid npm package name from a folder name. */
export function packageName(folder: string): string {
  const name = basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
  return name === '' ? 'my-agent' : name.slice(0, 214)
}

/** The package.json of a new project. */
export function projectPackageJson(
  name: string,
  template: TemplateInfo,
  pkg: OwnPackage = ownPackage(),
): Record<string, unknown> {
  return {
    name,
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: {
      'agent:run': 'encord-agents run',
      'agent:validate': 'encord-agents validate',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { 'encord-agents': encordAgentsDependency(pkg), ...template.dependencies },
    devDependencies: {
      '@types/node': toolVersion(pkg, '@types/node', '^20.19.0'),
      typescript: toolVersion(pkg, 'typescript', '^5.9.0'),
      vitest: toolVersion(pkg, 'vitest', '^4.0.0'),
      ...template.devDependencies,
    },
  }
}

/**
 * An existing package.json with what the project needs added: missing scripts, dependencies and dev
 * dependencies (existing values are never changed). Returns the new text, or null when nothing is
 * missing, and warnings for what init leaves to the user (a package that is not ESM).
 */
export function mergePackageJson(
  existingText: string,
  wanted: Record<string, unknown>,
): { text: string | null; warnings: string[] } {
  const existing = JSON.parse(existingText) as Record<string, unknown>
  const warnings: string[] = []
  let changed = false
  for (const field of ['scripts', 'dependencies', 'devDependencies'] as const) {
    const have = (existing[field] ?? {}) as Record<string, string>
    for (const [name, value] of Object.entries(wanted[field] as Record<string, string>)) {
      if (name in have) continue
      have[name] = value
      changed = true
    }
    existing[field] = have
  }
  if (existing.type !== 'module') {
    warnings.push(
      'package.json has no "type": "module": the agent files are ES modules, so add it (or rename them to .mts) for tsc and your editor to resolve encord-agents.',
    )
  }
  const indent = /^\{\r?\n([ \t]+)"/.exec(existingText)?.[1] ?? '  '
  return { text: changed ? JSON.stringify(existing, null, indent) + '\n' : null, warnings }
}

/** The tsconfig.json of a new project: strict, NodeNext, no emit (the CLI and vitest run the .ts files). */
export function projectTsconfig(): Record<string, unknown> {
  return {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      // `import agent from './agent.ts'`, as Node and vitest run TypeScript files directly.
      allowImportingTsExtensions: true,
      isolatedModules: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['**/*.ts'],
    exclude: ['node_modules', '.encord-agents'],
  }
}
