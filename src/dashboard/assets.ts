import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of the built front end (index.html, app.js, app.css), or null when it is not built.
 *
 * Looked up on every request, so a rebuild (`node scripts/build-dashboard.mjs --watch`) shows on reload:
 * 1. `ENCORD_AGENTS_DASHBOARD_DIR` (development and tests: a build in another folder);
 * 2. `public/` next to this module (the package: dist/dashboard/public);
 * 3. `dist/dashboard/public` of the checkout (running from src/ with tsx or vitest).
 */
export function findDashboardAssets(env: NodeJS.ProcessEnv = process.env): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url))
  const candidates = [
    env.ENCORD_AGENTS_DASHBOARD_DIR,
    join(here, 'public'),
    join(here, '..', '..', 'dist', 'dashboard', 'public'),
  ]
  for (const dir of candidates) if (dir && existsSync(join(dir, 'index.html'))) return dir
  return null
}
