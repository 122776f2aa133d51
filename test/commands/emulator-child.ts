/**
 * Runs one `emulator ...` command class in a child process, as the binary would (oclif run, exit code
 * from ExitError), so tests can send it real signals without building dist/.
 * Usage: node --import tsx emulator-child.ts start|generate|snapshot ...argv
 */
import { Errors } from '@oclif/core'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const [name, ...argv] = process.argv.slice(2)
const mod = (await import(`../../src/commands/emulator/${name}.ts`)) as {
  default: { run(argv: string[], root: string): Promise<unknown> }
}
try {
  await mod.default.run(argv, ROOT)
  process.exit(0)
} catch (error) {
  process.exit(error instanceof Errors.ExitError ? (error.oclif.exit ?? 1) : 10)
}
