/** Dependency injection: define dependencies, the built-ins, and the graph checks. */
export { defineDependency, isDependency, isDependencyFactory } from './dependency.js'
export type { TaskDependencySpec, RunDependencySpec } from './dependency.js'
export { checkDependencyGraph, inspectDependencyGraph } from './graph.js'
export type { DependencyGraph, DependencyGraphProblem, DependencyNode } from './graph.js'
export { DependencyError } from './resolver.js'
export type {
  BatchContext,
  BatchValues,
  Dependency,
  DependencyFactory,
  DependencyScope,
  DepValue,
  DepValues,
  DepsRecord,
  RunResolveContext,
  StageLabelRowMetadataOptions,
  TaskEffect,
  TaskLogger,
  TaskResolveContext,
} from './types.js'
export { labelRow, twinLabelRow } from './builtins/label-row.js'
export type { LabelRowDepOptions, TwinLabelRow, TwinLabelRowOptions } from './builtins/label-row.js'
export type { LabelRowFetchOptions } from './builtins/label-rows.js'
export { labelRowMetadata } from './builtins/label-row-metadata.js'
export type { LabelRowMetadataDepOptions } from './builtins/label-row-metadata.js'
export { storageItem } from './builtins/storage-item.js'
export type { TaskStorageItem } from './builtins/storage-item.js'
export { asset } from './builtins/asset.js'
export type { Asset } from './builtins/asset.js'
export { videoFrames } from './builtins/video-frames.js'
export type { VideoFrames, VideoFramesOptions } from './builtins/video-frames.js'
export { frame } from './builtins/frame.js'
export type { FrameOptions } from './builtins/frame.js'
export { objectCrops } from './builtins/object-crops.js'
export type { ObjectCrop, ObjectCropsOptions } from './builtins/object-crops.js'
export { ontology } from './builtins/ontology.js'
export { encordClient } from './builtins/encord-client.js'
export { taskIssues } from './builtins/task-issues.js'
export type { IssueOptions, TaskIssues } from './builtins/task-issues.js'
