import { spawnSync } from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultJournalPath, FileEffectJournal, openRunJournal } from './journal-file.js'
import type { JournalDecision } from './journal.js'

const PROJECT = '0b000000-0000-4000-8000-000000000001'
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-journal-'))
  dirs.push(dir)
  return dir
}

function decision(n: number, extra: Partial<JournalDecision> = {}): JournalDecision {
  return {
    stageUuid: 'stage-1',
    dataHash: `data-${n}`,
    pathway: { uuid: 'p-1', name: 'complete', destinationUuid: 'stage-2' },
    effects: [
      {
        kind: 'saveLabelRow',
        projectHash: PROJECT,
        labelHash: `label-${n}`,
        labelRow: { label_hash: `label-${n}`, data_units: {} },
      },
    ],
    decidedAt: new Date(0).toISOString(),
    ...extra,
  }
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n')

describe('FileEffectJournal', () => {
  it('records decisions and marks durably; a reopened journal has them (the crash case)', async () => {
    const path = defaultJournalPath(tempDir(), PROJECT)
    const a = await FileEffectJournal.open(path, { projectHash: PROJECT, lock: false })
    expect(await a.recordDecision('t1', decision(1))).toEqual({ decision: decision(1) })
    await a.recordDecision('t2', decision(2))
    await a.recordDecision('t3', decision(3, { pathway: null }))
    await a.markSaved('t1')
    await a.markProceeded('t1')
    await a.markSaved('t2')
    await a.forget('t3')
    // A second decision for a task keeps the first one (a replay must apply the recorded decision).
    expect((await a.recordDecision('t2', decision(2, { pathway: null }))).decision.pathway?.name).toBe('complete')
    // Not closed: as if the process was killed here. Everything acknowledged is on disk.
    const b = await FileEffectJournal.open(path, { projectHash: PROJECT, lock: false })
    expect(b.size).toBe(2)
    const t1 = await b.get('t1')
    expect(t1?.decision).toEqual(decision(1))
    expect(t1?.savedAt).toEqual(expect.any(String))
    expect(t1?.proceededAt).toEqual(expect.any(String))
    const t2 = await b.get('t2')
    expect(t2?.savedAt).toEqual(expect.any(String))
    expect(t2?.proceededAt).toBeUndefined()
    expect(await b.get('t3')).toBeUndefined()
    // Opening rewrote the file compactly: header + t1 (d, s, p) + t2 (d, s).
    expect(lines(path)).toHaveLength(6)
    await b.close()
    await a.close()
  })

  it('the file is private to its owner', async () => {
    const path = defaultJournalPath(tempDir(), PROJECT)
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT })
    await j.recordDecision('t1', decision(1))
    expect(statSync(path).mode & 0o077).toBe(0)
    await j.close()
  })

  it('decisions recorded together share one write (group commit)', async () => {
    const path = defaultJournalPath(tempDir(), PROJECT)
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT })
    await Promise.all(Array.from({ length: 300 }, (_, i) => j.recordDecision(`t${i}`, decision(i))))
    expect(lines(path)).toHaveLength(301)
    expect(j.size).toBe(300)
    await j.close()
    // Live entries are kept (compacted) when the run ends with work left.
    expect(lines(path)).toHaveLength(301)
  })

  it('a clean close removes the file, its lock and the empty default folders', async () => {
    const dir = tempDir()
    const path = defaultJournalPath(dir, PROJECT)
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT })
    expect(existsSync(`${path}.lock`)).toBe(true)
    await j.recordDecision('t1', decision(1))
    await j.markProceeded('t1')
    await j.forget('t1')
    await j.close()
    await j.close()
    expect(existsSync(path)).toBe(false)
    expect(existsSync(`${path}.lock`)).toBe(false)
    expect(existsSync(join(dir, '.encord-agents'))).toBe(false)
  })

  it('ignores a torn last line, and warns about an unreadable line in the middle', async () => {
    const path = defaultJournalPath(tempDir(), PROJECT)
    const a = await FileEffectJournal.open(path, { projectHash: PROJECT, lock: false })
    await a.recordDecision('t1', decision(1))
    await a.recordDecision('t2', decision(2))
    // The process died while writing a third decision.
    appendFileSync(path, JSON.stringify({ t: 'd', task: 't3', decision: decision(3) }).slice(0, 40))
    const warnings: string[] = []
    const b = await FileEffectJournal.open(path, {
      projectHash: PROJECT,
      lock: false,
      onWarning: (m) => warnings.push(m),
    })
    expect(b.size).toBe(2)
    expect(warnings).toEqual([])
    // After the rewrite the file is whole again: new records are readable.
    await b.recordDecision('t4', decision(4))
    const text = readFileSync(path, 'utf8').split('\n')
    text.splice(2, 0, '{not json')
    writeFileSync(path, text.join('\n'))
    const c = await FileEffectJournal.open(path, {
      projectHash: PROJECT,
      lock: false,
      onWarning: (m) => warnings.push(m),
    })
    expect(c.size).toBe(3)
    expect(warnings).toEqual([expect.stringContaining('Line 3 of the run journal')])
    await Promise.all([a.close(), b.close(), c.close()])
  })

  it('refuses a file of another project, or one that is not a journal', async () => {
    const dir = tempDir()
    const path = join(dir, 'j.jsonl')
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT })
    await j.recordDecision('t1', decision(1))
    await j.close()
    await expect(FileEffectJournal.open(path, { projectHash: 'other' })).rejects.toMatchObject({
      code: 'JournalOtherProject',
      exitCode: 2,
    })
    writeFileSync(join(dir, 'notes.jsonl'), '{"hello":1}\n')
    await expect(FileEffectJournal.open(join(dir, 'notes.jsonl'), { projectHash: PROJECT })).rejects.toMatchObject({
      code: 'JournalInvalid',
    })
    // A failed open leaves no lock behind.
    expect(existsSync(join(dir, 'notes.jsonl.lock'))).toBe(false)
  })

  it('one run at a time: a live holder is an error, a dead one is taken over', async () => {
    const path = defaultJournalPath(tempDir(), PROJECT)
    const a = await FileEffectJournal.open(path, { projectHash: PROJECT })
    const locked = FileEffectJournal.open(path, { projectHash: PROJECT })
    await expect(locked).rejects.toMatchObject({ code: 'JournalLocked', exitCode: 2 })
    await expect(locked).rejects.toThrow(/Another encord-agents run \(process \d+/)
    await a.close()
    // A process that held the lock and died (SIGKILL): its pid no longer runs.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), startedAt: 'then' }),
    )
    const b = await FileEffectJournal.open(path, { projectHash: PROJECT })
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid)
    await b.close()
  })

  it('a folder that cannot be made is a UserError saying what to do; leftovers of a cut-short rewrite are removed', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a-file'), 'x')
    await expect(
      FileEffectJournal.open(join(dir, 'a-file', 'j.jsonl'), { projectHash: PROJECT }),
    ).rejects.toMatchObject({
      code: 'JournalUnwritable',
      exitCode: 2,
      hint: expect.stringContaining('--no-journal'),
    })
    const path = join(dir, 'j.jsonl')
    writeFileSync(`${path}.1a2b3c4d.tmp`, 'half a rewrite')
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT })
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'j.jsonl', 'j.jsonl.lock'])
    await j.close()
  })

  it('compacts itself on long runs', async () => {
    const path = join(tempDir(), 'j.jsonl')
    const j = await FileEffectJournal.open(path, { projectHash: PROJECT, compactAfterLines: 50 })
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => j.recordDecision(`r${round}-${i}`, decision(i))))
      await Promise.all(Array.from({ length: 20 }, (_, i) => j.markProceeded(`r${round}-${i}`)))
      await Promise.all(Array.from({ length: 20 }, (_, i) => j.forget(`r${round}-${i}`)))
    }
    await j.recordDecision('last', decision(0))
    expect(lines(path).length).toBeLessThan(100)
    const again = await FileEffectJournal.open(path, { projectHash: PROJECT, lock: false })
    expect(again.entries().map(([t]) => t)).toEqual(['last'])
    await again.close()
    await j.close()
  })

  it('openRunJournal: off, the default file, a relative path, or a journal object', async () => {
    const dir = tempDir()
    expect(await openRunJournal(false, { projectHash: PROJECT, baseDir: dir })).toBeUndefined()
    const byDefault = await openRunJournal(true, { projectHash: PROJECT, baseDir: dir })
    expect(byDefault?.file?.path).toBe(defaultJournalPath(dir, PROJECT))
    await byDefault?.close()
    const relative = await openRunJournal('state/j.jsonl', { projectHash: PROJECT, baseDir: dir })
    expect(relative?.file?.path).toBe(join(dir, 'state', 'j.jsonl'))
    await relative?.journal.recordDecision('t1', decision(1))
    await relative?.close()
    expect(existsSync(join(dir, 'state', 'j.jsonl'))).toBe(true)
  })
})
