import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A TypeScript code block of a Markdown document. */
export interface Snippet {
  /** The document, relative to the repository root (`README.md`, `docs/emulator.md`). */
  doc: string
  /** Line of the block's first code line in the document (1-based). */
  line: number
  /** The file it stands for: its `// name.ts` first line, else `snippet-L<line>.ts`. */
  file: string
  code: string
}

const FENCE = /^```(ts|typescript)\s*$/
const FILE_COMMENT = /^\/\/ ([\w./-]+\.ts)\s*$/

/** Every ```ts block of `doc` (fenced at the start of a line). */
export function snippetsOf(root: string, doc: string): Snippet[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n')
  const out: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
    const code = lines.slice(start, end).join('\n') + '\n'
    const named = FILE_COMMENT.exec(lines[start] ?? '')?.[1]
    out.push({ doc, line: start + 1, file: named ?? `snippet-L${start + 1}.ts`, code })
    i = end
  }
  return out
}

/** README.md and every docs/*.md. */
export function documents(root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)]
}

/** SDKs the docs show calls to that are not dependencies of this repository: typed as `any` where snippets are checked. */
export const EXTERNAL_MODULES = ['@anthropic-ai/sdk', 'openai']

const folderOf = (doc: string) => doc.replace(/\.md$/, '').replace(/[^\w-]+/g, '-')

/**
 * Write every snippet under `target`, one folder per document (so `./agent.ts` is that document's
 * agent), with the reader's own modules of test/docs/context beside them and `external.d.ts` for
 * EXTERNAL_MODULES. Returns where each written file came from.
 */
export function writeSnippets(root: string, snippets: Snippet[], target: string): Map<string, Snippet> {
  const origin = new Map<string, Snippet>()
  for (const s of snippets) {
    const dir = join(target, folderOf(s.doc))
    mkdirSync(dir, { recursive: true })
    cpSync(join(root, 'test', 'docs', 'context'), dir, { recursive: true })
    const path = join(dir, s.file)
    const earlier = origin.get(path)
    if (earlier) throw new Error(`${s.doc}:${s.line} and ${earlier.doc}:${earlier.line} are both ${s.file}`)
    // A block without import or export is still a module (its names stay its own).
    const isModule = /^\s*(import|export)\s/m.test(s.code)
    writeFileSync(path, isModule ? s.code : `${s.code}export {}\n`)
    origin.set(path, s)
  }
  writeFileSync(join(target, 'external.d.ts'), EXTERNAL_MODULES.map((m) => `declare module '${m}'\n`).join(''))
  return origin
}

/** tsc's `file(line,col): message` lines (run in `cwd`) as `DOC:LINE: message` of the Markdown, where the fix goes. */
export function docErrors(tscOutput: string, cwd: string, origin: Map<string, Snippet>): string[] {
  return tscOutput
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(.*?\.ts)\((\d+),(\d+)\): (.*)$/.exec(l)
      const s = m ? origin.get(join(cwd, m[1])) : undefined
      return s && m ? `${s.doc}:${s.line + Number(m[2]) - 1}: ${m[4]}` : l
    })
}
