import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'

/** What the emulator's client-side specs share: the test key, its user, and closing what a test opened. */

export const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
export const users = [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }]

type Closable = { close(): Promise<void> } | { stop(): Promise<void> }

/** A list to push emulators and clients on: closed after each test (and after the file), last first. */
export function closedAfterEach(): Closable[] {
  const open: Closable[] = []
  const closeAll = async (): Promise<void> => {
    for (const x of open.splice(0).reverse()) await ('close' in x ? x.close() : x.stop())
  }
  afterEach(closeAll)
  afterAll(closeAll)
  return open
}

/** What the SDK's get of label rows sends besides `get_signed_url`. */
export const GET_ROWS = {
  multi_request: true,
  include_object_feature_hashes: null,
  include_classification_feature_hashes: null,
  include_reviews: false,
  include_export_history: false,
  include_archived: false,
}
