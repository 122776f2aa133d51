import type { LabelRowMetadata } from '../../../encord/types.js'
import { defineDependency, makeFactory } from '../dependency.js'
import type { StageLabelRowMetadataOptions } from '../types.js'
import { batchMetadata } from './metadata.js'

/** Options of `labelRowMetadata()`. */
export interface LabelRowMetadataDepOptions {
  /** Include the storage item's client metadata (`clientMetadata`). @default false */
  includeClientMetadata?: boolean
  /** Include per-image data of image groups (`images_data`). @default false */
  includeImagesData?: boolean
  /** Include child data units. @default false */
  includeChildren?: boolean
  /** The label branch. @default the task's branch (`main`) */
  branchName?: string
}

/**
 * The task's label row metadata (label hash, data type, dimensions, priority, workflow node,
 * storage item uuid...) without loading the labels. The whole batch shares ONE `labelrowmetadata`
 * request with the other built-ins.
 */
export const labelRowMetadata = makeFactory<LabelRowMetadataDepOptions, LabelRowMetadata>(
  'labelRowMetadata',
  (options) => {
    const include: StageLabelRowMetadataOptions = {
      includeClientMetadata: options?.includeClientMetadata,
      includeImagesData: options?.includeImagesData,
      includeChildren: options?.includeChildren,
    }
    return defineDependency<LabelRowMetadata, {}, LabelRowMetadata>({
      name: 'labelRowMetadata()',
      labelRowMetadata: include,
      resolveMany: (ctx) => batchMetadata(ctx, options?.branchName),
      resolve: ({ batch }) => batch,
    })
  },
)
