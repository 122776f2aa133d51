/**
 * Error codes thrown by the label and ontology model. All are UserErrors (exit code 2): they
 * come from what a handler asked for (a feature that does not exist, a box on a polygon object, an
 * option of another attribute), and the message names the feature involved. Codes are permanent.
 */
export const LabelErrorCode = {
  /** A lookup by title, feature hash or path found nothing. */
  OntologyFeatureNotFound: 'OntologyFeatureNotFound',
  /** A title matched more than one feature; use the feature hash (or a shape filter). */
  OntologyFeatureAmbiguous: 'OntologyFeatureAmbiguous',
  /** The ontology structure JSON is malformed. */
  OntologyInvalid: 'OntologyInvalid',
  /** The label row JSON is malformed. */
  LabelRowInvalid: 'LabelRowInvalid',
  /** Coordinates of one shape given to an object of another. */
  WrongShape: 'WrongShape',
  /** Coordinates that are not numbers, not normalised, or too few points. */
  InvalidCoordinates: 'InvalidCoordinates',
  /** An answer of the wrong type, or an option that does not belong to the attribute. */
  InvalidAnswer: 'InvalidAnswer',
  /** Answering an attribute that already has an answer, without `overwrite: true`. */
  AnswerAlreadySet: 'AnswerAlreadySet',
  /** Annotation metadata out of range (confidence outside [0, 1], an unparsable date). */
  InvalidAnnotation: 'InvalidAnnotation',
  /** A frame index that the media does not have. */
  FrameOutOfRange: 'FrameOutOfRange',
  /** Setting coordinates on a frame that already has them, without `overwrite: true`. */
  FrameAlreadyLabelled: 'FrameAlreadyLabelled',
  /** The same classification twice on one frame. */
  ClassificationFramesOverlap: 'ClassificationFramesOverlap',
  /** A bitmask whose size is not the frame's size. */
  BitmaskSizeMismatch: 'BitmaskSizeMismatch',
  /** A priority outside [0, 1]. */
  InvalidPriority: 'InvalidPriority',
  /** Priorities exist only for tasks of workflow projects. */
  NotAWorkflowProject: 'NotAWorkflowProject',
  /** Editing an instance whose feature is no longer in the ontology. */
  UnknownOntologyFeature: 'UnknownOntologyFeature',
  /** Adding an instance that has no frames, or that belongs to another label row. */
  InvalidInstance: 'InvalidInstance',
  /** Writing labels of media this model reads only (data groups, scenes, audio/text ranges). */
  ReadOnlyLabels: 'ReadOnlyLabels',
} as const

export type LabelErrorCode = (typeof LabelErrorCode)[keyof typeof LabelErrorCode]
