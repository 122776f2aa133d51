import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkDependencyGraph,
  defineAgent,
  defineDependency,
  labelRow,
  Runner,
  storageItem,
  type AgentDefinition,
  type RunResult,
} from '../../src/index.js'
import { AGENT_STAGE_NAME, suiteProject, type SuiteProject } from './helpers/workspace.js'

/**
 * Encord's encord-agents v0.2.9 `tests/integration_tests/core/test_dependency_resolution.py`: how
 * dependencies are declared, nested, shared and resolved, with our declared `deps` records resolved by
 * the runner for the tasks of the suite's "one of each" project. Python resolves a function's
 * signature with `solve_dependencies` on the first label row; ours runs the agent on the project.
 */

let env: SuiteProject
beforeAll(async () => {
  env = await suiteProject('one-of-each')
})
afterAll(async () => {
  await env?.close()
})

/** Run `agent` on the first data unit's task (it stays in its stage). */
async function runOnFirst(agent: AgentDefinition<any>): Promise<RunResult> {
  const runner = new Runner({ projectHash: env.projectHash, client: env.client }).stage(AGENT_STAGE_NAME, agent)
  const result = await runner.run({
    numRetries: 0,
    retryDelayMs: 1,
    journal: false,
    filters: { dataHashes: [env.fixture.projects[0].dataUnits[0].dataHash] },
  })
  expect(result.stages[0].errors).toEqual([])
  expect(result.stages[0].processed).toBe(1)
  return result
}

/** Requests made by `fn`, per endpoint. */
async function requestsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = env.requestsByEndpoint()
  await fn()
  const after = env.requestsByEndpoint()
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => (v as number) > 0),
  )
}

describe('test_dependency_resolution.py', () => {
  it('test_resolve_flat: the project, the label row, a plain dependency and one with cleanup after the handler', async () => {
    const dependency1 = defineDependency({ name: 'dependency1', resolve: () => 'dependency value 1' })
    let cleanedUpWith: Record<string, string> | undefined
    // Python's generator dependency: code after `yield` runs once the function is done; ours is `dispose`.
    const dependency2 = defineDependency({
      name: 'dependency2',
      resolve: (): Record<string, string> => ({ test: 'value' }),
      dispose: (value) => void (cleanedUpWith = { ...value }),
    })
    const agent = defineAgent({
      deps: { row: labelRow(), annotated: dependency1, generated: dependency2 },
      handler: ({ project, deps }) => {
        expect(project.title).toBeTruthy()
        expect(project.projectHash).toBe(env.projectHash)
        expect(deps.row.dataTitle).toBeTruthy()
        expect(deps.annotated).toBe('dependency value 1')
        expect(deps.generated).toHaveProperty('test')
        expect(deps.generated).not.toHaveProperty('new_key')
        deps.generated.new_key = 'new_value'
      },
    })
    const graph = checkDependencyGraph(agent)
    expect(graph.roots.map((r) => r.key)).toEqual(['row', 'annotated', 'generated'])
    await runOnFirst(agent)
    expect(cleanedUpWith).toEqual({ test: 'value', new_key: 'new_value' })
  })

  it('test_resolve_nested: a dependency of a dependency of the label row', async () => {
    const child = defineDependency({ deps: { row: labelRow() }, resolve: ({ deps }) => deps.row.dataTitle })
    const parent = defineDependency({ deps: { child }, resolve: ({ deps }) => `test_resolve_nested_${deps.child}` })
    let checked = false
    await runOnFirst(
      defineAgent({
        deps: { row: labelRow(), parent },
        handler: ({ deps }) => {
          expect(deps.parent).toBe(`test_resolve_nested_${deps.row.dataTitle}`)
          checked = true
        },
      }),
    )
    expect(checked).toBe(true)
  })

  it('test_resolve_shared_resources: a dependency two others share is resolved once per task, the same object', async () => {
    let resolved = 0
    const shared = defineDependency({ resolve: (): Record<string, string> => (resolved++, {}) })
    const dependency1 = defineDependency({
      deps: { shared },
      resolve: ({ deps }) => Object.assign(deps.shared, { test1: 'value1' }),
    })
    const dependency2 = defineDependency({
      deps: { shared },
      resolve: ({ deps }) => Object.assign(deps.shared, { test2: 'value2' }),
    })
    await runOnFirst(
      defineAgent({
        deps: { dep1: dependency1, dep2: dependency2 },
        handler: ({ deps }) => {
          expect(deps.dep2).toHaveProperty('test1')
          expect(deps.dep1).toHaveProperty('test2')
          expect(deps.dep1).toBe(deps.dep2)
        },
      }),
    )
    expect(resolved).toBe(1)
  })

  it('test_depends_repr: a dependency is shown by its name', () => {
    // Python: repr(Depends(func1)) == "Depends(func1)"; ours names nodes in graphs and messages.
    const func1 = defineDependency({
      name: 'func1',
      deps: { dep1: defineDependency({ resolve: () => 1 }) },
      resolve: ({ deps }) => deps.dep1,
    })
    const graph = checkDependencyGraph({ x: func1 })
    expect(graph.roots[0].node.label).toBe('func1')
    expect(graph.roots[0].node.children[0].key).toBe('dep1')
  })

  it('test_string_annotation_forward_ref: the project comes from the context, however the handler is typed', async () => {
    // Python resolves `project: "Project"` (a string annotation); TypeScript types are erased, and the
    // context's `project` is the run's project whatever the handler's declared types.
    let seen: string | undefined
    await runOnFirst(
      defineAgent({
        handler: ({ project }: { project: { projectHash: string } }) => void (seen = project.projectHash),
      }),
    )
    expect(seen).toBe(env.projectHash)
  })

  it('test_label_row_dependency: label rows are loaded only when the handler or one of its dependencies needs one', async () => {
    const loadsRows = (r: Record<string, number>) => (r['get-label-rows'] ?? 0) + (r['create-label-rows'] ?? 0)
    expect(
      loadsRows(
        await requestsDuring(() =>
          runOnFirst(
            defineAgent({
              deps: { row: labelRow() },
              handler: ({ deps }) => void expect(deps.row.dataTitle).toBeTruthy(),
            }),
          ),
        ),
      ),
    ).toBeGreaterThan(0)
    expect(
      loadsRows(
        await requestsDuring(() =>
          runOnFirst(defineAgent({ handler: ({ project }) => void expect(project).toBeTruthy() })),
        ),
      ),
    ).toBe(0)
    const dep1 = defineDependency({ deps: { row: labelRow() }, resolve: ({ deps }) => deps.row.dataTitle })
    expect(
      loadsRows(
        await requestsDuring(() =>
          runOnFirst(defineAgent({ deps: { dep1 }, handler: ({ deps }) => void expect(deps.dep1).toBeTruthy() })),
        ),
      ),
    ).toBeGreaterThan(0)
  })

  it('test_storage_item_dependency: storage items are loaded only when the handler or one of its dependencies needs one', async () => {
    const items = (r: Record<string, number>) => (r['get-storage-items'] ?? 0) + (r['get-storage-item'] ?? 0)
    expect(
      items(
        await requestsDuring(() =>
          runOnFirst(
            defineAgent({
              deps: { item: storageItem() },
              handler: ({ deps }) => void expect(deps.item.name).toBeTruthy(),
            }),
          ),
        ),
      ),
    ).toBe(1)
    expect(items(await requestsDuring(() => runOnFirst(defineAgent({ handler: () => undefined }))))).toBe(0)
    const dep1 = defineDependency({ deps: { item: storageItem() }, resolve: ({ deps }) => deps.item.name })
    expect(
      items(
        await requestsDuring(() =>
          runOnFirst(defineAgent({ deps: { dep1 }, handler: ({ deps }) => void expect(deps.dep1).toBeTruthy() })),
        ),
      ),
    ).toBe(1)
  })

  it('test_dont_use_annotated_and_default_value_dependencies_together: a deps entry that is not a dependency is refused before any request', async () => {
    // Python refuses `Depends` given twice for one parameter; ours has one way to declare a dependency
    // (a `deps` record), and refuses an entry that is not one, naming it, when the agent is checked.
    const agent = defineAgent({ deps: { dep1: (() => 'value1') as never }, handler: () => undefined })
    expect(() => checkDependencyGraph(agent)).toThrow(
      expect.objectContaining({
        code: 'InvalidDependency',
        message: expect.stringContaining('dep1 is not a dependency (got a function)'),
      }),
    )
    const requests = await requestsDuring(async () => {
      const runner = new Runner({ projectHash: env.projectHash, client: env.client }).stage(AGENT_STAGE_NAME, agent)
      await expect(runner.run({ journal: false })).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringContaining('dep1'),
      })
    })
    expect(requests['list-tasks']).toBeUndefined()
  })
})
