import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runOptionFlags, runOptionFlagsOf, runOverridesFromFlags } from '../../cli/flags.js'
import { thrown } from '../../../test/helpers/thrown.js'
import {
  DEFAULT_RUN_SETTINGS,
  declaredRunOptions,
  MAX_TIMER_MS,
  RunOptionsSchema,
  TaskFiltersSchema,
} from './options.js'
import { configReferenceTable, TABLE_BEGIN, TABLE_END } from './reference.js'
import { resolveRunSettings } from './resolve.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')

describe('run options are declared once (options.ts) and everything else is derived', () => {
  it("README.md's config table is the one the declaration gives (rewrite it with `npm run docs:config`)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const begin = readme.indexOf(TABLE_BEGIN)
    const end = readme.indexOf(TABLE_END)
    expect(begin, `README.md has no ${TABLE_BEGIN} block`).toBeGreaterThanOrEqual(0)
    const inReadme = readme
      .slice(begin + TABLE_BEGIN.length, end)
      .trim()
      .split('\n')
    expect(inReadme).toEqual(configReferenceTable())
  })

  it('every option has a doc, and every run option a flag (the filters by their fields)', () => {
    const declared = declaredRunOptions()
    const expected = [
      ...Object.keys(RunOptionsSchema.shape).filter((k) => k !== 'filters'),
      ...Object.keys(TaskFiltersSchema.shape).map((k) => `filters.${k}`),
    ]
    expect(declared.map((o) => o.path.join('.')).sort()).toEqual(expected.sort())
    for (const option of declared) {
      expect(option.doc?.summary, option.path.join('.')).toBeTruthy()
      expect(runOptionFlags[option.doc.flag!.name], option.path.join('.')).toBeDefined()
    }
  })

  it('the flags take their bounds from the declaration: durations stop at the longest timer Node keeps', () => {
    const flag = (name: string) =>
      runOptionFlags[name] as unknown as {
        min?: number
        max?: number
        type: string
        multiple?: boolean
        allowNo?: boolean
      }
    expect(flag('task-timeout')).toMatchObject({ type: 'option', min: 1, max: MAX_TIMER_MS })
    // refreshEvery is `> 0` seconds (fractions allowed in the config); its flag takes whole seconds.
    expect(flag('refresh-every')).toMatchObject({ min: 1, max: Math.floor(MAX_TIMER_MS / 1000) })
    expect(flag('num-retries')).toMatchObject({ min: 0 })
    expect(flag('num-retries').max).toBeUndefined()
    expect(flag('concurrency')).toMatchObject({ min: 1 })
    expect(flag('dry-run')).toMatchObject({ type: 'boolean', allowNo: true })
    expect(flag('journal')).toMatchObject({ type: 'boolean', allowNo: true })
    expect(flag('status')).toMatchObject({ multiple: true, helpGroup: 'TASK FILTER' })
  })

  it('flag summaries carry the declared default once; a command with its own default says only that one', () => {
    expect((runOptionFlags['task-batch-size'] as { summary?: string }).summary).toBe(
      `Tasks fetched, decided and flushed together (default ${DEFAULT_RUN_SETTINGS.taskBatchSize}).`,
    )
    expect((runOptionFlags['refresh-every'] as { summary?: string }).summary).toContain(
      '(default: run once; at most 2147483)',
    )
    const enqueue = runOptionFlagsOf(['refresh-every'], {
      'refresh-every': 'Seconds between passes with --watch (default 60).',
    })
    expect((enqueue['refresh-every'] as { summary?: string }).summary).toBe(
      'Seconds between passes with --watch (default 60).',
    )
    expect(enqueue['refresh-every']).toMatchObject({ min: 1, max: Math.floor(MAX_TIMER_MS / 1000) })
  })

  it('flags become a layer over the config (filters by field), resolved by the one resolver', () => {
    const layer = runOverridesFromFlags({
      'task-batch-size': 20,
      status: ['NEW'],
      journal: false,
      verbose: true,
      'data-title': undefined,
    })
    expect(layer).toEqual({ taskBatchSize: 20, journal: false, filters: { statuses: ['NEW'] } })
    expect(
      resolveRunSettings(
        { taskBatchSize: 5, concurrency: 2, filters: { dataTitleContains: 'cat', statuses: ['RELEASED'] } },
        layer,
      ),
    ).toEqual({
      ...DEFAULT_RUN_SETTINGS,
      taskBatchSize: 20,
      concurrency: 2,
      journal: false,
      filters: { dataTitleContains: 'cat', statuses: ['NEW'] },
    })
  })

  it('the resolver refuses durations past the bound, naming each option and its bound (exit 2)', () => {
    const e = thrown(() => resolveRunSettings({ taskTimeout: MAX_TIMER_MS + 1, refreshEvery: 3_000_000 }))
    expect(e.code).toBe('InvalidRunSettings')
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain('taskTimeout: Must be at most 2147483647 ms')
    expect(e.message).toContain('refreshEvery: Must be at most 2147483 seconds')
    expect(resolveRunSettings({ taskTimeout: MAX_TIMER_MS, refreshEvery: 2_147_483 })).toMatchObject({
      taskTimeout: MAX_TIMER_MS,
      refreshEvery: 2_147_483,
    })
  })
})
