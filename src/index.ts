/**
 * encord-agents: the public API. `import { defineConfig, defineAgent, Runner } from 'encord-agents'`.
 * Only what is exported here is public; everything else may change. Other areas add their exports here
 * (the queue runner, ...).
 */

import type { EmulatorHandle, EmulatorOptions } from './emulator/index.js'
import type { Runner } from './core/runner/runner.js'
import type { RunResult } from './core/types.js'
import type { RunScriptOptions } from './cli/script-run.js'

// Config
export { defineConfig } from './core/config/define.js'
export type {
  AgentConfig,
  EncordAgentsConfig,
  RunOptionsConfig,
  TaskFiltersConfig,
  ValidateHook,
  ValidateContext,
} from './core/config/define.js'

// Agents and handlers
export { defineAgent, isAgentDefinition } from './core/agent.js'
export type {
  AgentDefinition,
  AgentSpec,
  AgentStageOptions,
  Handler,
  HandlerContext,
  HandlerResult,
  SavableLabelRow,
} from './core/agent.js'

// Dependency injection and the built-in dependencies
export {
  defineDependency,
  isDependency,
  checkDependencyGraph,
  DependencyError,
  labelRow,
  twinLabelRow,
  labelRowMetadata,
  storageItem,
  asset,
  videoFrames,
  frame,
  objectCrops,
  ontology,
  encordClient,
  taskIssues,
} from './core/deps/index.js'
export type {
  Asset,
  BatchContext,
  BatchValues,
  Dependency,
  DependencyFactory,
  DependencyGraph,
  DependencyScope,
  DepValues,
  DepsRecord,
  LabelRowDepOptions,
  LabelRowFetchOptions,
  LabelRowMetadataDepOptions,
  RunDependencySpec,
  RunResolveContext,
  StageLabelRowMetadataOptions,
  TaskDependencySpec,
  TaskEffect,
  TaskLogger,
  TaskResolveContext,
  TaskStorageItem,
  TaskIssues,
  IssueOptions,
  TwinLabelRow,
  TwinLabelRowOptions,
  VideoFrames,
  VideoFramesOptions,
  FrameOptions,
  ObjectCrop,
  ObjectCropsOptions,
} from './core/deps/index.js'

// Vision: decoded frames and crops, and image parts for the OpenAI and Anthropic APIs
export {
  Frame,
  pixelBoxOf,
  padBox,
  openaiImagePart,
  openaiInputImage,
  anthropicImagePart,
  openaiUserMessage,
  anthropicUserMessage,
} from './vision/index.js'
export type {
  PixelBox,
  EncodeOptions,
  ImageFormat,
  CropPadding,
  VideoInfo,
  VideoSelection,
  ImageInput,
  ImagePartOptions,
  OpenAIImagePart,
  OpenAIInputImage,
  AnthropicImagePart,
  OpenAIUserMessage,
  AnthropicUserMessage,
} from './vision/index.js'
/**
 * Base64 and `data:` URLs of bytes (for frames, use `frame.toBase64()` / `frame.toDataUrl()`).
 * `toBase64` is the deprecated name of `bytesToBase64`.
 */
export { bytesToBase64, toBase64, toDataUrl, sniffImageMimeType } from './labels/index.js'

// The runner
export { Runner, NonRetryableError, validateProject, resolveRunSettings } from './core/runner/index.js'
export type {
  InlineStageOptions,
  PreparedRun,
  RunnerOptions,
  RunOptions,
  StartOptions,
  RunEvent,
  RunEventType,
  EventStage,
  EventTask,
  StageBinding,
  StageOptions,
  UserValidateHook,
  ValidateOptions,
  ValidationIssue,
  ValidationResult,
} from './core/runner/index.js'

// Script mode: a Runner built in code, run with the `run` command's flags (`node agent.ts --concurrency 8`).
// The flag parser (oclif) loads on the call, so `import 'encord-agents'` stays cheap.
export type { RunScriptOptions } from './cli/script-run.js'

/**
 * Run a `Runner` as a command-line program with the flags of `encord-agents run` (`--project-hash`,
 * `--ssh-key-file`, `--domain`, `--concurrency`, `--task-batch-size`, ..., task filters, `--json`,
 * `--help`): prints the summary and sets `process.exitCode` as the CLI does (Python's `runner.run()`).
 *
 * @example
 * ```ts
 * // agent.ts — node agent.ts --project-hash <hash> --concurrency 8
 * const runner = new Runner().stage('Agent 1', defineAgent({ handler: () => 'complete' }))
 * await runScript(runner)
 * ```
 */
export async function runScript(runner: Runner, options?: RunScriptOptions): Promise<RunResult | undefined> {
  const script = await import('./cli/script-run.js')
  return script.runScript(runner, options)
}

// Write-ahead journal of decisions (exactly-once effects across crashes and redeliveries)
export { FileEffectJournal, defaultJournalPath } from './core/journal-file.js'
export type { FileEffectJournalOptions } from './core/journal-file.js'
export { MemoryEffectJournal } from './core/journal.js'
export type { EffectJournal, JournalDecision, JournalEntry } from './core/journal.js'

// Scaling out (docs/scaling-out.md): the queue-agnostic QueueRunner (task specs and completion results as
// JSON, for any queue) and the Redis journal that makes redelivered tasks safe. These modules import
// bullmq and ioredis as types only, so \`import 'encord-agents'\` loads neither; the caller brings the
// Redis connection, and the BullMQ commands (enqueue, worker) load them when they run.
export {
  QueueRunner,
  parseTaskSpec,
  serializeTaskSpec,
  taskSpecOf,
  RedisEffectJournal,
  JOURNAL_TTL_SECONDS,
} from './queue/index.js'
export type {
  QueueRunnerOptions,
  QueueAgentStage,
  WrappedHandler,
  WrappedCallOptions,
  TaskSpec,
  TaskCompletionResult,
  TaskReport,
} from './queue/index.js'
/** What became of a task handled by a QueueRunner (`TaskReport.status`); `TaskStatus` is Encord's task status. */
export type { QueueTaskStatus } from './queue/index.js'

// Errors, exit codes, results
export { EncordAgentsError, UserError, ConnectionError, BugError, InterruptedError } from './shared/errors.js'
export { ExitCode } from './shared/exit-codes.js'
export type {
  Register,
  RegisteredProject,
  IsTypedProject,
  StageTitle,
  PathwayOf,
  ObjectTitle,
  ClassificationTitle,
  ObjectFeature,
  ClassificationFeature,
} from './shared/register.js'
export type { Untyped, RegisteredOntology } from './labels/typed.js'
export type { RunResult, RunSettings, StageResult } from './core/types.js'
export { DEFAULT_RUN_SETTINGS } from './core/types.js'
export type { ResolvedRunOptions } from './core/config/options.js'

// Encord domain types and the client
export type {
  AgentTask,
  EncordApi,
  LabelRowDict,
  LabelRowMetadata,
  LabelRowMetadataOptions,
  ProjectOntology,
  Pathway,
  ProceedAction,
  ProceedResult,
  Project,
  Stage,
  StageType,
  StorageItem,
  TaskFilters,
  ListTasksOptions,
  GetProjectOptions,
  TaskStatus,
  Workflow,
} from './encord/types.js'
export { EncordClient } from './encord/client.js'
export type { EncordIssues, NewTaskIssue, TaskIssue } from './encord/issues.js'
export type { EncordClientOptions, BundleLimits } from './encord/client.js'
export { createClient } from './encord/credentials.js'
export type { CreateClientOptions } from './encord/credentials.js'
export { signRequest } from './encord/auth/sign.js'
export { parsePrivateKey, generateOpenSshKey, SigningKey } from './encord/auth/keys.js'

// Labels and ontology: every public name of the label model (src/labels/index.ts)
export {
  LabelRow,
  Ontology,
  OntologyObject,
  OntologyClassification,
  ObjectInstance,
  ClassificationInstance,
  ObjectAnnotation,
  ClassificationAnnotation,
  Option,
  RadioAttribute,
  ChecklistAttribute,
  TextAttribute,
  NumericAttribute,
  OtherAttribute,
  lowerSnake,
  Bitmask,
  encodeRleCounts,
  decodeRleCounts,
  maskToRleCounts,
  rleCountsToMask,
  framesOf,
  framesToRanges,
  formatEncordDate,
  parseEncordDate,
  LabelErrorCode,
  LABEL_ROW_FLOAT_KEYS,
  ontologySchema,
  OntologySchema,
  schemaKey,
} from './labels/index.js'
export type {
  Attribute,
  AttributeParent,
  AttributeType,
  OntologyFeature,
  OntologyInput,
  OntologyNode,
  OntologyStructureDict,
  Shape,
  SkeletonTemplate,
  SkeletonTemplatePoint,
  SetForFramesOptions,
  SetClassificationFramesOptions,
  AddClassificationOptions,
  AddObjectOptions,
  AnnotationOptions,
  AnswersInput,
  AnswerView,
  AnyObjectInstance,
  ClassificationFilter,
  DataType,
  DataUnitInfo,
  LabelRowDefaults,
  LabelRowOptions,
  ObjectAnnotationOptions,
  ObjectFilter,
  SetAnswerOptions,
  BoundingBox,
  RotatableBoundingBox,
  Point2D,
  Polygon,
  Polyline,
  Skeleton,
  SkeletonPoint,
  SkeletonPointInput,
  SkeletonVisibility,
  RawCoordinates,
  Coordinates,
  CoordinatesByShape,
  CoordinatesInput,
  CoordinatesInputByShape,
  BitmaskDict,
  BitmaskInput,
  AnswerValue,
  AnswerInput,
  AnswerOf,
  AnswerInputOf,
  FrameRange,
  FrameSpec,
  BinaryInput,
  OntologyAnswer,
  ObjectAnswer,
  AnswerInstances,
  AnswerToLabelsOptions,
  OntologySchemaOptions,
} from './labels/index.js'

// The local emulator. `startEmulator` loads the server (fastify and friends) on first call, so that
// `import 'encord-agents'` to define agents and configs stays cheap (the CLI imports this entry too).
export { generateFixture } from './emulator/generate.js'
export {
  generateWorkspace,
  ENCORD_AGENTS_SUITE_WORKSPACE,
  type GenerateWorkspaceOptions,
} from './emulator/workspace-generate.js'
export type { EmulatorOptions, EmulatorHandle, FaultConfig } from './emulator/index.js'

/**
 * Start the local Encord emulator: Encord's REST v2 and legacy RPC APIs over a fixture, on loopback,
 * with request signatures verified and state written back to the fixture file.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ fixture: 'fixture.json', allowKeys: [key.publicKeyHex] })
 * process.env.ENCORD_DOMAIN = emulator.domain
 * // ... run agents ...
 * await emulator.stop()
 * ```
 */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const emulator = await import('./emulator/index.js')
  return emulator.startEmulator(options)
}
