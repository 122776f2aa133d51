// `npm run demo`: the README's first command. Makes the minimal template's project once in
// .encord-agents/demo (git-ignored), then runs it there against the built-in local Encord emulator.
// The emulator writes the project state back, so a second `npm run demo` finds no task left;
// `npm run demo -- --reset` starts over. Needs `npm run build` first (the npm script does it).
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, '.encord-agents', 'demo')
const bin = join(root, 'bin', 'run.js')
const args = process.argv.slice(2)

// The demo is local: settings meant for a real Encord project must not leak into it.
const env = { ...process.env }
for (const key of Object.keys(env)) if (key.startsWith('ENCORD_')) delete env[key]

function cli(argv, cwd, stdout = 'inherit') {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd, env, stdio: ['inherit', stdout, 'inherit'] })
  if (r.error) throw r.error
  return r.status ?? 1
}

if (args.includes('--reset')) rmSync(dir, { recursive: true, force: true })
if (!existsSync(join(dir, 'encord-agents.config.ts'))) {
  const code = cli(['init', dir, '--template', 'minimal', '--json', '--no-install'], root, 'ignore')
  if (code !== 0) process.exit(code)
  process.stderr.write(
    `Made the demo project with \`encord-agents init ${dir.slice(root.length + 1)} --template minimal\`.\n`,
  )
}
process.stderr.write(
  `Running the demo agent in ${dir.slice(root.length + 1)} (run again, it finds no task left; \`npm run demo -- --reset\` starts over)\n\n`,
)
process.exit(cli(['run', ...args.filter((a) => a !== '--reset')], dir))
