import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { brotliDecompress, gunzip, inflate } from 'node:zlib'

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)
const brotliAsync = promisify(brotliDecompress)

/** Bodies up to this length are joined in the reused scratch buffer; larger ones are concatenated. */
const SCRATCH_MAX = 8 * 1024 * 1024
let scratch: Buffer | null = null

/**
 * A reply's body as the socket delivered it (decompressed), kept as its chunks until it is decoded.
 * Joining the chunks in one reused buffer, rather than a new one per reply as undici's `arrayBuffer()`
 * does, matters for the legacy replies that load a window of label rows (200–400 KiB): a buffer that
 * large is mapped fresh from the system each time, and touching fresh pages costs ~12 µs a page on the
 * bench's VMs (~0.9 ms a reply; ~30 ms of engine CPU in a 3,000-task run).
 */
export class ReplyBody {
  #text: string | undefined

  constructor(
    readonly chunks: readonly Buffer[],
    readonly length: number,
  ) {}

  /** The body as UTF-8 text (kept: error messages read it more than once). */
  get text(): string {
    this.#text ??= decode(this.chunks, this.length)
    return this.#text
  }

  /** The body parsed as JSON; throws SyntaxError when it is not JSON. Does not keep the text. */
  json(): unknown {
    return JSON.parse(this.#text ?? decode(this.chunks, this.length))
  }
}

/**
 * The chunks decoded as UTF-8. Decoding is synchronous and makes a new string, so one scratch buffer
 * serves every reply; it grows to the largest body seen (up to `SCRATCH_MAX`), and only its first
 * `length` bytes are decoded.
 */
function decode(chunks: readonly Buffer[], length: number): string {
  if (chunks.length === 0) return ''
  if (chunks.length === 1) return chunks[0].toString('utf8', 0, length)
  if (length > SCRATCH_MAX) return Buffer.concat(chunks, length).toString('utf8')
  if (scratch === null || scratch.length < length)
    scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * (scratch?.length ?? 0)))
  let at = 0
  for (const chunk of chunks) at += chunk.copy(scratch, at)
  return scratch.toString('utf8', 0, length)
}

/** Reads a response stream to its end, undoing its `Content-Encoding`. */
export async function readReplyBody(stream: Readable, encoding: string | string[] | undefined): Promise<ReplyBody> {
  const { chunks, length } = await readChunks(stream)
  const codings = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? ''))
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  if (codings.length === 0) return new ReplyBody(chunks, length)
  const bytes = await decompress(Buffer.concat(chunks, length), codings)
  return new ReplyBody([bytes], bytes.length)
}

/**
 * The stream's chunks, gathered as they come (as undici's own `body.arrayBuffer()` gathers them: no
 * async iterator, whose promise per read would hand the reply over later).
 */
function readChunks(stream: Readable): Promise<{ chunks: Buffer[]; length: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
    })
    stream.once('end', () => resolve({ chunks, length }))
    stream.once('error', reject)
    // A stream destroyed without an error (it should not be) must not leave the request waiting.
    stream.once('close', () => reject(new Error('the response body closed before its end')))
  })
}

/** Undo content codings, last applied first (we ask for gzip; deflate and br in case a proxy picks them). */
async function decompress(body: Buffer, codings: string[]): Promise<Buffer> {
  let out = body
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = await gunzipAsync(out)
    else if (coding === 'deflate') out = await inflateAsync(out)
    else if (coding === 'br') out = await brotliAsync(out)
  }
  return out
}
