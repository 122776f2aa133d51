import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parsePythonQuery, pythonQuery, quotePlus, withQuery } from './query.js'

const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const vectors = JSON.parse(readFileSync(dir + 'vectors.json', 'utf8')) as {
  vectors: Array<{ id: string; request: { url: string } }>
}

describe('pythonQuery (requests / urlencode(doseq=True))', () => {
  it('reproduces the query of every vector', () => {
    const next = vectors.vectors.find((v) => v.id === 'v2-get-agent-tasks-next-page')!
    const url = new URL(next.request.url)
    expect('?' + pythonQuery({ pageToken: url.searchParams.get('pageToken') })).toBe(url.search)
    for (const v of vectors.vectors) {
      const u = new URL(v.request.url)
      expect(withQuery(u.pathname, parsePythonQuery(u.search)), v.id).toBe(u.pathname + u.search)
    }
  })
  it('repeats list keys, keeps key order, drops null/undefined and empty lists', () => {
    expect(
      pythonQuery([
        ['pageToken', 'tok'],
        ['userEmails', undefined],
        ['dataHashes', ['a', 'b']],
        ['datasetHashes', []],
        ['dataTitleContains', null],
        ['statuses', ['NEW', 'ASSIGNED']],
      ]),
    ).toBe('pageToken=tok&dataHashes=a&dataHashes=b&statuses=NEW&statuses=ASSIGNED')
  })
  it('writes booleans as True/False and numbers as Python does', () => {
    expect(pythonQuery({ signUrl: true, x: false, n: 0.5, m: 3 })).toBe('signUrl=True&x=False&n=0.5&m=3')
  })
  it('quote_plus: + for spaces, uppercase %XX, unreserved kept, UTF-8 bytes', () => {
    expect(quotePlus('a b')).toBe('a+b')
    expect(quotePlus('a+b/c?d&e=f')).toBe('a%2Bb%2Fc%3Fd%26e%3Df')
    expect(quotePlus('user@example.com')).toBe('user%40example.com')
    expect(quotePlus('A-z_0.9~')).toBe('A-z_0.9~')
    expect(quotePlus('é')).toBe('%C3%A9')
    expect(quotePlus('😀')).toBe('%F0%9F%98%80')
    expect(quotePlus("it's*(x)!")).toBe('it%27s%2A%28x%29%21')
    expect(quotePlus('cGFnZS0y==')).toBe('cGFnZS0y%3D%3D')
  })
  it('parses what it writes', () => {
    const q = pythonQuery({ dataTitleContains: 'street view é+1', dataHashes: ['a', 'b'] })
    expect(parsePythonQuery(q)).toEqual([
      ['dataTitleContains', 'street view é+1'],
      ['dataHashes', 'a'],
      ['dataHashes', 'b'],
    ])
    expect(withQuery('/p', {})).toBe('/p')
  })
})
