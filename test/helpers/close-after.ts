import { afterEach } from 'vitest'

/** Anything a test opens and must close: an emulator environment, a runner, a client. */
export interface Closable {
  close(): Promise<unknown>
}

/**
 * Closes what each test opens after it, passing or failing, newest first (a runner before the
 * emulator it talks to). Call once at the top of a test file; wrap what a test opens in the function
 * it returns: `const e = open(await startRunnerEnv())`.
 */
export function closeAfterEach(): <T extends Closable>(resource: T) => T {
  const opened: Closable[] = []
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close()
  })
  return (resource) => {
    opened.push(resource)
    return resource
  }
}
