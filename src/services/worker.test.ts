import { describe, expect, it } from 'vitest'
import { createTheme } from '../ui/theme.js'
import { formatWorkerSummary, type WorkerCommandResult } from './worker.js'

describe('formatWorkerSummary', () => {
  it('shows the run summary columns plus retried, replayed and gone (gone + stale), then the failed jobs', () => {
    const stage = {
      uuid: 'u1',
      title: 'Agent 1',
      queue: 'q1',
      processed: 5,
      moved: { complete: 3, 'needs review': 1 },
      stayed: 0,
      failed: 1,
      retried: 2,
      gone: 1,
      stale: 1,
      replayed: 0,
      errors: [{ taskUuid: 't1', dataTitle: 'x.png', code: 'HandlerError', message: 'boom' }],
    }
    const result = {
      projectHash: 'p',
      concurrency: 2,
      durationMs: 5,
      interrupted: false,
      stoppedBecause: 'empty',
      redis: 'redis://127.0.0.1:6379',
      stages: [
        stage,
        {
          ...stage,
          uuid: 'u2',
          title: 'Agent 2',
          queue: 'q2',
          processed: 0,
          moved: {},
          stayed: 2,
          failed: 0,
          retried: 0,
          gone: 0,
          stale: 0,
          replayed: 3,
          errors: [],
        },
      ],
    } as WorkerCommandResult
    const lines = formatWorkerSummary(result, createTheme(false)).split('\n')
    expect(lines[1]).toBe('│ Stage   │ Processed │ Moved           │ Stayed │ Failed │ Retried │ Replayed │ Gone │')
    expect(lines[3]).toBe('│ Agent 1 │ 5         │ complete: 3     │ 0      │ 1      │ 2       │ 0        │ 2    │')
    expect(lines[4]).toBe('│         │           │ needs review: 1 │        │        │         │          │      │')
    expect(lines[6]).toBe('│ Agent 2 │ 0         │ 0               │ 2      │ 0      │ 0       │ 3        │ 0    │')
    expect(lines).toContain('Failed jobs (latest 1):')
    expect(lines).toContain('  ✖ Agent 1 / x.png (t1): HandlerError: boom')
  })
})
