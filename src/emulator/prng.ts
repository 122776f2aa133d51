import { createHash } from 'node:crypto'

/**
 * A small seeded PRNG (sfc32): deterministic across runs and platforms, so fault injection and fixture
 * generation replay exactly for the same seed. Not for cryptography.
 */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  /** @param seed any string or number; the same seed always gives the same sequence */
  constructor(seed: string | number) {
    const h = createHash('sha256').update(String(seed)).digest()
    this.#a = h.readUInt32LE(0)
    this.#b = h.readUInt32LE(4)
    this.#c = h.readUInt32LE(8)
    this.#d = h.readUInt32LE(12)
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  /** A random (version 4 shaped) lowercase UUID drawn from this generator. */
  uuid(): string {
    const hex = (n: number) => n.toString(16).padStart(8, '0')
    const a = hex(this.nextUint32())
    const b = hex(this.nextUint32())
    const c = hex(this.nextUint32())
    const d = hex(this.nextUint32())
    const variant = ((parseInt(c[0], 16) & 0x3) | 0x8).toString(16)
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`
  }

  /** `n` characters from [A-Za-z0-9] (Encord's feature and object hashes are 8 of these). */
  token(n = 8): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    let out = ''
    for (let i = 0; i < n; i++) out += alphabet[this.nextUint32() % alphabet.length]
    return out
  }
}
