import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineAgent, isAgentDefinition } from '../agent.js'
import { UserError } from '../../shared/errors.js'
import { defineDependency, isDependency, stableKey } from './dependency.js'
import { checkDependencyGraph, inspectDependencyGraph, mergeLabelRowMetadata } from './graph.js'
import { storageItem } from './builtins/storage-item.js'
import { labelRowMetadata } from './builtins/label-row-metadata.js'
import type { Dependency } from './types.js'

describe('defineDependency / defineAgent', () => {
  it('types handler deps from the deps record (no reflection)', () => {
    const threshold = defineDependency({ resolve: () => 0.5 })
    const model = defineDependency({ scope: 'run', resolve: () => ({ predict: (x: number) => x > 0.5 }) })
    const derived = defineDependency({
      deps: { threshold, model },
      resolve: ({ deps }) => deps.model.predict(deps.threshold),
    })
    const agent = defineAgent({
      deps: { threshold, derived, item: storageItem },
      handler: ({ deps }) => {
        expectTypeOf(deps.threshold).toEqualTypeOf<number>()
        expectTypeOf(deps.derived).toEqualTypeOf<boolean>()
        expectTypeOf(deps.item.clientMetadata).toEqualTypeOf<Record<string, unknown>>()
        return deps.derived ? 'yes' : undefined
      },
    })
    expect(isAgentDefinition(agent)).toBe(true)
    expect(isDependency(threshold)).toBe(true)
    expect(agent.location).toMatch(/graph\.test\.ts:\d+:\d+$/)
    expect(threshold.location).toMatch(/graph\.test\.ts:\d+:\d+$/)
  })

  it('refuses bad definitions with a UserError', () => {
    expect(() => defineAgent({} as never)).toThrow(UserError)
    expect(() => defineDependency({} as never)).toThrow(/resolve/)
    expect(() => defineDependency({ scope: 'run', resolve: () => 1, resolveMany: async () => [] } as never)).toThrow(
      /run-scoped/,
    )
  })

  it('built-in factories return one instance per options, and stand for their default when not called', () => {
    expect(storageItem()).toBe(storageItem())
    expect(labelRowMetadata({ includeClientMetadata: true })).toBe(labelRowMetadata({ includeClientMetadata: true }))
    expect(labelRowMetadata({})).toBe(labelRowMetadata())
    expect(labelRowMetadata({ includeClientMetadata: true })).not.toBe(labelRowMetadata())
    const graph = checkDependencyGraph({ a: storageItem, b: storageItem() })
    // `storageItem` and `storageItem()` are the same node: resolved once per task.
    expect(graph.order).toHaveLength(1)
    expect(graph.roots.map((r) => r.node)).toEqual([graph.order[0], graph.order[0]])
  })
})

describe('dependency graph', () => {
  it('orders dependencies before dependents and shares a node used twice', () => {
    const a = defineDependency({ name: 'a', resolve: () => 1 })
    const b = defineDependency({ name: 'b', deps: { a }, resolve: ({ deps }) => deps.a + 1 })
    const c = defineDependency({ name: 'c', deps: { a, b }, resolve: ({ deps }) => deps.a + deps.b })
    const graph = checkDependencyGraph({ c, b })
    expect(graph.order.map((n) => n.label)).toEqual(['a', 'b', 'c'])
    expect(graph.roots.map((r) => r.key)).toEqual(['c', 'b'])
  })

  it('reports a cycle naming every dependency in it', () => {
    const deps: Record<string, Dependency<number>> = {}
    const a: Dependency<number> = defineDependency({ name: 'alpha', deps: () => ({ b: deps.b }), resolve: () => 1 })
    const b: Dependency<number> = defineDependency({ name: 'beta', deps: () => ({ c: deps.c }), resolve: () => 1 })
    const c: Dependency<number> = defineDependency({ name: 'gamma', deps: () => ({ a }), resolve: () => 1 })
    Object.assign(deps, { a, b, c })
    const agent = defineAgent({ deps: { a }, handler: () => undefined })
    expect(() => checkDependencyGraph(agent)).toThrow(/Dependency cycle: alpha → beta → gamma → alpha/)
    try {
      checkDependencyGraph(agent)
    } catch (error) {
      expect(error).toBeInstanceOf(UserError)
      expect((error as UserError).code).toBe('DependencyCycle')
      expect((error as UserError).message).toMatch(/graph\.test\.ts:\d+/)
    }
  })

  it('reports a self-cycle, a non-dependency entry and a run scope needing a task scope, all at once', () => {
    const self: Dependency<number> = defineDependency({ name: 'self', deps: () => ({ self }), resolve: () => 1 })
    const perTask = defineDependency({ name: 'perTask', resolve: () => 1 })
    const perRun = defineDependency({ name: 'perRun', scope: 'run', deps: { perTask }, resolve: () => 1 })
    const { problems } = inspectDependencyGraph({
      self,
      perRun,
      oops: (() => 1) as never,
      missing: undefined as never,
    })
    expect(problems.map((p) => p.code).sort()).toEqual([
      'DependencyCycle',
      'InvalidDependency',
      'InvalidDependency',
      'RunScopeDependsOnTask',
    ])
    expect(problems.find((p) => p.code === 'DependencyCycle')?.message).toMatch(/self → self/)
    expect(problems.find((p) => p.message.includes('oops'))?.hint).toMatch(/defineDependency/)
  })

  it('merges label row listing options of the graph (flags OR-ed)', () => {
    expect(
      mergeLabelRowMetadata([
        { includeClientMetadata: true },
        { includeImagesData: true },
        undefined,
        { branchName: 'b1' },
        { branchName: 'b2' },
      ]),
    ).toEqual({
      includeClientMetadata: true,
      includeImagesData: true,
      branchName: 'b1',
    })
    const graph = checkDependencyGraph({ m: labelRowMetadata({ includeClientMetadata: true }), s: storageItem() })
    expect(graph.labelRowMetadata.includeClientMetadata).toBe(true)
  })

  it('stableKey ignores key order and undefined members', () => {
    expect(stableKey({ a: 1, b: undefined, c: { y: 1, x: 2 } })).toBe(stableKey({ c: { x: 2, y: 1 }, a: 1 }))
    expect(stableKey({})).toBe(stableKey(undefined))
  })
})
