import { createHash, timingSafeEqual, verify as edVerify, type KeyObject } from 'node:crypto'
import { isInnerList, parseDictionary, serializeInnerList, type InnerList } from 'structured-headers'
import { publicKeyFromHex } from '../encord/auth/keys.js'
import { SIGNATURE_LABEL, signatureBase } from '../encord/auth/sign.js'
import type { FixtureUser } from './fixture.js'

/**
 * Request authentication as Encord does it (spec §3.1, §4.2, §10.1), over the exact bytes received.
 *
 * REST v2: `Content-Digest` must match SHA-256 of the raw body; `Signature-Input` must be label
 * `encord-sig` covering exactly `"@method" "@request-target" "content-digest"` with `created`, `keyid`
 * and `alg="ed25519"`; the base is rebuilt from the received method, raw path+query and digest header,
 * and `created` must fall in [now − 330 s, now + 60 s] (the SDK backdates 30 s).
 * Legacy: `Authorization: <public key hex>:<signature hex>`, Ed25519 over SHA-256(raw body).
 *
 * Each check comes in two parts (`verifyV2Headers`, `verifyLegacyHeaders`): what the headers prove,
 * run before the body is read, and the rest once it is (`finish`).
 */

/** Who a verified key belongs to and which projects it may use. */
export interface Principal {
  publicKeyHex: string
  /** The fixture user's email; null for keys allowed by `allowKeys`/`allowAnyKey`. */
  email: string | null
  projects: '*' | ReadonlySet<string>
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  /** `unknownKey` lets the legacy transport answer `SSH_KEY_NOT_FOUND_ERROR` (HTTP 400). */
  | { ok: false; message: string; unknownKey: boolean }

/** Seconds a v2 `created` may lie in the past / future. */
export const CREATED_MAX_AGE_SECONDS = 330
export const CREATED_MAX_SKEW_SECONDS = 60

const COMPONENTS = ['@method', '@request-target', 'content-digest']
const VERIFIED_CACHE_SIZE = 4096
const PARAMS = new Set(['created', 'keyid', 'alg'])

/** The keys the emulator knows: fixture users, keys allowed for this run, or any key. */
export class KeyRegistry {
  readonly #users = new Map<string, FixtureUser>()
  readonly #allowed = new Set<string>()
  readonly #keyObjects = new Map<string, KeyObject>()
  readonly #verified = new Set<string>()
  allowAnyKey: boolean

  constructor(users: Iterable<FixtureUser>, options: { allowKeys?: readonly string[]; allowAnyKey?: boolean } = {}) {
    for (const u of users) this.#users.set(u.publicKeyHex.toLowerCase(), u)
    for (const k of options.allowKeys ?? []) this.#allowed.add(k.toLowerCase())
    this.allowAnyKey = options.allowAnyKey ?? false
  }

  /** Allow one more public key (all projects) for this run. */
  allow(publicKeyHex: string): void {
    this.#allowed.add(publicKeyHex.toLowerCase())
  }

  /** The principal for a key, or null when the key is not registered. */
  principal(publicKeyHex: string): Principal | null {
    const hex = publicKeyHex.toLowerCase()
    // allowAnyKey accepts any correctly signed request, for every project.
    if (this.allowAnyKey || this.#allowed.has(hex))
      return { publicKeyHex: hex, email: this.#users.get(hex)?.email ?? null, projects: '*' }
    const user = this.#users.get(hex)
    if (!user) return null
    return { publicKeyHex: hex, email: user.email, projects: user.projects === '*' ? '*' : new Set(user.projects) }
  }

  /**
   * Ed25519 verification on libuv's thread pool (so the event loop keeps serving while it runs), with
   * a small cache of verified (key, message, signature) triples: signatures are deterministic, so a
   * client repeating an identical request within the same second sends identical bytes.
   */
  async verify(publicKeyHex: string, message: Buffer, signature: Uint8Array): Promise<boolean> {
    if (signature.byteLength !== 64) return false
    const cacheKey = `${publicKeyHex}\u0000${Buffer.from(signature).toString('base64')}\u0000${createHash('sha256').update(message).digest('base64')}`
    if (this.#verified.has(cacheKey)) return true
    const ok = await new Promise<boolean>((resolve) => {
      edVerify(null, message, this.keyObject(publicKeyHex), signature, (error, valid) => resolve(!error && valid))
    })
    if (ok) {
      if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.values().next().value!)
      this.#verified.add(cacheKey)
    }
    return ok
  }

  keyObject(publicKeyHex: string): KeyObject {
    let key = this.#keyObjects.get(publicKeyHex)
    if (!key) {
      key = publicKeyFromHex(publicKeyHex)
      this.#keyObjects.set(publicKeyHex, key)
    }
    return key
  }
}

export function canAccessProject(principal: Principal, projectHash: string): boolean {
  return principal.projects === '*' || principal.projects.has(projectHash)
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

type Failure = Extract<AuthOutcome, { ok: false }>
const fail = (message: string, unknownKey = false): Failure => ({ ok: false, message, unknownKey })

/**
 * What a request's headers prove before its body is read: the key is known and well formed (and for
 * REST v2 the signature itself is good, since it covers the `Content-Digest` header rather than the
 * body). `finish` completes the check once the body is read: the digest (v2) or the signature over the
 * body's SHA-256 (legacy). The pipeline runs the first part before reading any body, so a request that
 * already fails on its headers is refused without reading its body.
 */
export type HeaderOutcome = { ok: true; principal: Principal; finish(body: Buffer): Promise<AuthOutcome> } | Failure

/**
 * Verify a REST v2 request.
 * @param rawTarget the path and query exactly as received (what `@request-target` covers)
 * @param nowSeconds the server clock, Unix seconds
 */
export async function verifyV2(
  registry: KeyRegistry,
  request: { method: string; rawTarget: string; headers: Record<string, string | string[] | undefined>; body: Buffer },
  nowSeconds: number,
): Promise<AuthOutcome> {
  const outcome = await verifyV2Headers(registry, request, nowSeconds)
  return outcome.ok ? outcome.finish(request.body) : outcome
}

/** The header part of {@link verifyV2}: everything but the digest of the body. */
export async function verifyV2Headers(
  registry: KeyRegistry,
  request: { method: string; rawTarget: string; headers: Record<string, string | string[] | undefined> },
  nowSeconds: number,
): Promise<HeaderOutcome> {
  const digestHeader = header(request.headers, 'content-digest')
  const inputHeader = header(request.headers, 'signature-input')
  const signatureHeader = header(request.headers, 'signature')
  if (header(request.headers, 'authorization')?.startsWith('Bearer '))
    return fail('Bearer tokens are not accepted by the emulator; sign requests with an SSH key')
  if (!digestHeader || !inputHeader || !signatureHeader) {
    return fail('Missing request signature: Content-Digest, Signature-Input and Signature headers are required')
  }

  let member: InnerList
  let signature: Uint8Array
  let digest: Uint8Array
  try {
    const input = parseDictionary(inputHeader).get(SIGNATURE_LABEL)
    if (!input || !isInnerList(input)) return fail(`Signature-Input has no "${SIGNATURE_LABEL}" signature`)
    member = input
    const sig = parseDictionary(signatureHeader).get(SIGNATURE_LABEL)
    if (!sig || isInnerList(sig) || !(sig[0] instanceof ArrayBuffer))
      return fail(`Signature has no "${SIGNATURE_LABEL}" byte sequence`)
    signature = new Uint8Array(sig[0])
    const d = parseDictionary(digestHeader).get('sha-256')
    if (!d || isInnerList(d) || !(d[0] instanceof ArrayBuffer)) return fail('Content-Digest has no sha-256 digest')
    digest = new Uint8Array(d[0])
  } catch {
    return fail('Malformed signature headers (Content-Digest, Signature-Input or Signature)')
  }

  const [items, params] = member
  const components = items.map(([value]) => value)
  if (
    components.length !== COMPONENTS.length ||
    components.some((c, i) => c !== COMPONENTS[i]) ||
    items.some(([, p]) => p.size > 0)
  ) {
    return fail('Signature-Input must cover exactly ("@method" "@request-target" "content-digest")')
  }
  for (const name of params.keys())
    if (!PARAMS.has(name)) return fail(`Signature-Input has an unexpected parameter "${name}"`)
  const created = params.get('created')
  const keyId = params.get('keyid')
  const alg = params.get('alg')
  if (typeof created !== 'number' || !Number.isInteger(created))
    return fail('Signature-Input needs an integer "created"')
  if (typeof keyId !== 'string' || !/^[0-9a-f]{64}$/i.test(keyId))
    return fail('Signature-Input needs "keyid", the 64-hex public key')
  if (alg !== 'ed25519')
    return fail(`Unsupported signature algorithm ${JSON.stringify(alg)}; only "ed25519" is accepted`)

  const principal = registry.principal(keyId)
  if (!principal) return fail('Unknown public key: this SSH key is not registered', true)

  const base = signatureBase(request.method, request.rawTarget, digestHeader, serializeInnerList(member))
  if (!(await registry.verify(principal.publicKeyHex, Buffer.from(base, 'utf8'), signature)))
    return fail('Signature verification failed')

  if (created < nowSeconds - CREATED_MAX_AGE_SECONDS)
    return fail(`Signature expired: created ${Math.round(nowSeconds - created)} s ago`)
  if (created > nowSeconds + CREATED_MAX_SKEW_SECONDS)
    return fail(`Signature created ${Math.round(created - nowSeconds)} s in the future; check the clock`)
  return {
    ok: true,
    principal,
    finish: (body) => {
      const expected = createHash('sha256').update(body).digest()
      return Promise.resolve(
        digest.byteLength === expected.byteLength && timingSafeEqual(digest, expected)
          ? { ok: true, principal }
          : fail('Content-Digest does not match the request body'),
      )
    },
  }
}

/** Verify a legacy RPC request (`Authorization: <pubhex>:<sighex>`). */
export function verifyLegacy(
  registry: KeyRegistry,
  request: { headers: Record<string, string | string[] | undefined>; body: Buffer },
): Promise<AuthOutcome> {
  const outcome = verifyLegacyHeaders(registry, request)
  return outcome.ok ? outcome.finish(request.body) : Promise.resolve(outcome)
}

/** The header part of {@link verifyLegacy}: the Authorization header's form and a known key. */
export function verifyLegacyHeaders(
  registry: KeyRegistry,
  request: { headers: Record<string, string | string[] | undefined> },
): HeaderOutcome {
  const authorization = header(request.headers, 'authorization')
  if (!authorization) return fail('Missing Authorization header')
  if (authorization.startsWith('Bearer ')) return fail('Bearer tokens are not accepted by the emulator')
  const parts = authorization.split(':')
  if (parts.length !== 2) return fail('Authorization must be <public key hex>:<signature hex>')
  const [keyHex, sigHex] = parts
  if (!/^[0-9a-f]{64}$/i.test(keyHex)) return fail('Authorization must start with the 64-hex public key')
  const principal = registry.principal(keyHex)
  if (!principal) return fail('Your used SSH key does not exist. Please add this SSH key to your user profile.', true)
  if (!/^[0-9a-f]{128}$/i.test(sigHex)) return fail('Signature verification failed')
  return {
    ok: true,
    principal,
    // The legacy signature is over the 32-byte SHA-256 digest of the body, not the body.
    finish: async (body) => {
      const digest = createHash('sha256').update(body).digest()
      return (await registry.verify(principal.publicKeyHex, digest, Buffer.from(sigHex, 'hex')))
        ? { ok: true, principal }
        : fail('Signature verification failed')
    },
  }
}
