import type { LabelRowMetadata, StorageItem } from '../../../encord/types.js'
import { defineDependency, makeFactory } from '../dependency.js'
import { memoize } from '../resolver.js'
import type { BatchContext, BatchValues, TaskEffect } from '../types.js'
import { batchMetadata } from './metadata.js'

/** Bulk request limit of `get-bulk` (wire spec §7). */
const STORAGE_BUNDLE = 1000

/**
 * The task's storage item, with a way to change it. Changes are applied with the task's decision
 * (before the task is moved), only if the handler succeeded, and never in a dry run.
 */
export interface TaskStorageItem extends StorageItem {
  /**
   * Change the item's client metadata. Merged into the current metadata (keys set to `undefined`
   * are removed) unless `replace` is true.
   * @example item.updateClientMetadata({ reviewed: true })
   */
  updateClientMetadata(metadata: Record<string, unknown>, options?: { replace?: boolean }): void
  /** Change the item's name or description. */
  update(patch: { name?: string; description?: string }): void
}

/** What `storageItem()` loads for one task. */
export interface StorageItemBatchItem {
  item: StorageItem
  metadata: LabelRowMetadata
}

/** Load the storage items of a batch: one metadata request (shared) and one `get-bulk` request. */
export function batchStorageItems(ctx: BatchContext): Promise<BatchValues<StorageItemBatchItem>> {
  return memoize(ctx.batchCache, 'storageItems', async () => {
    const metadata = await batchMetadata(ctx)
    const uuids = [
      ...new Set(
        metadata.flatMap((m) => (m instanceof Error || m.backingItemUuid === null ? [] : [m.backingItemUuid])),
      ),
    ]
    const items = new Map<string, StorageItem>()
    for (let i = 0; i < uuids.length; i += STORAGE_BUNDLE) {
      const chunk = uuids.slice(i, i + STORAGE_BUNDLE)
      const got = await ctx.client.getStorageItems(chunk, { signUrls: true })
      for (const item of got) items.set(item.uuid, item)
    }
    return metadata.map((meta, index): StorageItemBatchItem | Error => {
      if (meta instanceof Error) return meta
      const task = ctx.tasks[index]
      if (meta.backingItemUuid === null)
        return new Error(
          `The data unit "${task.dataTitle}" (${task.dataHash}) has no storage item (no backing item uuid in its label row metadata).`,
        )
      const item = items.get(meta.backingItemUuid)
      if (item === undefined)
        return new Error(
          `The storage item ${meta.backingItemUuid} of "${task.dataTitle}" was not returned by Encord (deleted, or not accessible with this key).`,
        )
      return { item, metadata: meta }
    })
  })
}

/** A fresh, mutable copy of the item for one task attempt, whose changes become effects. */
export function taskStorageItem(
  item: StorageItem,
  onCommit: (collect: () => TaskEffect | undefined) => void,
): TaskStorageItem {
  let patch: { name?: string; description?: string; clientMetadata?: Record<string, unknown> } | undefined
  const value: TaskStorageItem = {
    ...item,
    clientMetadata: structuredClone(item.clientMetadata),
    raw: item.raw,
    updateClientMetadata(metadata, options) {
      const next = options?.replace === true ? { ...metadata } : { ...value.clientMetadata, ...metadata }
      for (const [key, v] of Object.entries(next)) if (v === undefined) delete next[key]
      value.clientMetadata = next
      patch = { ...patch, clientMetadata: next }
    },
    update(change) {
      if (change.name !== undefined) value.name = change.name
      if (change.description !== undefined) value.description = change.description
      patch = { ...patch, ...change }
    },
  }
  onCommit(() =>
    patch === undefined
      ? undefined
      : { kind: 'updateStorageItem', item: { uuid: item.uuid, parent: item.parent }, patch },
  )
  return value
}

/**
 * The task's storage item (name, type, media info, parsed client metadata, signed URL), loaded for
 * the whole batch with one `get-bulk` request.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { item: storageItem() }, handler: ({ deps }) => {
 *   deps.item.updateClientMetadata({ seenByAgent: true })
 *   return deps.item.clientMetadata.priority === 'high' ? 'fast lane' : 'normal'
 * } })
 * ```
 */
export const storageItem = makeFactory<undefined, TaskStorageItem>('storageItem', () =>
  defineDependency<TaskStorageItem, {}, StorageItemBatchItem>({
    name: 'storageItem()',
    resolveMany: batchStorageItems,
    resolve: ({ batch, onCommit }) => taskStorageItem(batch.item, onCommit),
  }),
)
