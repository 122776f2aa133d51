import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createRequire } from 'node:module'
import type sshpkTypes from 'sshpk'
import { fail } from '../../shared/error-catalogue/index.js'

type Sshpk = typeof sshpkTypes
let sshpkModule: Sshpk | undefined
/** sshpk is loaded when a key is first parsed or made, not by `import 'encord-agents'` (CommonJS: required). */
function sshpk(): Sshpk {
  sshpkModule ??= createRequire(import.meta.url)('sshpk') as Sshpk
  return sshpkModule
}

/**
 * An Ed25519 signing key loaded from OpenSSH private key text. The private part lives only in a
 * non-extractable-by-accident KeyObject; `toJSON`/`inspect` never reveal it.
 */
export class SigningKey {
  /** Lowercase hex of the 32-byte public key: the key id in both Encord transports. */
  readonly publicKeyHex: string
  readonly #privateKey: KeyObject

  constructor(privateKey: KeyObject, publicKeyHex: string) {
    this.#privateKey = privateKey
    this.publicKeyHex = publicKeyHex
  }

  /** @internal the private KeyObject, for signing only. */
  get privateKey(): KeyObject {
    return this.#privateKey
  }

  toJSON(): { publicKeyHex: string } {
    return { publicKeyHex: this.publicKeyHex }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SigningKey(ed25519 ${this.publicKeyHex})`
  }
}

/**
 * Parse OpenSSH Ed25519 private key text. Every other kind of key (RSA, ECDSA, PEM/PKCS#8, a public
 * key, an encrypted key, a truncated file) gets an error that says what is accepted. The error never
 * contains the key text.
 *
 * @param text the key file's content
 * @param source where the key came from, for messages (e.g. `ENCORD_SSH_KEY_FILE=/home/me/.ssh/id`)
 */
export function parsePrivateKey(text: string, source = 'the private key'): SigningKey {
  const trimmed = text.trim()
  if (trimmed === '') throw fail('KeyEmpty', { source })
  if (
    /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+) AAAA/.test(trimmed) ||
    trimmed.includes('BEGIN PUBLIC KEY') ||
    trimmed.includes('BEGIN SSH2 PUBLIC KEY')
  ) {
    throw fail('KeyIsPublic', { source })
  }
  if (trimmed.includes('BEGIN RSA PRIVATE KEY')) throw fail('KeyNotEd25519', { kind: 'RSA', source })
  if (trimmed.includes('BEGIN EC PRIVATE KEY')) throw fail('KeyNotEd25519', { kind: 'ECDSA', source })
  if (trimmed.includes('BEGIN ENCRYPTED PRIVATE KEY')) throw fail('KeyEncrypted', { source })
  if (trimmed.includes('BEGIN PRIVATE KEY')) {
    throw fail('KeyWrongFormat.pkcs8', { source })
  }
  if (!trimmed.includes('BEGIN OPENSSH PRIVATE KEY')) throw fail('KeyWrongFormat.notOpenSsh', { source })
  if (!trimmed.includes('END OPENSSH PRIVATE KEY')) throw fail('KeyTruncated.noEndLine', { source })

  let parsed: sshpkTypes.PrivateKey
  try {
    parsed = sshpk().parsePrivateKey(trimmed + '\n', 'ssh')
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    if (name === 'KeyEncryptedError') throw fail('KeyEncrypted', { source })
    // sshpk's messages can quote parts of the input; never pass them on.
    throw fail('KeyTruncated.unreadable', { source })
  }
  if (parsed.type !== 'ed25519') {
    const kind = parsed.type === 'ecdsa' ? 'ECDSA' : parsed.type.toUpperCase()
    throw fail('KeyNotEd25519', { kind, source })
  }
  const parts = parsed.part as unknown as Record<string, { data: Buffer }>
  const seed = parts.k.data.subarray(0, 32)
  const publicKey = parts.A.data
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: publicKey.toString('base64url') },
    format: 'jwk',
  })
  return new SigningKey(privateKey, publicKeyHex(privateKey))
}

function publicKeyHex(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  return Buffer.from(String(jwk.x), 'base64url').toString('hex')
}

/** Turn a 64-char hex Ed25519 public key into a KeyObject (used by the emulator to verify). */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('not a 32-byte hex Ed25519 public key')
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') },
    format: 'jwk',
  })
}

/** Render a SigningKey's private half as OpenSSH text (used by `init` to write a fresh key). */
export function generateOpenSshKey(comment = 'encord-agents local key'): {
  privateKeyText: string
  publicKeyHex: string
  publicKeyOpenSsh: string
} {
  const key = (sshpk().generatePrivateKey as (type: string, options?: { comment?: string }) => sshpkTypes.PrivateKey)(
    'ed25519',
    { comment },
  )
  const privateKeyText = key.toString('ssh')
  const signing = parsePrivateKey(privateKeyText)
  return { privateKeyText, publicKeyHex: signing.publicKeyHex, publicKeyOpenSsh: key.toPublic().toString('ssh') }
}

/**
 * A fresh Ed25519 signing key that lives only in memory (the key `run --local` makes when no other
 * key is a user of the fixture). Node's own crypto: no OpenSSH text to render, so no sshpk.
 */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519')
  return new SigningKey(privateKey, publicKeyHex(privateKey))
}
