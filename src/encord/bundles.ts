/** How many items go into one request, and smaller bundles when Encord refuses a big one. */
import { EncordInvalidArgumentsError } from './errors.js'

/**
 * How many items go into one request. Defaults are the Python SDK's (and its task runner's).
 * @see docs/encord-api.md for why each value.
 */
export interface BundleLimits {
  /** Actions per `…/actions` POST. @default 1000 */
  proceed: number
  /** Label hashes per `labelrow` GET. @default 1000 */
  labelRowsGet: number
  /** Data hashes per `labelrow` PUT (create). @default 1000 */
  labelRowsCreate: number
  /** Label rows per `labelrow` POST (save); the SDK runner uses min(100, batch). @default 100 */
  labelRowsSave: number
  /** Pairs per `priorities` POST. @default 100 */
  priorities: number
  /** Item uuids per `get-bulk` POST. @default 1000 */
  storageGetBulk: number
  /** Data hashes per `labelrowmetadata` GET. @default 1000 */
  metadataDataHashes: number
  /**
   * Data hashes per task-listing GET: they travel in the URL (≈50 bytes each), and servers commonly
   * refuse request lines over 8 KiB. @default 100
   */
  taskFilterDataHashes: number
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  proceed: 1000,
  labelRowsGet: 1000,
  labelRowsCreate: 1000,
  labelRowsSave: 100,
  priorities: 100,
  storageGetBulk: 1000,
  metadataDataHashes: 1000,
  taskFilterDataHashes: 100,
}

/** Run `fn` over bundles; when Encord answers `MULTI_LABEL_LIMIT_ERROR` or 413, use smaller bundles. */
export async function bundled<T>(items: T[], size: number, fn: (bundle: T[]) => Promise<void>): Promise<void> {
  let limit = size
  let i = 0
  while (i < items.length) {
    const bundle = items.slice(i, i + limit)
    try {
      await fn(bundle)
      i += bundle.length
    } catch (error) {
      if (error instanceof EncordInvalidArgumentsError && bundle.length > 1) {
        if (error.maximumLabelsAllowed !== null && error.maximumLabelsAllowed < bundle.length) {
          limit = Math.max(1, error.maximumLabelsAllowed)
          continue
        }
        if (error.httpStatus === 413) {
          limit = Math.ceil(bundle.length / 2)
          continue
        }
      }
      throw error
    }
  }
}
