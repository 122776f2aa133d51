/**
 * The label and ontology model: everything a handler needs to read and write labels.
 */
export {
  Ontology,
  OntologyObject,
  OntologyClassification,
  RadioAttribute,
  ChecklistAttribute,
  TextAttribute,
  NumericAttribute,
  OtherAttribute,
  Option,
  lowerSnake,
  type Attribute,
  type AttributeParent,
  type AttributeType,
  type OntologyFeature,
  type OntologyInput,
  type OntologyNode,
  type OntologyStructureDict,
  type Shape,
  type SkeletonTemplate,
  type SkeletonTemplatePoint,
} from './ontology.js'
export { LabelRow } from './label-row.js'
export { ObjectInstance, type SetForFramesOptions } from './object-instance.js'
export { ClassificationInstance, type SetClassificationFramesOptions } from './classification-instance.js'
export { ObjectAnnotation, ClassificationAnnotation } from './annotations.js'
export {
  type AddClassificationOptions,
  type AddObjectOptions,
  type AnnotationOptions,
  type AnswersInput,
  type AnswerView,
  type AnyObjectInstance,
  type ClassificationFilter,
  type DataType,
  type DataUnitInfo,
  type LabelRowDefaults,
  type LabelRowOptions,
  type ObjectAnnotationOptions,
  type ObjectFilter,
  type SetAnswerOptions,
} from './label-options.js'
export {
  type BoundingBox,
  type RotatableBoundingBox,
  type Point2D,
  type Polygon,
  type Polyline,
  type Skeleton,
  type SkeletonPoint,
  type SkeletonPointInput,
  type SkeletonVisibility,
  type RawCoordinates,
  type Coordinates,
  type CoordinatesByShape,
  type CoordinatesInput,
  type CoordinatesInputByShape,
} from './coordinates.js'
export {
  Bitmask,
  encodeRleCounts,
  decodeRleCounts,
  maskToRleCounts,
  rleCountsToMask,
  type BitmaskDict,
  type BitmaskInput,
} from './bitmask.js'
export { type AnswerValue, type AnswerInput, type AnswerOf, type AnswerInputOf } from './answers.js'
export { framesOf, framesToRanges, type FrameRange, type FrameSpec } from './frames.js'
export { formatEncordDate, parseEncordDate } from './dates.js'
export { bytesToBase64, toBase64, toDataUrl, sniffImageMimeType, type BinaryInput } from './media.js'
export { LabelErrorCode } from './errors.js'
export {
  ontologySchema,
  OntologySchema,
  type OntologyAnswer,
  type ObjectAnswer,
  type AnswerInstances,
  type AnswerToLabelsOptions,
} from './ontology-answer.js'
export { schemaKey, type OntologySchemaOptions } from './ontology-schema.js'
export { LABEL_ROW_FLOAT_KEYS } from './float-keys.js'
