import { fail } from '../shared/error-catalogue/index.js'
import type { Stats } from 'node:fs'
import { lstat, open, readdir, readlink, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { isRunning } from '../shared/process-identity.js'
import {
  STORAGE_ITEM_DEFAULTS,
  type Fixture,
  type FixtureDataset,
  type FixtureDataUnit,
  type FixtureProject,
  type FixtureStorageItem,
  type FixtureTask,
} from './fixture.js'

/**
 * Writing fixtures: atomically (temporary file, fsync, rename; through a symlink to its target, keeping
 * the file's mode), without the values the schema fills
 * in by default (a generated 100,000-task fixture is a third smaller, and loads faster), pretty-printed
 * when small, and for big fixtures compact and in pieces, yielding to the event loop between them so
 * that a running emulator keeps answering while it writes its state.
 */

/** Fixtures with more tasks than this are written compact (no indentation). */
export const PRETTY_PRINT_MAX_TASKS = 20_000
const FLUSH_BYTES = 1 << 22

/** Drop keys whose value is what the schema would fill in anyway. */
function omit<T extends object>(value: T, defaults: Partial<Record<keyof T, unknown>>): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue
    if (k in defaults) {
      const d = (defaults as Record<string, unknown>)[k]
      if (v === d || (Array.isArray(v) && v.length === 0 && Array.isArray(d))) continue
    }
    out[k] = v
  }
  return out as Partial<T>
}

const TASK_DEFAULTS = { status: 'NEW', assignee: null, lastActionedBy: null, labelBranchName: 'main', priority: null }
const UNIT_DEFAULTS = {
  backingItemUuid: null,
  width: null,
  height: null,
  numberOfFrames: 1,
  fps: null,
  duration: null,
  fileType: null,
  dataLink: null,
}

export const compactTask = (t: FixtureTask): Partial<FixtureTask> => omit(t, TASK_DEFAULTS)
export const compactDataUnit = (d: FixtureDataUnit): Partial<FixtureDataUnit> => omit(d, UNIT_DEFAULTS)
export const compactStorageItem = (i: FixtureStorageItem): Partial<FixtureStorageItem> => omit(i, STORAGE_ITEM_DEFAULTS)

const compactDataset = (d: FixtureDataset): Record<string, unknown> => ({
  ...omit(d, { description: '', dataUnits: [] }),
  ...(d.dataUnits.length > 0 ? { dataUnits: d.dataUnits.map(compactDataUnit) } : {}),
})

function compactProject(p: FixtureProject): Record<string, unknown> {
  return {
    ...omit(p, { description: '', projectType: 'workflow', status: 'inProgress', workflowManagerUuid: null }),
    dataUnits: p.dataUnits.map(compactDataUnit),
    tasks: p.tasks.map(compactTask),
  }
}

/** The fixture without default values (what is written). */
export function compactFixture(f: Fixture): Record<string, unknown> {
  return {
    ...f,
    datasets: f.datasets.map(compactDataset),
    storageItems: f.storageItems.map(compactStorageItem),
    projects: f.projects.map(compactProject),
  }
}

/** Arrays written one element a line by the `lines` layout. */
const ONE_LINE_ELEMENTS = new Set(['storageItems', 'dataUnits', 'tasks', 'labelRows', 'history'])

/**
 * JSON indented like `JSON.stringify(value, null, 2)`, except that the elements of the big arrays
 * (storage items, data units, tasks, label rows, history) take one compact line each: a fixture with
 * thousands of items stays readable, diffs line by line, and is a third of the indented size.
 */
export function linesJson(value: unknown, pad = '', key = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    const inner = pad + '  '
    const elements = ONE_LINE_ELEMENTS.has(key)
      ? value.map((v) => inner + JSON.stringify(v))
      : value.map((v) => inner + linesJson(v, inner))
    return `[\n${elements.join(',\n')}\n${pad}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return '{}'
    const inner = pad + '  '
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${linesJson(v, inner, k)}`).join(',\n')}\n${pad}}`
  }
  return JSON.stringify(value)
}

function* arrayPieces<T>(items: readonly T[], map: (item: T) => unknown): Generator<string> {
  yield '['
  for (let i = 0; i < items.length; i++) yield (i === 0 ? '' : ',') + JSON.stringify(map(items[i]))
  yield ']'
}

const BIG_PROJECT_KEYS = new Set(['dataUnits', 'tasks', 'labelRows', 'history'])

/** Compact JSON of a fixture, in small pieces (big arrays one element at a time). */
function* fixturePieces(f: Fixture): Generator<string> {
  const { storageItems, projects, ...head } = f
  const headJson = JSON.stringify({ ...head, datasets: head.datasets.map(compactDataset) })
  yield headJson.slice(0, -1) + ',"storageItems":'
  yield* arrayPieces(storageItems, compactStorageItem)
  yield ',"projects":['
  for (const [pi, p] of projects.entries()) {
    const rest = Object.fromEntries(
      Object.entries(
        omit(p, { description: '', projectType: 'workflow', status: 'inProgress', workflowManagerUuid: null }),
      ).filter(([k]) => !BIG_PROJECT_KEYS.has(k)),
    )
    yield (pi === 0 ? '' : ',') + JSON.stringify(rest).slice(0, -1)
    yield ',"dataUnits":'
    yield* arrayPieces(p.dataUnits, compactDataUnit)
    yield ',"tasks":'
    yield* arrayPieces(p.tasks, compactTask)
    yield ',"labelRows":'
    yield* arrayPieces(p.labelRows, (r) => r)
    yield ',"history":'
    yield* arrayPieces(p.history, (e) => e)
    yield '}'
  }
  yield ']}'
}

/**
 * Where a write of `file` must land: through symlinks (a chain of them too, even a dangling one) to
 * the file they lead to, so a symlinked fixture keeps being a symlink and its target gets the updates.
 * Also what is there now (its mode is kept), or null for a new file. Anything but a regular file is
 * refused: `--out /dev/sda --force` must not replace a device, nor a folder or a FIFO.
 */
async function writeTarget(file: string): Promise<{ path: string; mode: number | null }> {
  let path = resolve(file)
  for (let hops = 0; hops < 40; hops++) {
    let stat: Stats
    try {
      stat = await lstat(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, mode: null }
      throw error
    }
    if (stat.isSymbolicLink()) {
      path = resolve(dirname(path), await readlink(path))
      continue
    }
    if (!stat.isFile()) {
      throw fail('FixtureNotAFile.notARegularFile', {
        file,
        path: path === resolve(file) ? '' : ` (a symlink to ${path})`,
      })
    }
    return { path, mode: stat.mode & 0o7777 }
  }
  throw fail('FixtureNotAFile.symlinkLoop', { file })
}

/** The temporary files of a write of `target`: `<target>.<pid>.<ms>.tmp`, next to it. */
const tempName = (target: string) => `${target}.${process.pid}.${Date.now()}.tmp`
const tempPattern = (name: string) =>
  new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.\\d+\\.tmp$`)

/**
 * Remove temporary files a write of this fixture left when its process was killed (SIGKILL, OOM) in
 * the middle of it. Those of a process that still runs (another emulator writing the same fixture)
 * are left alone. Returns the names removed.
 */
export async function removeStaleTempFiles(file: string): Promise<string[]> {
  const { path } = await writeTarget(file).catch(() => ({ path: resolve(file) }))
  const pattern = tempPattern(basename(path))
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(dirname(path))
  } catch {
    return removed
  }
  for (const name of names) {
    const m = pattern.exec(name)
    if (m === null || isRunning({ pid: Number(m[1]) })) continue
    await unlink(join(dirname(path), name)).then(
      () => removed.push(name),
      () => undefined,
    )
  }
  return removed
}

/**
 * Write a fixture to `file` atomically. A crash leaves either the old or the new file. The fixture
 * object must not change while this runs (pass a snapshot, e.g. `state.toFixture()`). A symlink is
 * written through (its target is replaced), the file's mode is kept, and a path that holds anything
 * but a regular file is refused (UserError `FixtureNotAFile`).
 * @param options.pretty indent (default: when at most PRETTY_PRINT_MAX_TASKS tasks)
 * @param options.lines indented, with one line per storage item, data unit, task, label row and history
 *   event ({@link linesJson}); for fixtures kept in a repository
 * @returns the number of bytes written
 */
export async function writeFixtureFile(
  file: string,
  fixture: Fixture,
  options: { pretty?: boolean; lines?: boolean } = {},
): Promise<number> {
  const tasks = fixture.projects.reduce((n, p) => n + p.tasks.length, 0)
  const pretty = options.pretty ?? tasks <= PRETTY_PRINT_MAX_TASKS
  const target = await writeTarget(file)
  const tmp = tempName(target.path)
  let bytes = 0
  const handle = await open(tmp, 'wx', target.mode ?? 0o666)
  try {
    // The open's mode is filtered by the umask: set the old file's mode exactly.
    if (target.mode !== null) await handle.chmod(target.mode)
    if (options.lines === true || pretty) {
      const compact = compactFixture(fixture)
      const text = (options.lines === true ? linesJson(compact) : JSON.stringify(compact, null, 2)) + '\n'
      bytes = Buffer.byteLength(text)
      await handle.writeFile(text, 'utf8')
    } else {
      let buffer = ''
      for (const piece of fixturePieces(fixture)) {
        buffer += piece
        if (buffer.length >= FLUSH_BYTES) {
          bytes += Buffer.byteLength(buffer)
          await handle.write(buffer)
          buffer = ''
        }
      }
      buffer += '\n'
      bytes += Buffer.byteLength(buffer)
      await handle.write(buffer)
    }
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw error
  }
  await handle.close()
  try {
    await rename(tmp, target.path)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  }
  return bytes
}
