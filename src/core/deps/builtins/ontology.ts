import { Ontology } from '../../../labels/ontology.js'
import { defineDependency, makeFactory } from '../dependency.js'

/**
 * The project's ontology (objects, classifications, attributes, options) as an `Ontology`, parsed
 * once per run from the project already fetched: no request.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { ontology: ontology() }, handler: ({ deps }) => deps.ontology.object('Car') ... })
 * ```
 */
export const ontology = makeFactory<undefined, Ontology>('ontology', () =>
  defineDependency({
    name: 'ontology()',
    scope: 'run',
    resolve: ({ project }) => Ontology.from(project.ontology),
  }),
)
