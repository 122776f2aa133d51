/**
 * Issue 17, "done when": a fresh `init` project passes `npm install && npx tsc --noEmit && npm test`.
 * The CLI is this repository packed and installed elsewhere (as a user gets it), `init` installs the
 * project's dependencies itself (npm, as it was run by npm) and says how long it took; then the
 * TypeScript compiler and every template's own agent.test.ts run in the generated projects.
 *
 * Installs come from the npm cache the repository's own install filled where they can
 * (`npm_config_prefer_offline`): typescript, @types/node and vitest are this repository's own
 * devDependencies, so the same versions are there.
 */
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InitResult } from '../../src/services/init.js'
import { listTemplates } from '../../src/services/init-templates.js'
import { docErrors, documents, snippetsOf, writeSnippets } from '../docs/snippets.js'
import { NPM_ENV, shell } from './npm-shell.js'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

let tmp: string
beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-first-hour-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe("the TypeScript developer's first hour (packed package, real npm)", () => {
  it(
    'init installs with npm and says how long it took; npx tsc --noEmit and npm test pass in every template',
    { timeout: 900_000 },
    async () => {
      // The CLI as a user installs it: the packed tarball, installed in a folder of its own.
      const packDir = join(tmp, 'pack')
      mkdirSync(packDir)
      execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { ...process.env, ...NPM_ENV },
      })
      const tarball = join(
        packDir,
        readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
      )
      const cli = join(tmp, 'cli')
      mkdirSync(cli)
      execFileSync('npm', ['init', '-y'], { cwd: cli, stdio: 'ignore' })
      const installed = shell('npm', ['install', tarball], cli)
      expect(installed.code, installed.output).toBe(0)
      const bin = realpathSync(join(cli, 'node_modules', '.bin', 'encord-agents'))

      // `npx encord-agents init my-agent`, run by npm: it installs with npm.
      const started = performance.now()
      const init = await runNode([bin, 'init', 'my-agent'], {
        cwd: tmp,
        timeoutMs: 600_000,
        env: { ...NPM_ENV, npm_config_user_agent: 'npm/11.0.0 node/v20.19.0 linux x64 workspaces/false' },
      })
      const initMs = performance.now() - started
      expect(init.code, init.stderr).toBe(0)
      expect(init.stdout).toMatch(/✔ Installed the dependencies with npm in \d+(\.\d)? s/)
      expect(init.stderr).toContain('Installing the dependencies (npm install)')
      process.stderr.write(`[first hour] init with npm install: ${(initMs / 1000).toFixed(1)} s\n`)
      const project = join(tmp, 'my-agent')
      const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>
        devDependencies: Record<string, string>
      }
      // The very copy that is running: the tarball it was installed from.
      expect(pkg.dependencies['encord-agents']).toBe(`file:${tarball}`)
      expect(existsSync(join(project, 'node_modules', 'encord-agents', 'dist', 'testing', 'index.d.ts'))).toBe(true)

      const tsc = shell('npx', ['tsc', '--noEmit'], project)
      expect(tsc.code, tsc.output).toBe(0)
      // The README's and docs' snippets type-check in it too, against the installed package. They are
      // written for any project (pathways like "approve"), so without this project's generated types
      // (encord-agents.gen.d.ts narrows pathways and titles to the template's own: test/e2e/types.test.ts).
      const typesFile = join(project, 'encord-agents.gen.d.ts')
      expect(existsSync(typesFile)).toBe(true)
      renameSync(typesFile, `${typesFile}.aside`)
      const snippets = documents(ROOT).flatMap((doc) => snippetsOf(ROOT, doc))
      const origin = writeSnippets(ROOT, snippets, join(project, 'docs-snippets'))
      const docsTsc = shell('npx', ['tsc', '--noEmit', '--pretty', 'false'], project)
      expect(docErrors(docsTsc.output, project, origin)).toEqual([])
      rmSync(join(project, 'docs-snippets'), { recursive: true })
      renameSync(`${typesFile}.aside`, typesFile)
      const test = shell('npm', ['test'], project)
      expect(test.code, test.output).toBe(0)
      expect(test.output).toMatch(/Tests +1 passed/)
      const run = shell('npm', ['run', 'agent:run'], project)
      expect(run.code, run.output).toBe(0)
      expect(run.output).toContain('6 tasks processed: 6 moved')

      // The other templates: the same dependencies (checked), so they share the installed node_modules.
      for (const template of listTemplates()
        .map((t) => t.name)
        .filter((name) => name !== 'minimal')) {
        const dir = join(tmp, template)
        const other = await runNode<InitResult>([bin, 'init', dir, '--template', template, '--no-install', '--json'], {
          cwd: tmp,
        })
        expect(other.code, other.stderr).toBe(0)
        expect(other.json!.install.status).toBe('skipped')
        const otherPkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg
        expect([otherPkg.dependencies, otherPkg.devDependencies]).toEqual([pkg.dependencies, pkg.devDependencies])
        symlinkSync(join(project, 'node_modules'), join(dir, 'node_modules'), 'dir')
        const otherTsc = shell('npx', ['tsc', '--noEmit'], dir)
        expect(otherTsc.code, `${template}: ${otherTsc.output}`).toBe(0)
        const otherTest = shell('npm', ['test'], dir)
        expect(otherTest.code, `${template}: ${otherTest.output}`).toBe(0)
        expect(otherTest.output).toMatch(/Tests +1 passed/)
      }
    },
  )
})
