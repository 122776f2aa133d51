/**
 * The JSON (UTF-8 bytes) of the emulator's hottest reply pieces, kept and reused while unchanged (issue
 * 21): one label row as `labelrow` GET / PUT send it without signed URLs or feature filters, and one
 * label row metadata row. A bulk reply is the list of its pieces (`okJson`), joined when sent, byte for
 * byte what `JSON.stringify` of the whole reply gives (the legacy API's replies are plain JSON).
 *
 * When a piece is reused: each entry keeps the values it was built from that can change (its stamp),
 * and a read reuses it only when every one is still the same (`Object.is`):
 * - a label row: the record itself, its `labels` (a save assigns the saved dict, never edits it in
 *   place), `lastEditedAt` (a save sets it) and `labelStatus`;
 * - a metadata row: the data unit, the label row record (null until one is created, then the new
 *   record) with its `lastEditedAt` and `labelStatus`, and the task with what a workflow action or a
 *   priority changes (`stageUuid`: the workflow node; `priority`, `assignee`, `lastActionedBy`).
 * The rest a piece reads is fixed once loaded (data units, stages, dataset titles) or belongs to the
 * storage items and the set of projects, and the state clears the whole cache when those change
 * (`updateStorageItem`, `addProject`, `removeProject`, `recordChange`). The state's records are mutated
 * only through its methods (the HTTP API); a write into a record from outside them is not seen here.
 *
 * Memory: the cache is filled lazily (a piece is kept when it is first served) and bounded: at most
 * `maxBytes` of JSON in all (the oldest piece first out: no bookkeeping on a hit), 64 MiB by default
 * (about 20,000 label rows of the bench's shape with their metadata rows), so a 100,000-task project is
 * never held twice; a pass over a larger project only cycles through it. The bytes are Buffers, outside
 * V8's heap.
 */
import type { JsonPieces, Result } from './server-pipeline.js'
import type { EmulatorState } from './state.js'
import type { LabelRowRecord, MetadataRow, ProjectRecord } from './state-records.js'
import { wireLabelRow, wireMetadataRow, type MetadataIncludes } from './wire.js'

export const DEFAULT_WIRE_CACHE_BYTES = 64 * 1024 * 1024

interface Entry {
  stamp: readonly unknown[]
  json: Buffer
}

export class WireCache {
  readonly #entries = new Map<unknown, Entry>()
  #bytes = 0
  hits = 0
  misses = 0
  evictions = 0

  /** @param maxBytes the bound: bytes of JSON kept in all (takes effect from the next piece kept) */
  constructor(public maxBytes = DEFAULT_WIRE_CACHE_BYTES) {}

  /** Bytes of JSON held now. */
  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    return this.#entries.size
  }

  /** The JSON kept under `key` if it was built from the same `stamp`, else `build()`'s (then kept). */
  piece(key: unknown, stamp: readonly unknown[], build: () => string): Buffer {
    const entry = this.#entries.get(key)
    if (entry && sameStamp(entry.stamp, stamp)) {
      this.hits++
      return entry.json
    }
    this.misses++
    // UTF-8 once: a reply is then one copy of its pieces, with no string to flatten and encode again.
    const json = Buffer.from(build(), 'utf8')
    if (entry) this.#drop(key, entry)
    if (json.length <= this.maxBytes) {
      this.#entries.set(key, { stamp, json })
      this.#bytes += json.length
      for (const [oldest, old] of this.#entries) {
        if (this.#bytes <= this.maxBytes) break
        this.#drop(oldest, old)
        this.evictions++
      }
    }
    return json
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #drop(key: unknown, entry: Entry): void {
    this.#entries.delete(key)
    this.#bytes -= entry.json.length
  }
}

function sameStamp(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

/** One label row without signed URLs or feature filters as JSON (see `wireLabelRow`). */
export function labelRowJson(state: EmulatorState, project: ProjectRecord, row: LabelRowRecord): Buffer {
  // Keyed by the record itself: one per row, replaced only with its project (which clears the cache).
  return state.wireCache.piece(row, [project, row.labels, row.lastEditedAt, row.labelStatus], () =>
    JSON.stringify(wireLabelRow(state, project, row, { sign: null })),
  )
}

/** One label row metadata row as JSON (see `wireMetadataRow`). */
export function metadataRowJson(
  state: EmulatorState,
  project: ProjectRecord,
  row: MetadataRow,
  inc: MetadataIncludes,
): Buffer {
  const { labelRow, task } = row
  const flags =
    (inc.includeClientMetadata ? 1 : 0) + (inc.includeImagesData ? 2 : 0) + (inc.includeWorkflowGraphNode ? 4 : 0)
  return state.wireCache.piece(
    `M\u0000${project.projectHash}\u0000${row.dataUnit.dataHash}\u0000${row.branchName}\u0000${flags}`,
    [
      project,
      row.dataUnit,
      labelRow,
      labelRow?.lastEditedAt,
      labelRow?.labelStatus,
      task,
      task?.stageUuid,
      task?.priority,
      task?.assignee,
      task?.lastActionedBy,
    ],
    () => JSON.stringify(wireMetadataRow(state, project, row, inc)),
  )
}

const HEAD = Buffer.from('{"status":200,"response":')
const TAIL = Buffer.from('}')
const LIST_HEAD = Buffer.from('{"status":200,"response":[')
const LIST_TAIL = Buffer.from(']}')
const COMMA = Buffer.from(',')

/**
 * A 200 reply `{"status": 200, "response": …}` whose response is one piece of JSON or a list of pieces:
 * the same bytes as `JSON.stringify(ok(response))`, without serialising the pieces again (joined when
 * sent, into a reused buffer: `sendPieces`).
 */
export function okJson(response: Buffer | Buffer[]): Result {
  if (Buffer.isBuffer(response)) return { status: 200, body: [HEAD, response, TAIL] satisfies JsonPieces, json: true }
  const body: Buffer[] = [LIST_HEAD]
  for (let i = 0; i < response.length; i++) {
    if (i > 0) body.push(COMMA)
    body.push(response[i])
  }
  body.push(LIST_TAIL)
  return { status: 200, body: body satisfies JsonPieces, json: true }
}

/**
 * Serialise a project's label rows and metadata rows (as the Encord client asks for them by default:
 * branch `main`, the workflow node, no client metadata or images data) into the cache ahead of the
 * requests, in the order of `dataHashes` (default: every data unit) until the cache is full. The
 * bench's emulator does this before a run is measured: it stands for a remote server, whose work is
 * not done on the engine's cores.
 */
export function warmWireCache(
  state: EmulatorState,
  projectHash: string,
  dataHashes?: string[],
): { rows: number; bytes: number } {
  const project = state.project(projectHash)
  const inc = { includeClientMetadata: false, includeImagesData: false, includeWorkflowGraphNode: true }
  const cache = state.wireCache
  const evictions = cache.evictions
  let rows = 0
  for (const row of state.labelRowMetadata(projectHash, { dataHashes })) {
    // Full: warming more would only push out what was warmed first (the listing's first tasks).
    if (cache.evictions > evictions) break
    metadataRowJson(state, project, row, inc)
    if (row.labelRow) labelRowJson(state, project, row.labelRow)
    rows++
  }
  return { rows, bytes: cache.bytes }
}
