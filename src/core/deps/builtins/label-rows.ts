import type { LabelRowDict, LabelRowMetadata } from '../../../encord/types.js'
import { stableKey } from '../dependency.js'
import { memoize } from '../resolver.js'
import type { BatchContext, BatchValues } from '../types.js'

/** How label rows are fetched (legacy `labelrow` GET options). */
export interface LabelRowFetchOptions {
  /** Ask for signed URLs of the media in the label row. @default false */
  includeSignedUrl?: boolean
  /** Only labels of these object feature hashes. */
  includeObjectFeatureHashes?: string[]
  /** Only labels of these classification feature hashes. */
  includeClassificationFeatureHashes?: string[]
  /** Include label reviews. @default false */
  includeReviews?: boolean
}

/** A label row of the batch, loaded but not yet parsed. */
export interface LoadedLabelRow {
  metadata: LabelRowMetadata
  dict: LabelRowDict
}

/**
 * Load the label rows of the batch in bundles: rows that exist with one `labelrow` GET, rows that do
 * not exist yet created with one `labelrow` PUT per branch (the client splits at the API's limit).
 * In a dry run nothing is created: an empty row is built locally instead.
 */
export function loadLabelRows(
  ctx: BatchContext,
  projectHash: string,
  metadata: BatchValues<LabelRowMetadata | null>,
  options: LabelRowFetchOptions = {},
): Promise<BatchValues<LoadedLabelRow | null>> {
  const key = `labelRows:${projectHash}:${stableKey(options)}:${metadata.map((m) => (m instanceof Error || m === null ? '-' : `${m.dataHash}/${m.branchName}`)).join(',')}`
  return memoize(ctx.batchCache, key, async () => {
    const existing: LabelRowMetadata[] = []
    const missing = new Map<string, LabelRowMetadata[]>()
    for (const meta of metadata) {
      if (meta instanceof Error || meta === null) continue
      if (meta.labelHash !== null) existing.push(meta)
      else {
        const list = missing.get(meta.branchName) ?? []
        list.push(meta)
        missing.set(meta.branchName, list)
      }
    }
    const byLabelHash = new Map<string, LabelRowDict>()
    const byDataHash = new Map<string, LabelRowDict>()
    const requests: Array<Promise<void>> = []
    const labelHashes = [...new Set(existing.map((m) => m.labelHash as string))]
    if (labelHashes.length > 0) {
      requests.push(
        ctx.client
          .getLabelRows(projectHash, labelHashes, {
            includeSignedUrl: options.includeSignedUrl,
            includeObjectFeatureHashes: options.includeObjectFeatureHashes,
            includeClassificationFeatureHashes: options.includeClassificationFeatureHashes,
            includeReviews: options.includeReviews,
          })
          .then((rows) => {
            for (const row of rows) if (typeof row.label_hash === 'string') byLabelHash.set(row.label_hash, row)
          }),
      )
    }
    for (const [branch, metas] of missing) {
      const dataHashes = [...new Set(metas.map((m) => m.dataHash))]
      if (ctx.dryRun) {
        for (const meta of metas) byDataHash.set(`${branch}:${meta.dataHash}`, emptyLabelRowDict(meta))
        continue
      }
      requests.push(
        ctx.client
          .createLabelRows(projectHash, dataHashes, { branchName: branch, includeSignedUrl: options.includeSignedUrl })
          .then((rows) => {
            for (const row of rows)
              if (typeof row.data_hash === 'string') byDataHash.set(`${branch}:${row.data_hash}`, row)
          }),
      )
    }
    await Promise.all(requests)
    return metadata.map((meta) => {
      if (meta instanceof Error || meta === null) return meta
      const dict =
        meta.labelHash !== null
          ? byLabelHash.get(meta.labelHash)
          : byDataHash.get(`${meta.branchName}:${meta.dataHash}`)
      if (dict === undefined) {
        return new Error(`The label row of "${meta.dataTitle}" (${meta.dataHash}) was not returned by Encord.`)
      }
      // A created row carries its new label hash: keep the metadata in step with it.
      const labelHash = typeof dict.label_hash === 'string' ? dict.label_hash : meta.labelHash
      return { metadata: labelHash === meta.labelHash ? meta : { ...meta, labelHash }, dict }
    })
  })
}

/**
 * An empty label row in the save format, built from its metadata (dry runs do not create rows on the
 * server). It has no label hash, so it can never be saved.
 */
export function emptyLabelRowDict(meta: LabelRowMetadata): LabelRowDict {
  const dataType = meta.dataType.toLowerCase()
  return {
    label_hash: null,
    branch_name: meta.branchName,
    created_at: null,
    last_edited_at: null,
    dataset_hash: meta.datasetHash,
    dataset_title: meta.datasetTitle,
    data_title: meta.dataTitle,
    data_hash: meta.dataHash,
    data_type: dataType,
    data_units: {
      [meta.dataHash]: {
        data_hash: meta.dataHash,
        data_title: meta.dataTitle,
        data_link: meta.dataLink,
        data_type: meta.fileType ?? '',
        data_sequence: 0,
        width: meta.width,
        height: meta.height,
        // Images hold one frame of labels; frame-based media (video, DICOM...) a map frame → labels.
        labels: dataType === 'image' || dataType === 'img_group' ? { objects: [], classifications: [] } : {},
        ...(dataType === 'video' ? { data_fps: meta.fps, data_duration: meta.duration } : {}),
      },
    },
    object_answers: {},
    classification_answers: {},
    object_actions: {},
    label_status: meta.labelStatus,
    annotation_task_status: null,
    is_valid: true,
    spaces: {},
  }
}
