import type { EncordApi } from '../../../encord/types.js'
import { defineDependency, makeFactory } from '../dependency.js'

/**
 * The run's Encord client, signed with the run's key: the escape hatch for what an agent does beyond
 * its task (Python's `dep_client`). Read other projects (`getProject`, `listLabelRowMetadata`,
 * `getLabelRows`, `saveLabelRows`), storage items with signed URLs (`getStorageItem(uuid, { signUrl:
 * true })`), and download media (`downloadToFile`). Calls go out at once, outside the runner's batching
 * and exactly-once bookkeeping: prefer the built-in dependencies (`labelRow()`, `storageItem()`...)
 * for the task's own data, whose writes are applied with the task's decision.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { client: encordClient() }, async handler({ task, deps }) {
 *   const other = await deps.client.getProject('…other project hash…')
 *   ...
 * } })
 * ```
 */
export const encordClient = makeFactory<undefined, EncordApi>('encordClient', () =>
  defineDependency({
    name: 'encordClient()',
    scope: 'run',
    resolve: ({ client }) => client,
  }),
)
