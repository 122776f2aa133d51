/**
 * Vitest global setup: creates the folder every test process records command outputs and test keys
 * into (see output-scan.ts), and at the very end scans all of it for key material. Any finding fails
 * the run, naming the command whose output held it (never the material).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findKeyMaterial, needlesOf, readRecorded, SCAN_DIR_ENV } from './output-scan.js'

export default function setup(): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ea-output-scan-'))
  // Inherited by the test processes vitest starts after this.
  process.env[SCAN_DIR_ENV] = dir
  return async () => {
    try {
      const { outputs, secrets } = readRecorded(dir)
      const needles = secrets.flatMap(needlesOf)
      const findings: string[] = []
      for (const { label, text } of outputs) {
        for (const what of findKeyMaterial(text, needles)) findings.push(`${what} in the output of: ${label}`)
      }
      if (process.env.ENCORD_AGENTS_TEST_SCAN_REPORT !== undefined) {
        process.stderr.write(
          `key-material scan: ${outputs.length} outputs, ${secrets.length} registered keys, ${findings.length} findings\n`,
        )
      }
      if (findings.length > 0) {
        // An error thrown from a global teardown is printed but does not change vitest's exit code.
        process.exitCode = 1
        throw new Error(`Key material was printed (${findings.length}):\n  ${findings.join('\n  ')}`)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
