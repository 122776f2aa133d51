/**
 * Every option of an encord-agents config, with what it does. Copy the parts you need into
 * `encord-agents.config.ts` (or run `encord-agents init` for a runnable project). Options also
 * documented in your editor: hover any field of `defineConfig`.
 *
 * Found by searching from the current directory up: encord-agents.config.{ts,mts,js,mjs,cjs,json},
 * .encord-agentsrc(.json|.yaml|.yml|.ts|.js|...), or the "encord-agents" key of package.json; or given
 * with `--config FILE`. TypeScript works without a build step.
 */
import { defineConfig } from 'encord-agents'

export default defineConfig({
  // The Encord project (its hash, a UUID). `--project-hash` and ENCORD_PROJECT_HASH override it.
  projectHash: '00000000-0000-4000-8000-000000000000',

  // Run against the built-in local Encord emulator serving this fixture file (relative to this config)
  // instead of Encord: same HTTP API, same signatures, state written back to the file.
  // `--local FIXTURE` overrides it. Leave it out to talk to Encord.
  local: './fixture.json',

  // The agents, run stage after stage in this order.
  agents: [
    {
      // The agent stage this agent serves: its title as shown in Encord, or its UUID
      // (`encord-agents list-stages` lists both). It must be an agent stage.
      stage: 'Pre-label',
      // Module whose default export is `defineAgent({ handler })`, relative to this config.
      // The agent's own options (deps, pathways, onFailure, labelRowMetadata, ontology) live there.
      handler: './agents/pre-label.ts',
    },
    {
      stage: 'Quality check',
      handler: './agents/quality-check.ts',
      // Replace an agent declared earlier for the same stage (here or in a shared base config),
      // keeping that agent's position in the order, instead of failing with a duplicate-stage error.
      // Default: false.
      overwrite: false,
    },
  ],

  // How agents run. Every option has a flag of the same name that wins over it
  // (`--task-batch-size`, `--max-tasks-per-stage`, `--num-retries`, `--refresh-every`,
  // `--concurrency`, `--dry-run`, `--task-timeout`, and the filters below).
  run: {
    // Tasks fetched, decided and flushed (moved, saved) together; data the handlers declare (label
    // rows, storage items) is loaded once per batch. Python: task_batch_size. Default: 300.
    taskBatchSize: 300,
    // Stop each stage after exactly this many tasks. Python: max_tasks_per_stage. Default: no limit.
    maxTasksPerStage: 1000,
    // Retries (with backoff) of a handler or dependency that throws; then the task fails: it stays in
    // its stage, or takes the agent's `onFailure` pathway, and the run exits 1. Python: num_retries.
    // Default: 3.
    numRetries: 3,
    // Keep polling: after a pass over all stages, wait this many seconds and run again, until Ctrl-C.
    // At most 2147483 (about 24.8 days, Node's longest timer). Python: refresh_every. Default: run once.
    refreshEvery: 60,
    // Handlers running at once per stage. Default: 1 (one task at a time, like the Python Runner).
    concurrency: 4,
    // Decide and report what would happen; move, save and prioritise nothing. Default: false.
    dryRun: false,
    // Fail a task whose handler (with its dependencies) takes longer than this many milliseconds; the
    // handler's `signal` is aborted. At most 2147483647 (about 24.8 days). Default: no timeout.
    taskTimeout: 120_000,
    // The write-ahead run journal: each decision is written (and fsync'ed) before its labels are saved
    // or its task moved, so a killed run is finished by the next one without calling those handlers
    // again or saving/moving anything twice. true: .encord-agents/journal/<projectHash>.jsonl next to
    // this config; a path (relative to this config); false: off (flag: --no-journal). Default: true.
    journal: true,
    // Only process tasks matching these filters (flags: --data-title, --data-hash, --assignee,
    // --status). Default: every task of the stage.
    filters: {
      dataTitleContains: '.jpg',
      dataHashes: ['00000000-0000-4000-8000-00000000d001'],
      assignees: ['annotator@example.com'],
      statuses: ['NEW', 'RELEASED'],
    },
  },

  // Your own checks, after the built-in ones (stages exist and are agent stages, declared pathways
  // and ontology features exist, no dependency cycle) and before anything is fetched or moved.
  // Throw, or return a message or a list of messages, to stop with exit code 2.
  // Also run by `encord-agents validate`.
  validate: ({ project, agents }) => {
    if (!project.title.startsWith('[prod]') && agents.length > 1)
      return 'multi-agent configs only run on [prod] projects'
  },
})
