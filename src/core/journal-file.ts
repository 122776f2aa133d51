import { fail } from '../shared/error-catalogue/index.js'
import { randomUUID } from 'node:crypto'
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile, type FileHandle } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import createDebug from 'debug'
import { isRunning, ownIdentity } from '../shared/process-identity.js'
import { UserError } from '../shared/errors.js'
import { JournalEntries, type EffectJournal, type JournalDecision, type JournalEntry } from './journal.js'

const debug = createDebug('encord-agents:journal')

/** The first line of every journal file; a file without it is not ours. */
const FORMAT = 'encord-agents/effect-journal'
const VERSION = 1

/**
 * One line of the journal file (JSON Lines): `d` a decision, `s` its pre-move effects applied,
 * `p` the task moved, `f` the entry forgotten. Replaying the lines in order gives the live entries.
 */
type JournalLine =
  | { t: 'd'; task: string; decision: JournalDecision }
  | { t: 's'; task: string; at: string }
  | { t: 'p'; task: string; at: string }
  | { t: 'f'; task: string }

/** Options of {@link FileEffectJournal.open}. */
export interface FileEffectJournalOptions {
  /** The project the journal belongs to; a file written for another project is refused. */
  projectHash: string
  /**
   * Hold `<file>.lock` while open, so two runs never work from one journal at the same time (a lock
   * left by a process that died is taken over). @default true
   */
  lock?: boolean
  /**
   * Rewrite the file with only the live entries once it holds this many lines and at least four times
   * as many lines as live entries (a long `refreshEvery` run stays small). @default 5000
   */
  compactAfterLines?: number
  /** Warnings (an unreadable line in the middle of the file). */
  onWarning?: (message: string) => void
}

/**
 * The default journal of a project: `<dir>/.encord-agents/journal/<projectHash>.jsonl`.
 *
 * @param dir the config file's directory (the CLI) or the working directory (the library)
 * @example
 * ```ts
 * defaultJournalPath(process.cwd(), projectHash) // ./.encord-agents/journal/<projectHash>.jsonl
 * ```
 */
export function defaultJournalPath(dir: string, projectHash: string): string {
  return join(dir, '.encord-agents', 'journal', `${projectHash}.jsonl`)
}

/**
 * A write-ahead {@link EffectJournal} in an append-only JSON Lines file, for the single-process runner:
 * it survives a crash (SIGKILL, power loss, OOM) between a handler's decision and the effects it
 * causes, so the next run finishes those effects without calling the handler again.
 *
 * Durability: a decision is on disk (written and fsync'ed) before `recordDecision` resolves, and so
 * before any of its effects is applied; `markSaved` and `markProceeded` are fsync'ed too (a lost mark
 * only costs a check on the next run); `forget` is not (a lost forget leaves an entry that is already
 * settled). Calls made together share one write and one fsync (group commit), so a batch of 300
 * decisions costs one fsync, not 300.
 *
 * A torn last line (the process died while writing it) is ignored: that record was never
 * acknowledged, so none of its effects were applied. On open the file is rewritten with only the
 * live entries; on `close()` too, and removed (with its lock) when nothing is left in it.
 *
 * The file holds label rows (customer data, no credentials) and is created readable by its owner only.
 *
 * @example
 * ```ts
 * const journal = await FileEffectJournal.open(defaultJournalPath(process.cwd(), projectHash), { projectHash })
 * try {
 *   await runner.run({ journal })
 * } finally {
 *   await journal.close()
 * }
 * ```
 * @see EffectJournal for the protocol
 */
export class FileEffectJournal implements EffectJournal {
  /** The journal file. */
  readonly path: string
  readonly projectHash: string
  readonly #entries = new JournalEntries()
  readonly #options: FileEffectJournalOptions
  #handle: FileHandle | undefined
  #lockPath: string | undefined
  #lines = 0
  #pending: Array<{ text: string; durable: boolean; done: () => void; fail: (error: unknown) => void }> = []
  #writing: Promise<void> | undefined
  #closed = false

  private constructor(path: string, options: FileEffectJournalOptions) {
    this.path = path
    this.projectHash = options.projectHash
    this.#options = options
  }

  /**
   * Open (or create) a journal file: take its lock, read the live entries, rewrite it compactly.
   * Throws a UserError (exit 2) when another live run holds the lock, or the file belongs to another
   * project or is not a journal.
   */
  static async open(path: string, options: FileEffectJournalOptions): Promise<FileEffectJournal> {
    const journal = new FileEffectJournal(resolve(path), options)
    try {
      await mkdir(dirname(journal.path), { recursive: true, mode: 0o700 })
      if (options.lock !== false) journal.#lockPath = await takeLock(journal.path)
    } catch (error) {
      throw unwritable(journal.path, error)
    }
    try {
      await journal.#load()
      await removeLeftovers(journal.path)
      await journal.#rewrite()
    } catch (error) {
      await journal.#releaseLock()
      throw unwritable(journal.path, error)
    }
    return journal
  }

  /** Live entries (recorded and not forgotten). */
  get size(): number {
    return this.#entries.size
  }

  /** Every live entry by task UUID (copies). */
  entries(): Array<[taskUuid: string, entry: JournalEntry]> {
    return [...this.#entries].map(([task, entry]) => [task, structuredClone(entry)])
  }

  async get(taskUuid: string): Promise<JournalEntry | undefined> {
    return this.#entries.get(taskUuid)
  }

  async recordDecision(taskUuid: string, decision: JournalDecision): Promise<JournalEntry> {
    const entry: JournalEntry = { decision: structuredClone(decision) }
    const earlier = this.#entries.record(taskUuid, entry)
    if (earlier !== undefined) return earlier
    try {
      await this.#append({ t: 'd', task: taskUuid, decision }, true)
    } catch (error) {
      // Not on disk: the caller must not apply it, and a later attempt may record it afresh.
      this.#entries.delete(taskUuid)
      throw error
    }
    return structuredClone(entry)
  }

  async markSaved(taskUuid: string): Promise<void> {
    const at = new Date().toISOString()
    if (this.#entries.mark(taskUuid, 'savedAt', at)) await this.#append({ t: 's', task: taskUuid, at }, true)
  }

  async markProceeded(taskUuid: string): Promise<void> {
    const at = new Date().toISOString()
    if (this.#entries.mark(taskUuid, 'proceededAt', at)) await this.#append({ t: 'p', task: taskUuid, at }, true)
  }

  async forget(taskUuid: string): Promise<void> {
    if (!this.#entries.delete(taskUuid)) return
    await this.#append({ t: 'f', task: taskUuid }, false)
  }

  /**
   * Write what is pending, rewrite the file with only the live entries, and release the lock. With no
   * live entry left the file is removed (and its folder, when empty). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.#drain()
      await this.#handle?.close()
      this.#handle = undefined
      if (this.#entries.size === 0) {
        await rm(this.path, { force: true })
        await this.#releaseLock()
        // Leave no trace of a clean run: the default layout's folders go too when empty.
        const folder = dirname(this.path)
        if (basename(folder) === 'journal' && basename(dirname(folder)) === '.encord-agents') {
          await rmdir(folder).catch(() => undefined)
          await rmdir(dirname(folder)).catch(() => undefined)
        }
      } else {
        await this.#rewrite(false)
      }
    } finally {
      await this.#releaseLock()
    }
  }

  async #load(): Promise<void> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw fail('JournalUnreadable', {
        path: this.path,
        error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      })
    }
    const lines = text.split('\n')
    // A file that ends without a newline was cut short while its last line was written.
    const torn = !text.endsWith('\n') && text.length > 0
    let header = false
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        if (torn && index === lines.length - 1) {
          debug('ignoring a torn last line of %s (%d bytes)', this.path, line.length)
          continue
        }
        this.#options.onWarning?.(`Line ${index + 1} of the run journal ${this.path} is not readable and was skipped.`)
        continue
      }
      if (!header) {
        const h = parsed as { format?: unknown; projectHash?: unknown }
        if (h.format !== FORMAT) {
          throw fail('JournalInvalid', { path: this.path })
        }
        if (h.projectHash !== this.projectHash) {
          throw fail('JournalOtherProject', {
            path: this.path,
            projectHash: String(h.projectHash),
            projectHash2: this.projectHash,
          })
        }
        header = true
        continue
      }
      this.#apply(parsed as JournalLine)
    }
    debug('loaded %s: %d live entries', this.path, this.#entries.size)
  }

  #apply(line: JournalLine): void {
    switch (line.t) {
      case 'd':
        this.#entries.record(line.task, { decision: line.decision })
        break
      case 's':
        this.#entries.mark(line.task, 'savedAt', line.at)
        break
      case 'p':
        this.#entries.mark(line.task, 'proceededAt', line.at)
        break
      case 'f':
        this.#entries.delete(line.task)
        break
    }
  }

  /**
   * Replace the file with the header and the live entries: written to a temporary file, fsync'ed, then
   * renamed over the journal (atomic), and the folder fsync'ed so the rename itself is durable.
   */
  async #rewrite(reopen = true): Promise<void> {
    await this.#handle?.close()
    this.#handle = undefined
    const out: string[] = [
      JSON.stringify({
        format: FORMAT,
        version: VERSION,
        projectHash: this.projectHash,
        createdAt: new Date().toISOString(),
      }),
    ]
    for (const [task, entry] of this.#entries) {
      out.push(JSON.stringify({ t: 'd', task, decision: entry.decision } satisfies JournalLine))
      if (entry.savedAt !== undefined)
        out.push(JSON.stringify({ t: 's', task, at: entry.savedAt } satisfies JournalLine))
      if (entry.proceededAt !== undefined)
        out.push(JSON.stringify({ t: 'p', task, at: entry.proceededAt } satisfies JournalLine))
    }
    const tmp = `${this.path}.${randomUUID().slice(0, 8)}.tmp`
    const handle = await open(tmp, 'w', 0o600)
    try {
      await handle.writeFile(out.join('\n') + '\n')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, this.path)
    syncDirectory(dirname(this.path))
    this.#lines = out.length
    if (reopen) this.#handle = await open(this.path, 'a', 0o600)
  }

  #append(line: JournalLine, durable: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`The run journal ${this.path} is closed.`))
    return new Promise<void>((done, fail) => {
      this.#pending.push({ text: JSON.stringify(line) + '\n', durable, done, fail })
      this.#writing ??= this.#writeLoop().finally(() => {
        this.#writing = undefined
      })
    })
  }

  /** Write pending lines in groups: one write and at most one fsync per group. */
  async #writeLoop(): Promise<void> {
    // Let every call made in the same tick join the first group.
    await new Promise<void>((resolve) => setImmediate(resolve))
    while (this.#pending.length > 0) {
      const group = this.#pending.splice(0)
      try {
        const handle = this.#handle
        if (handle === undefined) throw new Error(`The run journal ${this.path} is not open.`)
        await handle.write(group.map((g) => g.text).join(''))
        if (group.some((g) => g.durable)) await handle.datasync()
        this.#lines += group.length
        for (const g of group) g.done()
      } catch (error) {
        for (const g of group) g.fail(error)
        continue
      }
      const limit = this.#options.compactAfterLines ?? 5000
      if (this.#lines >= limit && this.#lines >= 4 * this.#entries.size) {
        try {
          await this.#rewrite()
        } catch (error) {
          this.#options.onWarning?.(
            `Compacting the run journal ${this.path} failed (${(error as Error).message}); it keeps growing until the run ends.`,
          )
          this.#handle ??= await open(this.path, 'a', 0o600)
        }
      }
    }
  }

  async #drain(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing
  }

  async #releaseLock(): Promise<void> {
    if (this.#lockPath === undefined) return
    const lock = this.#lockPath
    this.#lockPath = undefined
    await rm(lock, { force: true })
  }
}

/** A file system failure while opening the journal, as a UserError saying what to do (ours pass through). */
function unwritable(path: string, error: unknown): unknown {
  if (error instanceof UserError) return error
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
  return fail('JournalUnwritable', { path, code }, { cause: error })
}

/** Temporary files of a rewrite that was cut short (the process died between writing and renaming). */
async function removeLeftovers(journalPath: string): Promise<void> {
  const prefix = `${basename(journalPath)}.`
  for (const name of await readdir(dirname(journalPath))) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(join(dirname(journalPath), name), { force: true })
  }
}

/** Make a rename durable: fsync its folder (not possible on Windows, where it is not needed). */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    debug('fsync of %s failed: %s', dir, (error as Error).message)
  }
}

/**
 * Take `<journal>.lock` (created exclusively, holding our pid, its start time and the host). A lock
 * whose process is gone (killed, crashed, a zombie not yet reaped, or its pid now used by another
 * process) is taken over; one held by a running process on this host is a UserError.
 */
async function takeLock(journalPath: string): Promise<string> {
  const lockPath = `${journalPath}.lock`
  const me = ownIdentity()
  const mine = JSON.stringify({
    pid: me.pid,
    processStart: me.start,
    host: hostname(),
    startedAt: new Date().toISOString(),
  })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockPath, mine, { flag: 'wx', mode: 0o600 })
      return lockPath
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let holder: { pid?: unknown; processStart?: unknown; host?: unknown; startedAt?: unknown } = {}
    try {
      holder = JSON.parse(await readFile(lockPath, 'utf8')) as typeof holder
    } catch {
      // Unreadable or half-written: treated as abandoned.
    }
    const pid = typeof holder.pid === 'number' ? holder.pid : undefined
    const start = typeof holder.processStart === 'string' ? holder.processStart : undefined
    if (pid !== undefined && (holder.host !== hostname() || isRunning({ pid, start }))) {
      throw fail('JournalLocked.heldByRun', {
        pid,
        holder: holder.host !== hostname() ? ` on ${String(holder.host)}` : '',
        startedAt: String(holder.startedAt),
        journalPath,
        lockPath,
      })
    }
    debug('taking over the lock of a process that is gone: %s', lockPath)
    await rm(lockPath, { force: true })
  }
  throw fail('JournalLocked.contended', { journalPath, lockPath })
}

/**
 * The journal a run uses: `false`/`undefined` none; `true` the default file under `baseDir`; a path
 * (relative to `baseDir`); or a journal object (left open: its owner closes it).
 */
export async function openRunJournal(
  setting: boolean | string | EffectJournal | undefined,
  options: { projectHash: string; baseDir?: string; onWarning?: (message: string) => void },
): Promise<{ journal: EffectJournal; file?: FileEffectJournal; close(): Promise<void> } | undefined> {
  if (setting === undefined || setting === false) return undefined
  if (typeof setting === 'object')
    return {
      journal: setting,
      file: setting instanceof FileEffectJournal ? setting : undefined,
      close: async () => undefined,
    }
  const base = options.baseDir ?? process.cwd()
  const path =
    setting === true
      ? defaultJournalPath(base, options.projectHash)
      : isAbsolute(setting)
        ? setting
        : resolve(base, setting)
  const file = await FileEffectJournal.open(path, { projectHash: options.projectHash, onWarning: options.onWarning })
  return { journal: file, file, close: () => file.close() }
}
