import { rephraseNotFound, seg, type ApiChannel } from './api-channel.js'
import { V2Ontology, V2Project } from './models.js'
import { toStage } from './to-model.js'
import type { OpenedProject, Project, ProjectOntology } from './types.js'

/**
 * The project as soon as its own request answers, and its ontology, requested at once (two requests,
 * the second after the first): a run starts listing while the ontology is on its way.
 */
export async function openProject(api: ApiChannel, projectHash: string): Promise<OpenedProject> {
  let wire: V2Project
  try {
    wire = await api.v2Json('getProject', 'GET', `projects/${seg(projectHash)}`, V2Project)
  } catch (error) {
    throw rephraseNotFound(
      error,
      `Project ${projectHash} was not found`,
      "Check the project hash (the uuid in the project URL of the Encord app), that the key's user is a member of the project, and that ENCORD_DOMAIN is the deployment the project lives on (US: https://api.us.encord.com).",
    )
  }
  const ontology = api.v2Json('getOntology', 'GET', `ontologies/${seg(wire.ontologyHash)}`, V2Ontology).then(
    (o): ProjectOntology => ({
      ontologyHash: o.ontologyUuid,
      title: o.title,
      description: o.description,
      structure: o.editor,
      createdAt: o.createdAt,
      lastEditedAt: o.lastEditedAt,
    }),
    (error: unknown) => {
      throw rephraseNotFound(
        error,
        `The ontology ${wire.ontologyHash} of project ${projectHash} was not found`,
        "Check that the key's user can see the project's ontology.",
      )
    },
  )
  // Awaited by the caller when it needs it; a caller that stops first leaves no unhandled rejection.
  ontology.catch(() => undefined)
  return {
    project: {
      projectHash: wire.projectHash,
      title: wire.title,
      description: wire.description,
      projectType: wire.projectType,
      status: wire.status,
      ontologyHash: wire.ontologyHash,
      workflow: { stages: (wire.workflow?.stages ?? []).map(toStage) },
      userRole: wire.userRole ?? null,
      createdAt: wire.createdAt,
      lastEditedAt: wire.lastEditedAt,
    },
    ontology,
  }
}

/** The project with its ontology, keys in `getProject`'s order. */
export function withOntology(project: Omit<Project, 'ontology'>, ontology: ProjectOntology): Project {
  const { workflow, userRole, createdAt, lastEditedAt, ...head } = project
  return { ...head, ontology, workflow, userRole, createdAt, lastEditedAt }
}

/**
 * Iterations started ahead of their reader (`prefetchTasks`): `start` begins one now (its first step
 * runs at once) under a key; the next `take` of that key continues it instead of starting another.
 */
export class Prefetched<T> {
  readonly #started = new Map<string, AsyncGenerator<T>>()

  start(key: string, iterate: () => AsyncGenerator<T>): { cancel(): void } {
    const source = iterate()
    const first = source.next()
    // Read later (or never, once cancelled): a failure is the reader's, not an unhandled rejection.
    first.catch(() => undefined)
    const started = (async function* (): AsyncGenerator<T> {
      const head = await first
      if (head.done === true) return
      yield head.value
      yield* source
    })()
    this.#started
      .get(key)
      ?.return(undefined)
      .catch(() => undefined)
    this.#started.set(key, started)
    return {
      cancel: () => {
        if (this.#started.get(key) !== started) return
        this.#started.delete(key)
        source.return(undefined).catch(() => undefined)
      },
    }
  }

  take(key: string): AsyncGenerator<T> | undefined {
    const started = this.#started.get(key)
    this.#started.delete(key)
    return started
  }
}
