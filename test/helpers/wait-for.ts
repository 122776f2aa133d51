/**
 * Poll `check` every `everyMs` until it holds; throw, naming `what`, once `timeoutMs` have passed.
 * For conditions a test cannot await directly (another process's output, a counter of the client).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  {
    timeoutMs = 5000,
    everyMs = 5,
    what = 'the condition',
  }: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
