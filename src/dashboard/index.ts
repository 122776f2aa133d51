/**
 * The local dashboard of the emulator: served at the emulator's root URL (`emulator start`, and
 * `run --local FIXTURE --ui`). See docs/dashboard.md.
 */
export { DASHBOARD_PREFIX, registerDashboard, type DashboardDeps } from './routes.js'
export { findDashboardAssets } from './assets.js'

/**
 * The dashboard's address for an emulator domain.
 *
 * @example dashboardUrl('http://127.0.0.1:4010') // 'http://127.0.0.1:4010/'
 */
export function dashboardUrl(domain: string): string {
  return `${domain.replace(/\/+$/, '')}/`
}

/**
 * Wait until the user stops the process (Ctrl-C or SIGTERM), e.g. to keep the dashboard up after a
 * run; the handlers are removed before the promise settles, so a later signal acts as usual.
 */
export function waitForStopSignal(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop)
      resolve(signal)
    }
    for (const s of signals) process.on(s, stop)
  })
}
