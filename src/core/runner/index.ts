/** The runner engine: run agents on a project's agent stages. */
export { Runner } from './runner.js'
export type { InlineStageOptions, RunnerOptions, StageOptions, ValidateOptions } from './runner.js'
export type { RunOptions } from './settings.js'
export { resolveRunSettings } from './settings.js'
export { PreparedRun, prepareRun, inspectProject } from './pipeline.js'
export type { StartOptions, PrepareRunInput, InspectedProject } from './pipeline.js'
export type { RunEvent, RunEventType, EventStage, EventTask } from './events.js'
export { NonRetryableError, HandlerResultError, TaskTimeoutError } from './errors.js'
export { validateProject, validationError, resolveStageBindings, findStage } from './validate.js'
export type {
  StageBinding,
  ValidateContext,
  ValidationIssue,
  ValidationResult,
  UserValidateHook,
  ResolvedBinding,
} from './validate.js'
export { interpretHandlerResult, findPathway } from './result.js'
export type { TaskDecision } from './result.js'
