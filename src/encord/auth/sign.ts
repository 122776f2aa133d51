import { createHash, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto'
import { parsePrivateKey, SigningKey } from './keys.js'

/** The two ways Encord authenticates a request (see docs/encord-api.md). */
export type Transport = 'rest-v2' | 'legacy-rpc'

export interface SignRequestInput {
  /** HTTP method; legacy RPC calls are always POST. */
  method: string
  /** The full URL as sent (scheme, host, path and the raw query string). */
  url: string
  /** The exact body bytes that will be sent; null/undefined when no body is sent. */
  body?: string | Uint8Array | null
  /** OpenSSH Ed25519 private key text, or a key parsed with {@link parsePrivateKey}. */
  privateKey: string | SigningKey
  /**
   * The clock, in Unix seconds (or a Date). REST v2 signatures carry `created = floor(now) - 30`, as
   * Encord's Python SDK backdates them to tolerate clock skew.
   * @default Date.now() / 1000
   */
  now?: number | Date
  /** Which scheme to use. @default inferred from the URL: a path of `/public` or `/public/...` is legacy RPC */
  transport?: Transport
}

/** Headers to add to the request, in the order the Python SDK sets them. */
export type SignedHeaders = Array<[name: string, value: string]>

/** The SDK backdates `created` by this many seconds. */
export const CREATED_BACKDATE_SECONDS = 30
export const SIGNATURE_LABEL = 'encord-sig'
export const COVERED_COMPONENTS = '("@method" "@request-target" "content-digest")'

/**
 * Sign a request the way Encord's Python SDK does, byte for byte.
 *
 * - REST v2 (`/v2/public/...`): returns `Content-Digest`, `Signature-Input` and `Signature`.
 * - legacy RPC (`POST /public`): returns `Authorization: <public key hex>:<signature hex>`, the
 *   Ed25519 signature over the SHA-256 digest of the body.
 *
 * @example
 * const headers = signRequest({ method: 'GET', url: 'https://api.encord.com/v2/public/projects/P', privateKey: keyText })
 */
export function signRequest(input: SignRequestInput): SignedHeaders {
  const key = typeof input.privateKey === 'string' ? parsePrivateKey(input.privateKey) : input.privateKey
  const url = new URL(input.url)
  const body = toBytes(input.body)
  const transport = input.transport ?? transportOf(url.pathname)
  if (transport === 'legacy-rpc') {
    return [['Authorization', `${key.publicKeyHex}:${legacySignature(key.privateKey, body)}`]]
  }
  const nowSeconds =
    input.now === undefined ? Date.now() / 1000 : input.now instanceof Date ? input.now.getTime() / 1000 : input.now
  const created = Math.floor(nowSeconds) - CREATED_BACKDATE_SECONDS
  const digest = contentDigest(body)
  const params = signatureParams(created, key.publicKeyHex)
  const base = signatureBase(input.method, url.pathname + url.search, digest, params)
  const signature = edSign(null, Buffer.from(base, 'utf8'), key.privateKey).toString('base64')
  return [
    ['Content-Digest', digest],
    ['Signature-Input', `${SIGNATURE_LABEL}=${params}`],
    ['Signature', `${SIGNATURE_LABEL}=:${signature}:`],
  ]
}

export function transportOf(pathname: string): Transport {
  return pathname === '/public' || pathname.startsWith('/public/') ? 'legacy-rpc' : 'rest-v2'
}

export function toBytes(body: string | Uint8Array | null | undefined): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0)
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

/** `sha-256=:<base64 SHA-256 of the body>:` (over zero bytes when there is no body). */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`
}

export function signatureParams(created: number, keyId: string): string {
  return `${COVERED_COMPONENTS};created=${created};keyid="${keyId}";alg="ed25519"`
}

/** The four-line signature base (no trailing newline). */
export function signatureBase(method: string, requestTarget: string, digest: string, params: string): string {
  return [
    `"@method": ${method.toUpperCase()}`,
    `"@request-target": ${requestTarget}`,
    `"content-digest": ${digest}`,
    `"@signature-params": ${params}`,
  ].join('\n')
}

/** Legacy RPC: Ed25519 over the 32-byte SHA-256 digest of the body, as lowercase hex. */
export function legacySignature(privateKey: KeyObject, body: Uint8Array): string {
  const digest = createHash('sha256').update(body).digest()
  return edSign(null, digest, privateKey).toString('hex')
}

export function verifyLegacySignature(publicKey: KeyObject, body: Uint8Array, signatureHex: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return false
  const digest = createHash('sha256').update(body).digest()
  return edVerify(null, digest, publicKey, Buffer.from(signatureHex, 'hex'))
}

export function verifyBaseSignature(publicKey: KeyObject, base: string, signature: Uint8Array): boolean {
  if (signature.byteLength !== 64) return false
  return edVerify(null, Buffer.from(base, 'utf8'), publicKey, signature)
}
