#!/usr/bin/env node
// `--version` and the top-level help are answered without loading oclif (fast start, see
// src/cli/fast-start.ts); everything else goes to oclif, which finds the commands through
// oclif.manifest.json (written by `npm run build`) without importing them all.
import { tryFastStart } from '../dist/cli/fast-start.js'

const answered = tryFastStart({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  packageJson: new URL('../package.json', import.meta.url),
  rootHelp: new URL('../dist/cli/root-help.json', import.meta.url),
})
if (!answered) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
