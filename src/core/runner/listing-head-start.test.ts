import { describe, expect, it } from 'vitest'
import type { AgentTask, Stage, Workflow } from '../../encord/types.js'
import { defineAgent } from '../agent.js'
import { ListingHeadStart } from './listing-head-start.js'
import { firstStageToRun } from './validate.js'

const stage = (uuid: string, title: string, type: Stage['type'] = 'AGENT'): Stage => ({
  uuid,
  title,
  type,
  rawType: type,
  pathways: [],
})
const WORKFLOW: Workflow = {
  stages: [
    stage('a0000000-0000-4000-8000-000000000001', 'Annotate', 'ANNOTATION'),
    stage('a0000000-0000-4000-8000-000000000002', 'Agent 1'),
  ],
}
const AGENT = WORKFLOW.stages[1].uuid
const task = (uuid: string) => ({ uuid }) as AgentTask
const agent = defineAgent({ handler: () => 'complete' })
/** The run's first stage as the pipeline picks it, for bindings of these stages. */
const firstOf =
  (...refs: string[]) =>
  (workflow: Workflow) =>
    firstStageToRun(
      workflow,
      refs.map((stage) => ({ stage, agent, overwrite: false })),
    )

/** A listing of two pages that records what happened to it. */
function recordingListing() {
  const events: string[] = []
  const list = (stageUuid: string): AsyncIterable<AgentTask[]> =>
    (async function* () {
      events.push(`list ${stageUuid}`)
      try {
        yield [task('t1'), task('t2')]
        events.push('page 2 asked for')
        yield [task('t3')]
      } finally {
        events.push('closed')
      }
    })()
  return { events, list }
}

async function all(pages: AsyncIterable<AgentTask[]>): Promise<string[]> {
  const out: string[] = []
  for await (const page of pages) out.push(...page.map((t) => t.uuid))
  return out
}

describe('ListingHeadStart', () => {
  it('starts the stage the first binding names (title or UUID) and hands its listing over once', async () => {
    for (const ref of ['Agent 1', AGENT.toUpperCase()]) {
      const { events, list } = recordingListing()
      const head = new ListingHeadStart(firstOf(ref), list)
      head.begin(WORKFLOW)
      // The first page is asked for at once, before anybody takes the listing.
      expect(events).toEqual([`list ${AGENT}`])
      expect(head.take('another stage')).toBeUndefined()
      const pages = head.take(AGENT)!
      expect(head.take(AGENT)).toBeUndefined()
      expect(await all(pages)).toEqual(['t1', 't2', 't3'])
      expect(events).toEqual([`list ${AGENT}`, 'page 2 asked for', 'closed'])
    }
  })

  it('lists nothing for an agent whose dependency graph is refused (validation will say why)', () => {
    const { events, list } = recordingListing()
    const broken = defineAgent({ deps: { dep1: (() => 'value1') as never }, handler: () => undefined })
    const head = new ListingHeadStart(
      (workflow) =>
        firstStageToRun(workflow, [{ stage: 'Agent 1', agent: broken as unknown as typeof agent, overwrite: false }]),
      list,
    )
    head.begin(WORKFLOW)
    expect(events).toEqual([])
  })

  it('lists nothing when the workflow already refuses the bindings (unknown, not an agent stage, named twice)', () => {
    for (const refs of [['Nope'], ['Annotate'], ['Agent 1', 'Nope'], ['Agent 1', AGENT], []]) {
      const { events, list } = recordingListing()
      const head = new ListingHeadStart(firstOf(...refs), list)
      head.begin(WORKFLOW)
      expect(events).toEqual([])
      expect(head.take(AGENT)).toBeUndefined()
    }
  })

  it('cancel closes a listing nobody took, once its first page is in; nothing starts afterwards', async () => {
    const { events, list } = recordingListing()
    const head = new ListingHeadStart(firstOf('Agent 1'), list)
    head.begin(WORKFLOW)
    head.cancel()
    expect(head.take(AGENT)).toBeUndefined()
    await new Promise((resolve) => setImmediate(resolve))
    expect(events).toEqual([`list ${AGENT}`, 'closed'])
    head.begin(WORKFLOW)
    expect(events).toEqual([`list ${AGENT}`, 'closed'])
  })

  it('a first page that failed is the reader’s error, and no unhandled rejection when nobody reads it', async () => {
    const failing = (): AsyncIterable<AgentTask[]> =>
      (async function* () {
        yield await Promise.reject<AgentTask[]>(new Error('listing failed'))
      })()
    const taken = new ListingHeadStart(firstOf('Agent 1'), failing)
    taken.begin(WORKFLOW)
    await expect(all(taken.take(AGENT)!)).rejects.toThrow('listing failed')
    // Never taken: cancelled; the rejection is handled (vitest fails the file on an unhandled one).
    const dropped = new ListingHeadStart(firstOf('Agent 1'), failing)
    dropped.begin(WORKFLOW)
    dropped.cancel()
    await new Promise((resolve) => setImmediate(resolve))
  })
})
