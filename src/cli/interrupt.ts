import { exitProcess } from '../core/runner/exit-guard.js'

/**
 * Ctrl-C handling for long commands: the first SIGINT (or SIGTERM) asks for a graceful stop through
 * `onFirst` (the command aborts its run and still prints the summary, exit 130); a second one quits at
 * once with 130. This is the one exit outside `BaseCommand.catch`: when the user insists, nothing else
 * may run first.
 */
export function installInterruptHandler(options: {
  onFirst: (signal: NodeJS.Signals) => void
  signals?: NodeJS.Signals[]
}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  let count = 0
  const handler = (signal: NodeJS.Signals): void => {
    count++
    if (count === 1) {
      options.onFirst(signal)
      return
    }
    process.stderr.write(
      '\nInterrupted again: quitting now. A rerun finishes the rest: decisions in the run journal are applied without calling their handlers again; other tasks are decided again.\n',
    )
    exitProcess(130)
  }
  for (const s of signals) process.on(s, handler)
  return () => {
    for (const s of signals) process.off(s, handler)
  }
}
