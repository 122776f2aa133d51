import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UserError } from '../shared/errors.js'
import { createClient, resolveDomain, resolveSigningKey } from './credentials.js'

const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const keyText = readFileSync(dir + 'test-key', 'utf8')
const PUB = 'bd879c965c3a5fdb0252a3bf504df7c2c7eb0931ddf90dad13c64edd1a8b99ec'
const tmp = mkdtempSync(join(tmpdir(), 'encord-creds-'))
const keyFile = join(tmp, 'id_ed25519')
writeFileSync(keyFile, keyText, { mode: 0o600 })

function fails(fn: () => unknown): UserError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).not.toContain('OPENSSH PRIVATE KEY')
    expect((error as UserError).hint).toBeTruthy()
    return error as UserError
  }
  throw new Error('expected a UserError')
}

describe('resolveSigningKey', () => {
  it('reads ENCORD_SSH_KEY text and ENCORD_SSH_KEY_FILE paths', () => {
    expect(resolveSigningKey({ env: { ENCORD_SSH_KEY: keyText } }).publicKeyHex).toBe(PUB)
    expect(resolveSigningKey({ env: { ENCORD_SSH_KEY_FILE: keyFile } }).publicKeyHex).toBe(PUB)
  })
  it('accepts key text whose newlines were escaped by a secret store', () => {
    expect(resolveSigningKey({ env: { ENCORD_SSH_KEY: keyText.replace(/\n/g, '\\n') } }).publicKeyHex).toBe(PUB)
  })
  it('both set: warns, ENCORD_SSH_KEY wins', () => {
    const warnings: string[] = []
    const key = resolveSigningKey({
      env: { ENCORD_SSH_KEY: keyText, ENCORD_SSH_KEY_FILE: '/nonexistent' },
      onWarning: (m) => warnings.push(m),
    })
    expect(key.publicKeyHex).toBe(PUB)
    expect(warnings.join()).toMatch(/Both ENCORD_SSH_KEY and ENCORD_SSH_KEY_FILE/)
  })
  it('explicit options win over the environment', () => {
    const env = { ENCORD_SSH_KEY: 'garbage' }
    expect(resolveSigningKey({ sshKeyFile: keyFile, env }).publicKeyHex).toBe(PUB)
    expect(resolveSigningKey({ sshKey: keyText, env }).publicKeyHex).toBe(PUB)
  })
  it('ENCORD_SSH_KEY holding a path → error pointing at ENCORD_SSH_KEY_FILE', () => {
    expect(fails(() => resolveSigningKey({ env: { ENCORD_SSH_KEY: keyFile } })).hint).toContain('ENCORD_SSH_KEY_FILE')
    expect(fails(() => resolveSigningKey({ env: { ENCORD_SSH_KEY: '~/.ssh/missing_key' } })).code).toBe('KeyIsPath')
  })
  it('missing key, missing file, directory', () => {
    expect(fails(() => resolveSigningKey({ env: {} })).code).toBe('KeyMissing')
    expect(fails(() => resolveSigningKey({ env: { ENCORD_SSH_KEY_FILE: join(tmp, 'nope') } })).code).toBe(
      'KeyFileNotFound',
    )
    expect(fails(() => resolveSigningKey({ env: { ENCORD_SSH_KEY_FILE: tmp } })).code).toBe('KeyFileNotAFile')
  })
  it('warns when the key file is readable by others', () => {
    const loose = join(tmp, 'loose')
    writeFileSync(loose, keyText)
    chmodSync(loose, 0o644)
    const warnings: string[] = []
    resolveSigningKey({ env: { ENCORD_SSH_KEY_FILE: loose }, onWarning: (m) => warnings.push(m) })
    expect(warnings.join()).toMatch(/chmod 600/)
    warnings.length = 0
    resolveSigningKey({ env: { ENCORD_SSH_KEY_FILE: keyFile }, onWarning: (m) => warnings.push(m) })
    expect(warnings).toEqual([])
  })
  it('a bad key never shows up in the error', () => {
    const e = fails(() =>
      resolveSigningKey({
        env: { ENCORD_SSH_KEY: keyText.replace(/[A-Za-z0-9+/]{60}/, 'A'.repeat(60)).slice(0, 200) },
      }),
    )
    expect(e.message).not.toContain(keyText.slice(40, 80))
  })
})

describe('resolveDomain', () => {
  it('defaults to https://api.encord.com and strips trailing slashes', () => {
    expect(resolveDomain({})).toBe('https://api.encord.com')
    expect(resolveDomain({ ENCORD_DOMAIN: 'https://api.us.encord.com/' })).toBe('https://api.us.encord.com')
    expect(resolveDomain({ ENCORD_DOMAIN: 'http://127.0.0.1:8080' })).toBe('http://127.0.0.1:8080')
    expect(resolveDomain({ ENCORD_DOMAIN: 'https://a.example' }, 'http://127.0.0.1:1')).toBe('http://127.0.0.1:1')
  })
  it('rejects non-URLs, paths and the web app', () => {
    expect(fails(() => resolveDomain({ ENCORD_DOMAIN: 'api.encord.com' })).code).toBe('DomainInvalid')
    expect(fails(() => resolveDomain({ ENCORD_DOMAIN: 'https://h.example/x' })).code).toBe('DomainInvalid')
    expect(fails(() => resolveDomain({ ENCORD_DOMAIN: 'https://app.encord.com' })).message).toContain('web app')
  })
})

describe('createClient', () => {
  it('builds a client from the environment', async () => {
    const client = createClient({ env: { ENCORD_SSH_KEY_FILE: keyFile, ENCORD_DOMAIN: 'http://127.0.0.1:9' } })
    expect(client.domain).toBe('http://127.0.0.1:9')
    await client.close()
  })
})
