export { defineConfig } from './define.js'
export type {
  AgentConfig,
  EncordAgentsConfig,
  RunOptionsConfig,
  TaskFiltersConfig,
  ValidateHook,
  ValidateContext,
} from './define.js'
export { loadConfig, checkConfig, CONFIG_SEARCH_PLACES, type LoadedConfig, type LoadConfigOptions } from './load.js'
export { loadAgents, loadHandlerModule, type LoadedAgent } from './handlers.js'
export { ConfigInvalidError, type ConfigIssue } from './issues.js'
export { resolveRunSettings, resolveTarget, type RunOptionsLayer } from './resolve.js'
export { MAX_TIMER_MS, RunOptionsSchema, type ResolvedRunOptions, type RunSettings } from './options.js'
