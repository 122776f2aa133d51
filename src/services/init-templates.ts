import { fail } from '../shared/error-catalogue/index.js'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/**
 * The templates `init` can write. A template is one folder of `templates/` with a `template.json`
 * (what it shows, which file to edit, any npm packages it needs beyond encord-agents); every other
 * file in the folder is copied into the project. Adding a template is adding a folder.
 */

/** What `templates/<name>/template.json` holds. */
const TemplateManifest = z.strictObject({
  /** One line for `init --help` and the README. */
  description: z.string().min(1),
  /** The file(s) to edit first, as the next steps say it (e.g. `agent.ts`, `agents/*.ts`). */
  edit: z.string().min(1),
  /** Packages the project needs beyond encord-agents (name → version range). */
  dependencies: z.record(z.string(), z.string()).default({}),
  devDependencies: z.record(z.string(), z.string()).default({}),
})

export interface TemplateInfo extends z.output<typeof TemplateManifest> {
  name: string
  /** The template's folder. */
  dir: string
}

/** The manifest's own name: read by init, never copied into a project. */
export const TEMPLATE_MANIFEST = 'template.json'

/** The template `init` writes when none is named. */
export const DEFAULT_TEMPLATE = 'minimal'

/** The package's own templates folder (next to dist/ when installed, next to src/ in the repo). */
export function templatesRoot(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url))
}

const cache = new Map<string, TemplateInfo[]>()

/** Every template under `root`: the default first, then by name. */
export function listTemplates(root = templatesRoot()): TemplateInfo[] {
  const cached = cache.get(root)
  if (cached) return cached
  const templates: TemplateInfo[] = []
  for (const entry of existsSync(root) ? readdirSync(root, { withFileTypes: true }) : []) {
    const dir = join(root, entry.name)
    const manifest = join(dir, TEMPLATE_MANIFEST)
    if (!entry.isDirectory() || !existsSync(manifest)) continue
    const parsed = TemplateManifest.safeParse(JSON.parse(readFileSync(manifest, 'utf8')))
    if (!parsed.success)
      throw fail('Bug.templateManifestInvalid', {
        manifest,
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      })
    templates.push({ name: entry.name, dir, ...parsed.data })
  }
  templates.sort((a, b) =>
    a.name === DEFAULT_TEMPLATE ? -1 : b.name === DEFAULT_TEMPLATE ? 1 : a.name.localeCompare(b.name),
  )
  cache.set(root, templates)
  return templates
}
