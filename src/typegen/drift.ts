/**
 * Drift of a generated types file (issue 18): its header's fingerprint against the live project's,
 * computed by the very function the generator writes it with, so "stale" means exactly "`types` would
 * write something else now".
 *
 * Which files: the default one next to the config, and every file `encord-agents types --out` wrote for
 * the same project anywhere under the config's directory (its header names the project; `node_modules`
 * and dot-directories are not searched). A file written outside the config's directory is not found.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Project } from '../encord/types.js'
import { readFingerprint, readProjectLine, typegenFingerprint, typegenModel } from './generate.js'

/** How a types file compares with the project. */
export type TypesFileState =
  | { state: 'missing' }
  | { state: 'current'; fingerprint: string }
  /** `written` is undefined when the file has no fingerprint line (not written by `encord-agents types`). */
  | { state: 'stale'; written?: string; live: string }

/** Compare the declaration file at `file` (if there is one) with the project's workflow and ontology. */
export function typesFileState(file: string, project: Pick<Project, 'workflow' | 'ontology'>): TypesFileState {
  if (!existsSync(file)) return { state: 'missing' }
  const written = readFingerprint(readFileSync(file, 'utf8'))
  const live = typegenFingerprint(typegenModel(project))
  return written === live ? { state: 'current', fingerprint: live } : { state: 'stale', written, live }
}

/** Directories deeper than this under the config's are not searched. */
const MAX_DEPTH = 8
/** At most this many directory entries are looked at (a bound for very large trees). */
const MAX_ENTRIES = 20_000

/**
 * Declaration files under `root` that `encord-agents types` wrote for project `projectHash` (their header
 * says so), sorted. Skips `node_modules` and dot-directories; reads only the first bytes of `.d.ts` files.
 */
export function findTypesFiles(root: string, projectHash: string): string[] {
  const found: string[] = []
  let seen = 0
  const walk = (dir: string, depth: number): void => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return // unreadable: nothing to check there
    }
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) return
      const path = join(dir, e.name)
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(path, depth + 1)
      } else if (e.isFile() && e.name.endsWith('.d.ts') && readProjectLine(head(path)) === projectHash) {
        found.push(path)
      }
    }
  }
  walk(root, 0)
  return found.sort()
}

/** The first 1 KiB of a file (the generated header is in it). */
function head(path: string): string {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const buffer = Buffer.alloc(1024)
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0))
  } catch {
    return ''
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
