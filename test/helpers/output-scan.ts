/**
 * The suite-wide key-material scan (issue 9, security): every spawned CLI's stdout and stderr (through
 * `runBin`) and every in-process command's output (through `runCommand`) is appended to a folder the
 * vitest global setup creates; every private key a test hands to the CLI is registered there too. The
 * global teardown (`output-scan.global.ts`) fails the suite if any output holds key material: a
 * private key block or body, a line of a registered key, or its 32-byte seed in hex or base64.
 *
 * Findings name where the material was found, never the material itself.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/** Set by the global setup; unset when a file runs outside vitest's config (then nothing is recorded). */
export const SCAN_DIR_ENV = 'ENCORD_AGENTS_TEST_OUTPUT_DIR'

function scanDir(): string | undefined {
  const dir = process.env[SCAN_DIR_ENV]
  return dir !== undefined && existsSync(dir) ? dir : undefined
}

/** Keep one output (`label` says where it came from, e.g. the command line). */
export function recordOutput(label: string, ...texts: string[]): void {
  const dir = scanDir()
  if (dir === undefined) return
  const text = texts.filter((t) => t !== '').join('\n')
  if (text === '') return
  appendFileSync(join(dir, `output-${process.pid}.jsonl`), JSON.stringify({ label, text }) + '\n')
}

/** Register key text a test gives to the CLI (a key file's content, ENCORD_SSH_KEY). */
export function recordSecret(keyText: string | undefined): void {
  const dir = scanDir()
  if (dir === undefined || keyText === undefined || keyText.trim().length < 16) return
  appendFileSync(join(dir, `secrets-${process.pid}.jsonl`), JSON.stringify(keyText) + '\n', { mode: 0o600 })
}

/** The key text behind `--ssh-key-file FILE` / `ENCORD_SSH_KEY(_FILE)` of a command line, registered. */
export function recordSecretsOfInvocation(
  args: readonly string[],
  env: Record<string, string | undefined> | undefined,
  cwd: string,
): void {
  const files: string[] = []
  const flag = args.indexOf('--ssh-key-file')
  if (flag >= 0 && args[flag + 1] !== undefined) files.push(args[flag + 1])
  if (env?.ENCORD_SSH_KEY_FILE !== undefined) files.push(env.ENCORD_SSH_KEY_FILE)
  for (const file of files) {
    try {
      recordSecret(readFileSync(file.startsWith('/') ? file : join(cwd, file), 'utf8'))
    } catch {
      // Not there (a "missing key file" case): nothing to protect.
    }
  }
  recordSecret(env?.ENCORD_SSH_KEY)
}

/** Strings that must never be printed, derived from a key's text: its body lines and, for Ed25519, its seed. */
export function needlesOf(keyText: string): Array<{ what: string; needle: string }> {
  const needles: Array<{ what: string; needle: string }> = []
  keyText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .forEach((line, i) => {
      if (line.length >= 16 && !line.startsWith('-----') && !line.includes(':'))
        needles.push({ what: `line ${i + 1} of a private key`, needle: line })
    })
  try {
    const seed = seedOf(keyText)
    if (seed !== undefined) {
      needles.push({ what: 'the seed of a private key (hex)', needle: seed.toString('hex') })
      needles.push({ what: 'the seed of a private key (base64)', needle: seed.toString('base64').replace(/=+$/, '') })
      needles.push({ what: 'the seed of a private key (base64url)', needle: seed.toString('base64url') })
    }
  } catch {
    // Not an Ed25519 key we can read (RSA, truncated...): its lines are enough.
  }
  return needles
}

function seedOf(keyText: string): Buffer | undefined {
  if (!keyText.includes('BEGIN OPENSSH PRIVATE KEY') && !keyText.includes('BEGIN PRIVATE KEY')) return undefined
  // sshpk is what the product reads OpenSSH keys with (CommonJS: loaded with require).
  const sshpk = createRequire(import.meta.url)('sshpk') as typeof import('sshpk')
  const parsed = sshpk.parsePrivateKey(keyText.trim() + '\n', keyText.includes('OPENSSH') ? 'ssh' : 'pem')
  if (parsed.type !== 'ed25519') return undefined
  // sshpk keeps the Ed25519 private part as seed ‖ public key.
  return Buffer.from((parsed.part as unknown as Record<string, { data: Buffer }>).k.data.subarray(0, 32))
}

/** Key material anywhere, known or not: a private key block with its body, or an OpenSSH key body. */
const GENERIC: Array<{ what: string; pattern: RegExp }> = [
  {
    what: 'a PEM private key block',
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s*\n\s*(?:Proc-Type:|[A-Za-z0-9+/]{16})/,
  },
  { what: 'an OpenSSH private key body', pattern: /b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/]{8}/ },
  { what: 'a PKCS#8 Ed25519 private key body', pattern: /MC4CAQAwBQYDK2VwBCIEI[A-Za-z0-9+/]{8}/ },
]

/** What in `text` is key material (descriptions only). */
export function findKeyMaterial(text: string, needles: ReadonlyArray<{ what: string; needle: string }>): string[] {
  const found: string[] = []
  for (const { what, pattern } of GENERIC) if (pattern.test(text)) found.push(what)
  for (const { what, needle } of needles) if (text.includes(needle)) found.push(what)
  return [...new Set(found)]
}

/** Read everything recorded in `dir`: the outputs and the registered keys. */
export function readRecorded(dir: string): { outputs: Array<{ label: string; text: string }>; secrets: string[] } {
  const outputs: Array<{ label: string; text: string }> = []
  const secrets: string[] = []
  for (const name of readdirSync(dir)) {
    const lines = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
    if (name.startsWith('output-'))
      for (const l of lines) outputs.push(JSON.parse(l) as { label: string; text: string })
    if (name.startsWith('secrets-')) for (const l of lines) secrets.push(JSON.parse(l) as string)
  }
  return { outputs, secrets }
}
