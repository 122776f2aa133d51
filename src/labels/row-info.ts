/**
 * What a label row says about its data item: hashes, titles, types, sizes, frame counts, workflow
 * place, the listing's metadata (Python's `LabelRowV2` properties). Read-only; `LabelRow` adds the
 * labels and their editing.
 */
import { parseEncordDate } from './dates.js'
import type { DataType, DataUnitInfo } from './label-options.js'
import { commonDimension, dataUnitInfo, num, unitForFrame, type RowContent } from './row-content.js'
import { isRecord } from '../shared/records.js'
import type { LabelRowMetadata } from '../encord/types.js'

/** The read-only properties of a {@link LabelRow}. */
export abstract class LabelRowInfo {
  /** The row's metadata from the label row listing, when given. */
  readonly metadata: LabelRowMetadata | null

  constructor(metadata: LabelRowMetadata | null) {
    this.metadata = metadata
  }

  /** @internal the loaded label row (LabelRow gives it). */
  protected abstract content(): RowContent

  #str(key: string): string | null {
    const v = this.content().top[key]
    return typeof v === 'string' ? v : null
  }

  /** A key of the JSON's top level, else of the listing's metadata entry (what Encord sends before labels). */
  #top(key: string): unknown {
    return this.content().top[key] ?? this.metadata?.raw[key]
  }

  /** A key of the (single or first) data unit, else of the metadata entry. */
  #unit(key: string): unknown {
    return this.content().units[0]?.fields[key] ?? this.metadata?.raw[key]
  }

  /** The label hash (null until the row has labels). */
  get labelHash(): string | null {
    return this.#str('label_hash') ?? this.metadata?.labelHash ?? null
  }

  get dataHash(): string {
    return this.#str('data_hash') ?? this.metadata?.dataHash ?? ''
  }

  get dataTitle(): string {
    return this.#str('data_title') ?? this.metadata?.dataTitle ?? ''
  }

  /** Lower case: `image`, `video`, `img_group`, `dicom`, ... */
  get dataType(): DataType {
    return (this.#str('data_type') ?? this.metadata?.dataType ?? '').toLowerCase()
  }

  get datasetHash(): string | null {
    return this.#str('dataset_hash') ?? this.metadata?.datasetHash ?? null
  }

  get datasetTitle(): string | null {
    return this.#str('dataset_title') ?? this.metadata?.datasetTitle ?? null
  }

  /** @default 'main' */
  get branchName(): string {
    return this.#str('branch_name') ?? this.metadata?.branchName ?? 'main'
  }

  /** `NOT_LABELLED`, `LABEL_IN_PROGRESS`, `LABELLED`, ... */
  get labelStatus(): string | null {
    return this.#str('label_status') ?? this.metadata?.labelStatus ?? null
  }

  get createdAt(): Date | null {
    return parseEncordDate(this.content().top['created_at'])
  }

  get lastEditedAt(): Date | null {
    return parseEncordDate(this.content().top['last_edited_at'])
  }

  /** The data units (one per image of an image group; one otherwise). */
  get dataUnits(): DataUnitInfo[] {
    return this.content().units.map(dataUnitInfo)
  }

  /** The data unit showing `frame` (image groups: that image). */
  frameInfo(frame: number): DataUnitInfo | undefined {
    const u = unitForFrame(this.content().units, frame)
    return u ? this.dataUnits.find((d) => d.dataHash === u.hash) : undefined
  }

  /**
   * The media's link: the label JSON's signed URL when it has one (rows fetched with signed URLs),
   * else the metadata's link. Image groups: see {@link dataUnits}.
   */
  get dataLink(): string | null {
    const fromUnit = this.content().units.length === 1 ? this.content().units[0].fields['data_link'] : undefined
    const unitLink = typeof fromUnit === 'string' ? fromUnit : null
    if (unitLink !== null && /^https?:\/\//.test(unitLink)) return unitLink
    return this.metadata?.dataLink ?? unitLink
  }

  /** Width in pixels (image groups: when every image has the same size; else see {@link frameInfo}). */
  get width(): number | null {
    return commonDimension(this.content().units, 'width') ?? this.metadata?.width ?? null
  }

  /** Height in pixels (image groups: when every image has the same size). */
  get height(): number | null {
    return commonDimension(this.content().units, 'height') ?? this.metadata?.height ?? null
  }

  /** Frames per second (videos). */
  get fps(): number | null {
    return num(this.content().units[0]?.fields['data_fps']) ?? this.metadata?.fps ?? null
  }

  /** Duration in seconds (videos, audio). */
  get duration(): number | null {
    return num(this.content().units[0]?.fields['data_duration']) ?? this.metadata?.duration ?? null
  }

  /**
   * Number of frames: from the metadata when given, else images 1, image groups their image count,
   * videos fps × duration; `null` when unknown (audio, text).
   */
  get frameCount(): number | null {
    const m = this.metadata?.numberOfFrames
    if (typeof m === 'number' && m > 0) return m
    const flat = this.content().units.filter((u) => u.layout === 'flat')
    if (flat.length > 0) return flat.length
    if (this.content().units.some((u) => u.layout === 'frames')) {
      const fps = this.fps
      const duration = this.duration
      if (fps !== null && duration !== null) return Math.round(fps * duration)
    }
    return null
  }

  /** The storage item's client metadata (when listed with client metadata). */
  get clientMetadata(): Record<string, unknown> | null {
    const v = this.metadata?.clientMetadata ?? this.content().top['client_metadata']
    return isRecord(v) ? v : null
  }

  /** The workflow stage the item is in (`null` outside workflow projects or when unknown). */
  get workflowGraphNode(): { uuid: string; title: string } | null {
    if (this.metadata?.workflowGraphNode) return this.metadata.workflowGraphNode
    const v = this.content().top['workflow_graph_node']
    return isRecord(v) && typeof v['uuid'] === 'string' ? { uuid: v['uuid'], title: String(v['title'] ?? '') } : null
  }

  /** The storage item's uuid. */
  get backingItemUuid(): string | null {
    return this.metadata?.backingItemUuid ?? this.#str('backing_item_uuid')
  }

  get taskUuid(): string | null {
    return this.metadata?.taskUuid ?? this.#str('task_uuid')
  }

  /** `QUEUED`, `ASSIGNED`, `IN_REVIEW`, `RETURNED`, `COMPLETED` (projects without workflows; `null` otherwise). */
  get annotationTaskStatus(): string | null {
    const v = this.#top('annotation_task_status')
    return typeof v === 'string' ? v : null
  }

  /** Whether the item is shadow data (Encord's data kept out of labelling). */
  get isShadowData(): boolean {
    return this.#top('is_shadow_data') === true
  }

  /** The file's mime type, e.g. `image/jpeg`, `video/mp4`, `text/html`. */
  get fileType(): string | null {
    const v = this.metadata?.fileType ?? this.#unit('data_type')
    return typeof v === 'string' ? v : null
  }

  /** Data groups: the group the item belongs to. */
  get groupHash(): string | null {
    const v = this.#top('group_hash')
    return typeof v === 'string' ? v : null
  }

  /** Whether Encord considers the labels valid (`true` when it does not say). */
  get isValid(): boolean {
    return this.#top('is_valid') !== false
  }

  /** The email of the user the task is assigned to, when listed. */
  get assignedUserEmail(): string | null {
    const v = this.#top('assigned_user_email')
    return typeof v === 'string' ? v : null
  }

  /** The email of the user who last acted on the task, when listed. */
  get lastActionedByUserEmail(): string | null {
    const v = this.#top('last_actioned_by_user_email')
    return typeof v === 'string' ? v : null
  }

  /** Audio: the codec, e.g. `mp3`. */
  get audioCodec(): string | null {
    const v = this.#unit('audio_codec')
    return typeof v === 'string' ? v : null
  }

  /** Audio: samples per second. */
  get audioSampleRate(): number | null {
    return num(this.#unit('audio_sample_rate'))
  }

  /** Audio: bits per sample. */
  get audioBitDepth(): number | null {
    return num(this.#unit('audio_bit_depth'))
  }

  /** Audio: number of channels. */
  get audioNumChannels(): number | null {
    return num(this.#unit('audio_num_channels'))
  }

  /** Same as {@link frameCount} (Python's `number_of_frames`). */
  get numberOfFrames(): number | null {
    return this.frameCount
  }

  /**
   * The frame of an image of an image group, by its image hash (its data unit's hash); a single
   * image's or video's own hash is frame 0. `null` when the row has no such image.
   */
  getFrameNumber(imageHash: string): number | null {
    const unit = this.content().units.find((u) => u.hash === imageHash)
    if (unit === undefined || unit.layout === 'opaque') return null
    return unit.layout === 'flat' ? unit.frame : 0
  }

  /** The image hash (data unit hash) of an image group's frame; a single image's hash for frame 0. `null` when there is none. */
  getImageHash(frame: number): string | null {
    const unit = unitForFrame(this.content().units, frame)
    return unit !== undefined && unit.layout === 'flat' ? unit.hash : null
  }
}
