import { readdirSync, readFileSync } from 'node:fs'
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
