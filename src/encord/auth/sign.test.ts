import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { pythonJson } from '../python-json.js'
import { parsePrivateKey } from './keys.js'
import { signRequest } from './sign.js'

const sharedDir = fileURLToPath(new URL('../../../test/fixtures/encord-api/', import.meta.url))
const vectors = JSON.parse(readFileSync(sharedDir + 'vectors.json', 'utf8')) as {
  key: { public_key_hex: string; private_key_openssh: string }
  clock: { frozen_unix_time: number; created_param: number }
  vectors: Array<{
    id: string
    transport: 'rest-v2' | 'legacy-rpc'
    request: {
      method: string
      url: string
      headers: Array<[string, string]>
      body_utf8: string | null
      body_base64: string | null
    }
  }>
}
const SIGNED = new Set(['Content-Digest', 'Signature-Input', 'Signature', 'Authorization'])

describe('signRequest reproduces every vector byte for byte', () => {
  it('loads the test key and derives its public key', () => {
    const key = parsePrivateKey(readFileSync(sharedDir + 'test-key', 'utf8'))
    expect(key.publicKeyHex).toBe(vectors.key.public_key_hex)
    expect(JSON.stringify(key)).not.toContain('PRIVATE')
  })

  for (const v of vectors.vectors) {
    it(v.id, () => {
      const body = v.request.body_base64 === null ? null : Buffer.from(v.request.body_base64, 'base64')
      const headers = signRequest({
        method: v.request.method,
        url: v.request.url,
        body,
        privateKey: vectors.key.private_key_openssh,
        now: vectors.clock.frozen_unix_time,
      })
      const expected = v.request.headers.filter(([name]) => SIGNED.has(name))
      expect(headers).toEqual(expected)
    })
  }

  it('rebuilds the JSON bodies from their logical content, byte for byte', () => {
    for (const v of vectors.vectors) {
      if (v.request.body_utf8 === null) continue
      expect(pythonJson(JSON.parse(v.request.body_utf8)), v.id).toBe(v.request.body_utf8)
    }
  })
})
