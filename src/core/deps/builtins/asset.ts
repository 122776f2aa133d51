import { fail } from '../../../shared/error-catalogue/index.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import type { EncordApi } from '../../../encord/types.js'
import { defineDependency, makeFactory } from '../dependency.js'
import { storageItem, type TaskStorageItem } from './storage-item.js'

/** The task's media, downloaded to a temporary file that is removed after the task. */
export interface Asset {
  /** Absolute path of the downloaded file. */
  path: string
  /** The media type Encord reports (or the server sent). */
  mimeType: string | null
  /** Size in bytes. */
  bytes: number
  /** The storage item the media belongs to. */
  item: TaskStorageItem
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/bmp': '.bmp',
  'image/tiff': '.tiff',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'audio/mpeg': '.mp3',
  'audio/wav': '.wav',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
}

/** A file suffix from the media type, else the URL, else the item name (as encord-agents does). */
function suffixFor(item: Pick<TaskStorageItem, 'name' | 'mimeType'>, url: string): string {
  if (item.mimeType !== null && EXTENSIONS[item.mimeType] !== undefined) return EXTENSIONS[item.mimeType]
  try {
    const fromUrl = extname(new URL(url).pathname)
    if (/^\.[a-z0-9]{1,5}$/i.test(fromUrl)) return fromUrl
  } catch {
    // not a URL we can parse: fall through
  }
  const fromName = extname(item.name)
  return /^\.[a-z0-9]{1,5}$/i.test(fromName) ? fromName : ''
}

/**
 * Download media to a file in a fresh temporary folder, named after the item (with a suffix from its
 * media type, URL or name). The caller removes the folder with {@link removeDownload}.
 */
export async function downloadToTemp(
  client: EncordApi,
  item: Pick<TaskStorageItem, 'uuid' | 'name' | 'mimeType'>,
  url: string,
  signal: AbortSignal,
): Promise<{ path: string; mimeType: string | null; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'encord-agents-asset-'))
  const path = join(dir, `${item.uuid}${suffixFor(item, url)}`)
  try {
    const { bytes, contentType } = await client.downloadToFile(url, path, { signal })
    return { path, mimeType: item.mimeType ?? contentType, bytes }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/** Remove a file made by {@link downloadToTemp}, with its folder. */
export async function removeDownload(path: string): Promise<void> {
  await rm(join(path, '..'), { recursive: true, force: true })
}

/** The item's signed URL (asked for when the batch did not bring one), or a clear error for items without media of their own. */
export async function signedUrlOf(client: EncordApi, item: TaskStorageItem): Promise<string> {
  let url = item.signedUrl
  if (url === null) url = (await client.getStorageItem(item.uuid, { signUrl: true })).signedUrl
  if (url === null) {
    throw fail('AssetUnavailable', { name: item.name, itemType: item.itemType })
  }
  return url
}

/**
 * The task's media as a local file (images, videos, audio, PDFs: items with a single file). It is
 * downloaded with the item's signed URL when the task starts and deleted when the task ends.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { asset: asset() }, handler: async ({ deps }) => detect(await readFile(deps.asset.path)) })
 * ```
 */
export const asset = makeFactory<undefined, Asset>('asset', () =>
  defineDependency({
    name: 'asset()',
    deps: { item: storageItem() },
    async resolve({ deps, client, signal }): Promise<Asset> {
      const item = deps.item
      const file = await downloadToTemp(client, item, await signedUrlOf(client, item), signal)
      return { ...file, item }
    },
    dispose: (value) => removeDownload(value.path),
  }),
)
