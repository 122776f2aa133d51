import { describe, fail } from '../../shared/error-catalogue/index.js'
import type { UserError } from '../../shared/errors.js'
import { depsOf, toDependency } from './dependency.js'
import type { Dependency, DepsRecord, StageLabelRowMetadataOptions } from './types.js'

/** One dependency of an agent's graph. */
export interface DependencyNode {
  dep: Dependency<unknown, unknown>
  /** A readable name: the dependency's own name, else the first `deps` path it was found at. */
  label: string
  /** Its own deps, by key, already normalised. */
  children: Array<{ key: string; node: DependencyNode }>
}

/** The dependency graph of one agent: every node once, in an order where deps come first. */
export interface DependencyGraph {
  /** The agent's top-level `deps`, by key. */
  roots: Array<{ key: string; node: DependencyNode }>
  /** Every node once, dependencies before their dependents. */
  order: DependencyNode[]
  /** Label row listing options requested by the nodes (merged). */
  labelRowMetadata: StageLabelRowMetadataOptions
}

/** A problem found while walking a graph. */
export interface DependencyGraphProblem {
  code: 'DependencyCycle' | 'InvalidDependency' | 'RunScopeDependsOnTask'
  message: string
  hint?: string
  location?: string
}

/**
 * Walk a `deps` record to any depth. Problems (cycles, entries that are not dependencies, a run-scoped
 * dependency that needs a task-scoped one) are collected, not thrown, so `validate` can list them all.
 */
export function inspectDependencyGraph(
  deps: DepsRecord | undefined,
  ownerLabel = 'handler',
): { graph?: DependencyGraph; problems: DependencyGraphProblem[] } {
  const problems: DependencyGraphProblem[] = []
  const nodes = new Map<Dependency<unknown, unknown>, DependencyNode>()
  const state = new Map<Dependency<unknown, unknown>, 'visiting' | 'done'>()
  const order: DependencyNode[] = []
  const stack: DependencyNode[] = []
  const reportedCycles = new Set<string>()

  const visit = (value: unknown, key: string, path: string): DependencyNode | undefined => {
    let dep: Dependency<unknown, unknown>
    try {
      dep = toDependency(value, path)
    } catch (error) {
      problems.push({
        code: 'InvalidDependency',
        message: (error as UserError).message,
        hint: (error as UserError).hint,
      })
      return undefined
    }
    let node = nodes.get(dep)
    if (node === undefined) {
      node = { dep, label: dep.name !== '' ? dep.name : key, children: [] }
      nodes.set(dep, node)
    }
    const seen = state.get(dep)
    if (seen === 'done') return node
    if (seen === 'visiting') {
      const start = stack.indexOf(node)
      const cycle = [...stack.slice(start), node]
      const names = cycle.map((n) => n.label)
      const id = [...names.slice(0, -1)].sort().join('|')
      if (!reportedCycles.has(id)) {
        reportedCycles.add(id)
        const where = cycle
          .slice(0, -1)
          .map((n) => (n.dep.location !== undefined ? `  ${n.label} (${n.dep.location})` : `  ${n.label}`))
        problems.push({ ...describe('DependencyCycle', { names, where }), location: node.dep.location })
      }
      return node
    }
    state.set(dep, 'visiting')
    stack.push(node)
    let record: DepsRecord = {}
    try {
      record = depsOf(dep)
    } catch (error) {
      problems.push({
        ...describe('InvalidDependency.depsThrew', { path, error: (error as Error).message }),
        location: dep.location,
      })
    }
    node.children = []
    for (const [childKey, childValue] of Object.entries(record)) {
      const child = visit(childValue, childKey, `${path}.deps.${childKey}`)
      if (child === undefined) continue
      node.children.push({ key: childKey, node: child })
      if (dep.scope === 'run' && child.dep.scope === 'task') {
        problems.push({
          ...describe('RunScopeDependsOnTask', { dependent: node.label, dependency: child.label }),
          location: dep.location,
        })
      }
    }
    stack.pop()
    state.set(dep, 'done')
    order.push(node)
    return node
  }

  const roots: Array<{ key: string; node: DependencyNode }> = []
  for (const [key, value] of Object.entries(deps ?? {})) {
    const node = visit(value, key, `${ownerLabel}.deps.${key}`)
    if (node !== undefined) roots.push({ key, node })
  }
  if (problems.length > 0) return { problems }
  return {
    graph: { roots, order, labelRowMetadata: mergeLabelRowMetadata(order.map((n) => n.dep.labelRowMetadata)) },
    problems,
  }
}

/**
 * Check an agent's (or a deps record's) dependency graph and return it; throws a UserError naming
 * every cycle and bad entry. The config loader calls it at load time.
 *
 * @example
 * ```ts
 * checkDependencyGraph(defineAgent({ deps: { a }, handler }))   // throws "Dependency cycle: a → b → a"
 * ```
 */
export function checkDependencyGraph(
  agentOrDeps: { deps?: DepsRecord; location?: string } | DepsRecord,
): DependencyGraph {
  const isAgent = typeof (agentOrDeps as { handler?: unknown }).handler === 'function'
  const deps = isAgent ? (agentOrDeps as { deps?: DepsRecord }).deps : (agentOrDeps as DepsRecord)
  const { graph, problems } = inspectDependencyGraph(deps)
  if (graph === undefined || problems.length > 0) {
    const first = problems[0]
    const messages = problems.map((p) => p.message)
    throw fail(
      `${first.code}.listed`,
      { messages, hint: first.hint },
      {
        location: first.location ?? (isAgent ? (agentOrDeps as { location?: string }).location : undefined),
        data: { problems },
      },
    )
  }
  return graph
}

/** Merge label row listing options: include flags are OR-ed; the first branch named wins. */
export function mergeLabelRowMetadata(
  list: Array<StageLabelRowMetadataOptions | undefined>,
): StageLabelRowMetadataOptions {
  const merged: StageLabelRowMetadataOptions = {}
  for (const options of list) {
    if (options === undefined) continue
    for (const key of [
      'includeClientMetadata',
      'includeImagesData',
      'includeChildren',
      'includeAllLabelBranches',
    ] as const) {
      if (options[key] === true) merged[key] = true
    }
    if (options.includeWorkflowGraphNode === false && merged.includeWorkflowGraphNode === undefined)
      merged.includeWorkflowGraphNode = false
    if (options.includeWorkflowGraphNode === true) merged.includeWorkflowGraphNode = true
    if (options.branchName != null && merged.branchName == null) merged.branchName = options.branchName
  }
  return merged
}
