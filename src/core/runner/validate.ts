import { describe, fail } from '../../shared/error-catalogue/index.js'
import type { EncordApi, ProjectOntology, Pathway, Project, Stage, Workflow } from '../../encord/types.js'
import type { AgentDefinition } from '../agent.js'
import { inspectDependencyGraph, type DependencyGraph } from '../deps/graph.js'
import type { DepsRecord } from '../deps/types.js'
import { UserError } from '../../shared/errors.js'
import { findPathway, unknownPathwayMessage } from './result.js'
import { closest } from '../../shared/suggest.js'

/** An agent bound to a stage (by title or UUID), as declared. */
export interface StageBinding {
  /** The stage's title or UUID, as written. */
  stage: string
  agent: AgentDefinition<DepsRecord>
  /** Where the binding was declared (config entry or `runner.stage` call). */
  location?: string
  /** Replace an earlier binding of the same stage, keeping its position. */
  overwrite: boolean
}

/** A binding matched to its stage, with its checked dependency graph. */
export interface ResolvedBinding {
  binding: StageBinding
  stage: Stage
  graph: DependencyGraph
  onFailure?: Pathway
}

/** One problem found by validation. */
export interface ValidationIssue {
  /** Permanent name: StageNotFound, StageNotAgent, DuplicateStage, StageMismatch, PathwayNotFound, OntologyMismatch, DependencyCycle, TypesStale, ... */
  code: string
  message: string
  hint?: string
  /** `file:line:column` of the declaration at fault, when known. */
  location?: string
  /** The stage as written in the binding at fault. */
  stage?: string
}

/** What `validate` returns: every issue at once. */
export interface ValidationResult {
  ok: boolean
  projectHash: string
  projectTitle: string
  /** The bindings in run order (after overwrites), with their stage when it was found. */
  stages: Array<{ stage: string; uuid?: string; title?: string; location?: string; description?: string }>
  issues: ValidationIssue[]
}

/** What the user's `validate` hook receives. */
export interface ValidateContext {
  project: Project
  ontology: ProjectOntology
  workflow: Workflow
  /** The agents in run order. */
  agents: ReadonlyArray<{ stage: string; stageUuid?: string; agent: AgentDefinition<DepsRecord>; location?: string }>
  client: EncordApi
}

/**
 * The user's own checks: throw (or reject) to fail validation with that message, or return problem
 * messages (a string or a list of strings). Nothing is returned when all is well.
 */
export type UserValidateHook = (ctx: ValidateContext) => void | string | string[] | Promise<void | string | string[]>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The project's agent stages, for the hints that list them. */
function agentStages(project: Pick<Project, 'workflow'>): Array<{ title: string; uuid: string }> {
  return project.workflow.stages.filter((s) => s.type === 'AGENT').map((s) => ({ title: s.title, uuid: s.uuid }))
}

/** The stage a binding names: by UUID (any case), else by exact title, else by title ignoring case. */
export function findStage(project: Pick<Project, 'workflow'>, ref: string): Stage | undefined {
  const stages = project.workflow.stages
  if (UUID.test(ref)) {
    const lower = ref.toLowerCase()
    const byUuid = stages.find((s) => s.uuid.toLowerCase() === lower)
    if (byUuid !== undefined) return byUuid
  }
  const exact = stages.filter((s) => s.title === ref)
  if (exact.length > 0) return exact[0]
  const folded = stages.filter((s) => s.title.toLowerCase() === ref.toLowerCase())
  return folded.length === 1 ? folded[0] : undefined
}

/**
 * Match bindings to stages: unknown stages, non-agent stages and duplicates (the same stage named
 * twice, by title or UUID, without `overwrite`) are issues. An `overwrite` replaces the earlier
 * binding and keeps its position.
 */
export function resolveStageBindings(
  project: Pick<Project, 'workflow' | 'title'>,
  bindings: readonly StageBinding[],
): { resolved: Array<{ binding: StageBinding; stage?: Stage }>; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = []
  const resolved: Array<{ binding: StageBinding; stage?: Stage }> = []
  const byUuid = new Map<string, number>()
  for (const binding of bindings) {
    const stage = findStage(project, binding.stage)
    if (stage === undefined) {
      const suggestion = closest(
        binding.stage,
        project.workflow.stages.map((s) => s.title),
      )
      issues.push({
        ...describe('StageNotFound.inProject', {
          stage: binding.stage,
          project: project.title,
          suggestion,
          agentStages: agentStages(project),
        }),
        location: binding.location,
        stage: binding.stage,
      })
      resolved.push({ binding })
      continue
    }
    if (stage.type !== 'AGENT') {
      issues.push({
        ...describe('StageNotAgent', { title: stage.title, rawType: stage.rawType, agentStages: agentStages(project) }),
        location: binding.location,
        stage: binding.stage,
      })
      resolved.push({ binding })
      continue
    }
    const earlier = byUuid.get(stage.uuid)
    if (earlier !== undefined) {
      const previous = resolved[earlier].binding
      if (binding.overwrite) {
        resolved[earlier] = { binding, stage }
        continue
      }
      issues.push({
        ...describe('DuplicateStage.sameStage', {
          title: stage.title,
          previous: previous.stage,
          previousLocation: previous.location,
          stage: binding.stage,
          location: binding.location,
        }),
        location: binding.location,
        stage: binding.stage,
      })
      continue
    }
    byUuid.set(stage.uuid, resolved.length)
    resolved.push({ binding, stage })
  }
  return { resolved, issues }
}

/**
 * The stage a run starts with, when the workflow and the agents alone find nothing wrong with the
 * bindings (each names one agent stage, none named twice; every dependency graph is sound): what a run
 * may start listing before the rest of the validation (the ontology's checks, the hooks). Undefined
 * otherwise.
 */
export function firstStageToRun(workflow: Workflow, bindings: readonly StageBinding[]): Stage | undefined {
  const { resolved, issues } = resolveStageBindings({ workflow, title: '' }, bindings)
  if (issues.length > 0) return undefined
  if (bindings.some((b) => inspectDependencyGraph(b.agent.deps).problems.length > 0)) return undefined
  return resolved[0]?.stage
}

/**
 * An agent whose `defineAgent` names a stage, bound to another one (by the config entry or
 * `runner.stage`): both name the same stage (by title or UUID), or this is a `StageMismatch`.
 */
function stageMismatch(
  project: Project,
  binding: StageBinding,
  stage: Stage,
  location: string | undefined,
): ValidationIssue | undefined {
  const own = binding.agent.stage
  if (own === undefined || own === binding.stage) return undefined
  const named = findStage(project, own)
  if (named?.uuid === stage.uuid) return undefined
  return {
    ...describe('StageMismatch', {
      agentLocation: binding.agent.location,
      own,
      stage: binding.stage,
      location: binding.location,
      project: project.title,
      ownFound: named !== undefined,
      agentStages: agentStages(project),
    }),
    location: binding.location ?? location,
    stage: binding.stage,
  }
}

/** Titles and feature hashes of the ontology's objects and classifications. */
function ontologyFeatures(ontology: ProjectOntology): {
  objects: Array<{ title: string; hash: string }>
  classifications: Array<{ title: string; hash: string }>
} {
  const structure = ontology.structure as { objects?: unknown; classifications?: unknown }
  const objects = Array.isArray(structure.objects) ? (structure.objects as Array<Record<string, unknown>>) : []
  const classifications = Array.isArray(structure.classifications)
    ? (structure.classifications as Array<Record<string, unknown>>)
    : []
  return {
    objects: objects.map((o) => ({ title: String(o.name ?? ''), hash: String(o.featureNodeHash ?? '') })),
    classifications: classifications.map((c) => {
      const attributes = Array.isArray(c.attributes) ? (c.attributes as Array<Record<string, unknown>>) : []
      return { title: String(attributes[0]?.name ?? ''), hash: String(c.featureNodeHash ?? '') }
    }),
  }
}

function checkOntology(
  ontology: ProjectOntology,
  wanted: { objects?: string[]; classifications?: string[] } | undefined,
  who: string,
  location: string | undefined,
  stage: string | undefined,
): ValidationIssue[] {
  if (wanted === undefined) return []
  const features = ontologyFeatures(ontology)
  const issues: ValidationIssue[] = []
  for (const kind of ['objects', 'classifications'] as const) {
    const available = features[kind]
    for (const name of wanted[kind] ?? []) {
      if (available.some((f) => f.title === name || f.hash === name)) continue
      const titles = available.map((f) => f.title)
      issues.push({
        ...describe('OntologyMismatch', {
          who,
          kind,
          name,
          ontology: ontology.title,
          suggestion: closest(name, titles),
          available: titles,
        }),
        location,
        stage,
      })
    }
  }
  return issues
}

/**
 * Check a project against the agents before anything runs: the project is reachable (it was fetched
 * to get here), is a workflow project with agent stages; every configured stage exists and is an
 * agent stage, named once; declared pathways (and `onFailure`) exist; declared ontology features
 * exist; dependency graphs have no cycle; dependencies' own checks pass. Then the user's hook. Every
 * issue is returned, not just the first.
 */
export async function validateProject(
  project: Project,
  bindings: readonly StageBinding[],
  userHook?: UserValidateHook,
  options: {
    client: EncordApi
  } = { client: undefined as never },
): Promise<ValidationResult & { bindings: ResolvedBinding[] }> {
  const issues: ValidationIssue[] = []
  if (project.projectType !== 'workflow') {
    issues.push(
      describe('NotAWorkflowProject.validation', { project: project.title, projectType: project.projectType }),
    )
  } else if (!project.workflow.stages.some((s) => s.type === 'AGENT')) {
    issues.push(describe('NoAgentStage', { project: project.title }))
  }
  if (bindings.length === 0) {
    issues.push(describe('NoAgents'))
  }
  const { resolved, issues: bindingIssues } = resolveStageBindings(project, bindings)
  issues.push(...bindingIssues)

  const ok: ResolvedBinding[] = []
  const validatedDeps = new Set<unknown>()
  for (const { binding, stage } of resolved) {
    const who = `The agent for stage ${JSON.stringify(binding.stage)}`
    const agentLocation = binding.agent.location ?? binding.location
    const { graph, problems } = inspectDependencyGraph(binding.agent.deps)
    for (const problem of problems)
      issues.push({ ...problem, location: problem.location ?? agentLocation, stage: binding.stage })
    issues.push(...checkOntology(project.ontology, binding.agent.ontology, who, agentLocation, binding.stage))
    if (graph !== undefined) {
      for (const node of graph.order) {
        issues.push(
          ...checkOntology(
            project.ontology,
            node.dep.requires,
            `The dependency ${node.label}`,
            node.dep.location ?? agentLocation,
            binding.stage,
          ),
        )
        if (node.dep.validate !== undefined && !validatedDeps.has(node.dep)) {
          validatedDeps.add(node.dep)
          try {
            const messages = await node.dep.validate({ project, client: options.client })
            for (const message of messages)
              issues.push({
                ...describe('DependencyInvalid', { dependency: node.label, message }),
                location: node.dep.location ?? agentLocation,
                stage: binding.stage,
              })
          } catch (error) {
            issues.push({
              ...describe('DependencyInvalid', { dependency: node.label, message: (error as Error).message }),
              location: node.dep.location ?? agentLocation,
              stage: binding.stage,
            })
          }
        }
      }
    }
    if (stage === undefined) continue
    const mismatch = stageMismatch(project, binding, stage, agentLocation)
    if (mismatch !== undefined) issues.push(mismatch)
    for (const pathway of binding.agent.pathways ?? []) {
      if (findPathway(stage, pathway) !== undefined) continue
      issues.push({
        ...describe('PathwayNotFound.declared', { who, unknown: unknownPathwayMessage(stage, pathway) }),
        location: agentLocation,
        stage: binding.stage,
      })
    }
    let onFailure: Pathway | undefined
    if (binding.agent.onFailure !== undefined) {
      onFailure = findPathway(stage, binding.agent.onFailure)
      if (onFailure === undefined) {
        issues.push({
          ...describe('PathwayNotFound.onFailure', {
            who,
            unknown: unknownPathwayMessage(stage, binding.agent.onFailure),
          }),
          location: agentLocation,
          stage: binding.stage,
        })
      }
    }
    if (graph !== undefined) ok.push({ binding, stage, graph, onFailure })
  }

  if (userHook !== undefined) {
    try {
      const returned = await userHook({
        project,
        ontology: project.ontology,
        workflow: project.workflow,
        agents: resolved.map(({ binding, stage }) => ({
          stage: binding.stage,
          stageUuid: stage?.uuid,
          agent: binding.agent,
          location: binding.location,
        })),
        client: options.client,
      })
      const messages =
        returned === undefined || returned === null ? [] : Array.isArray(returned) ? returned : [returned]
      for (const message of messages) issues.push(describe('UserValidation.returned', { message: String(message) }))
    } catch (error) {
      issues.push(describe('UserValidation.threw', { message: error instanceof Error ? error.message : String(error) }))
    }
  }

  return {
    ok: issues.length === 0,
    projectHash: project.projectHash,
    projectTitle: project.title,
    stages: resolved.map(({ binding, stage }) => ({
      stage: binding.stage,
      uuid: stage?.uuid,
      title: stage?.title,
      location: binding.location ?? binding.agent.location,
      description: binding.agent.description,
    })),
    issues,
    bindings: ok,
  }
}

/** All validation issues as one UserError (exit 2); `data.issues` keeps them structured for --json. */
export function validationError(issues: ValidationResult['issues']): UserError {
  const lines = issues.map(
    (i) =>
      `${i.location !== undefined ? `${i.location}  ` : ''}${i.message}${i.hint !== undefined ? `\n    ${i.hint}` : ''}`,
  )
  return fail(
    'ValidationFailed',
    { length: issues.length, issues: issues.length === 1 ? '' : 's', lines },
    { location: issues[0]?.location, data: { issues } },
  )
}
