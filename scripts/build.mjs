// Build the package: TypeScript into dist/, then any extra build steps (see the list below).
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' })

rmSync(join(root, 'dist'), { recursive: true, force: true })
// A manifest left from an earlier build would describe commands that may have changed.
rmSync(join(root, 'oclif.manifest.json'), { force: true })
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'])
// Extra steps register themselves here as files under scripts/build.d/*.mjs (e.g. the dashboard).
for (const step of ['build-dashboard.mjs', 'build-manifest.mjs']) {
  const file = join(root, 'scripts', step)
  if (existsSync(file)) run(process.execPath, [file])
}
