// The layer rules of docs/architecture.md, checked by `npm run lint` (dependency-cruiser). From the top:
// commands → (cli, services) → (core, queue, observability, ui) → typegen → (encord, labels, vision) → shared.
// The emulator and its dashboard stand apart: they use the wire model (encord, labels) and shared, never
// the runner. Test files are left out: they may reach anything.
const layer = (name) => `^src/${name}/`
const not = (...names) => `^src/(?!(${names.join('|')})/)[^/]+/`

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles at run time (a type-only import may point back: it is erased).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'shared-is-the-kernel',
      severity: 'error',
      comment: 'src/shared is the bottom layer: it imports nothing else of src.',
      from: { path: layer('shared') },
      to: { path: not('shared') },
    },
    {
      name: 'encord-client-stands-alone',
      severity: 'error',
      comment: 'The Encord client (src/encord) uses only the kernel.',
      from: { path: layer('encord') },
      to: { path: not('encord', 'shared') },
    },
    {
      name: 'label-model-stands-alone',
      severity: 'error',
      comment: 'The label model (src/labels) knows the wire model and the kernel, not the runner.',
      from: { path: layer('labels') },
      to: { path: not('labels', 'encord', 'shared') },
    },
    {
      name: 'vision-over-labels',
      severity: 'error',
      comment: 'Frames and crops (src/vision) sit on the label model.',
      from: { path: layer('vision') },
      to: { path: not('vision', 'labels', 'encord', 'shared') },
    },
    {
      name: 'typegen-over-the-model',
      severity: 'error',
      comment:
        'The types generator (src/typegen) reads the wire model and the ontology: it knows nothing of the runner.',
      from: { path: layer('typegen') },
      to: { path: not('typegen', 'labels', 'encord', 'shared') },
    },
    {
      name: 'emulator-apart-from-the-runner',
      severity: 'error',
      comment: 'The emulator and its dashboard serve the wire API: no runner, queue, services or CLI.',
      from: { path: '^src/(emulator|dashboard)/' },
      to: { path: not('emulator', 'dashboard', 'encord', 'labels', 'vision', 'shared') },
    },
    {
      name: 'core-is-headless',
      severity: 'error',
      comment: 'The runner (src/core) emits events; it knows nothing of services, commands, the terminal or the queue.',
      from: { path: layer('core') },
      to: { path: not('core', 'typegen', 'encord', 'labels', 'vision', 'shared') },
    },
    {
      name: 'services-below-commands',
      severity: 'error',
      comment: 'Services do the work for commands and never import them or the CLI layer.',
      from: { path: layer('services') },
      to: { path: '^src/(commands|cli)/' },
    },
    {
      name: 'commands-are-leaves',
      severity: 'error',
      comment: 'Only oclif loads commands.',
      from: { path: '^src/', pathNot: '^src/commands/' },
      to: { path: '^src/commands/' },
    },
    {
      name: 'no-tests-in-src-code',
      severity: 'error',
      comment: 'Source modules never import test files.',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '\\.test\\.ts$' },
    },
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: ['\\.test\\.ts$', '^src/dashboard/app/'] },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
}
