/**
 * encord-agents: the public API. `import { defineConfig, defineAgent, Runner } from 'encord-agents'`.
 * Only what is exported here is public; everything else may change. Other areas add their exports here
 * (label rows, the queue runner, ...).
 */
export { defineConfig } from './core/config/define.js'
export type { AgentConfig, EncordAgentsConfig, RunOptionsConfig, TaskFiltersConfig, ValidateHook, ValidateContext } from './core/config/define.js'
export { defineAgent, isAgentDefinition } from './core/agent.js'
export type { AgentDefinition, AgentSpec, AgentStageOptions, Handler, HandlerContext, HandlerResult } from './core/agent.js'
export { defineDependency } from './core/deps/dependency.js'
export { asset } from './core/deps/builtins/asset.js'
export { labelRowMetadata } from './core/deps/builtins/label-row-metadata.js'
export { ontology } from './core/deps/builtins/ontology.js'
export { storageItem } from './core/deps/builtins/storage-item.js'
export { videoFrames } from './core/deps/builtins/video-frames.js'
export { Runner } from './core/runner/runner.js'
export type { RunnerOptions, StageOptions, InlineStageOptions } from './core/runner/runner.js'
export type { RunOptions } from './core/runner/settings.js'
export type { RunEvent } from './core/runner/events.js'
export type { ValidationIssue, ValidationResult } from './core/runner/validate.js'
export { EncordAgentsError, UserError, ConnectionError, BugError, InterruptedError } from './core/errors.js'
export { ExitCode } from './core/exit-codes.js'
export type { RunResult, RunSettings, StageResult } from './core/types.js'
