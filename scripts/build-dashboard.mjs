// Build the emulator dashboard's front end (src/dashboard/app) into dist/dashboard/public: index.html,
// app.js (Preact bundled in, minified) and app.css. Run by scripts/build.mjs at package build time; the
// emulator serves these files at its root URL, so nothing is fetched from the network at run time.
//
//   node scripts/build-dashboard.mjs                 type-check, then build into dist/dashboard/public
//   node scripts/build-dashboard.mjs --out DIR       build elsewhere (tests; ENCORD_AGENTS_DASHBOARD_DIR=DIR serves it)
//   node scripts/build-dashboard.mjs --no-check      skip the type check
//   node scripts/build-dashboard.mjs --watch         rebuild on change (reload the page to see it)
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as esbuild from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const app = join(root, 'src', 'dashboard', 'app')
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'no-check': { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
  },
})
const out = values.out ? resolve(values.out) : join(root, 'dist', 'dashboard', 'public')

if (!values['no-check']) {
  // esbuild strips types without checking them; the app has its own tsconfig (DOM library, Preact JSX).
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(app, 'tsconfig.json')],
    { cwd: root, stdio: 'inherit' },
  )
}

mkdirSync(out, { recursive: true })
copyFileSync(join(app, 'index.html'), join(out, 'index.html'))
/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: join(app, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !values.watch,
  sourcemap: values.watch ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
}
if (values.watch) {
  const ctx = await esbuild.context(options)
  await ctx.watch()
  console.error(
    `Watching src/dashboard/app → ${out} (Ctrl-C to stop). Serve it with ENCORD_AGENTS_DASHBOARD_DIR=${out}`,
  )
} else {
  const result = await esbuild.build({ ...options, metafile: true })
  const sizes = Object.entries(result.metafile.outputs).map(
    ([file, o]) => `${file.split('/').pop()} ${(o.bytes / 1024).toFixed(1)} KiB`,
  )
  console.error(`dashboard: ${sizes.join(', ')} → ${out}`)
}
