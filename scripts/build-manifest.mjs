// Build step (run by scripts/build.mjs after tsc): what makes the CLI start fast (issue 17, item 9).
//
// - oclif.manifest.json: every command's flags, args and help, so oclif lists commands, shows help
//   and finds a command without importing every command module (and what they import).
// - dist/cli/root-help.json: the top-level `--help` exactly as oclif renders it at its default width
//   (80 columns), plain and coloured, so bin/run.js answers it without loading oclif at all
//   (src/cli/fast-start.ts). Rendered by oclif itself in child processes (its colour choice is made
//   when its colour library loads).
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Config } from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifestFile = join(root, 'oclif.manifest.json')
// Without a manifest file, oclif computes the manifest by importing every command of dist/commands.
rmSync(manifestFile, { force: true })
const config = await Config.load({ root })
const manifest = config.plugins.get(config.pjson.name).manifest
if (Object.keys(manifest.commands).length === 0)
  throw new Error('oclif found no commands in dist/commands: was tsc run first?')
writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n')

const renderHelp = (forceColor) =>
  execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `import { run } from '@oclif/core'; await run(['--help'], ${JSON.stringify(root)})`],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...withoutColorHints(process.env), FORCE_COLOR: forceColor },
    },
  )
const rootHelp = { userAgent: config.userAgent, plain: renderHelp('0'), color: renderHelp('1') }
if (!rootHelp.plain.includes(config.userAgent)) throw new Error('the rendered help has no version line to replace')
writeFileSync(join(root, 'dist', 'cli', 'root-help.json'), JSON.stringify(rootHelp) + '\n')
process.stdout.write(
  `manifest: ${Object.keys(manifest.commands).length} commands → oclif.manifest.json; root help → dist/cli/root-help.json\n`,
)

function withoutColorHints(env) {
  const out = { ...env }
  for (const k of ['NO_COLOR', 'COLORTERM', 'OCLIF_COLUMNS', 'NODE_ENV']) delete out[k]
  return out
}
