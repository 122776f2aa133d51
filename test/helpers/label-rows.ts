/** Fixtures and builders shared by the label row unit tests (src/labels/label-row*.test.ts). */
import { readFileSync } from 'node:fs'
import type { LabelRowMetadata } from '../../src/encord/types.js'
import type { LabelRowOptions } from '../../src/labels/label-options.js'
import { LabelRow } from '../../src/labels/label-row.js'
import { Ontology, type OntologyStructureDict } from '../../src/labels/ontology.js'

export type Json = Record<string, unknown>
export const text = (path: string) =>
  readFileSync(new URL(`../fixtures/encord-api/fixtures/${path}`, import.meta.url), 'utf8')
export const fixture = <T = Json>(path: string): T => JSON.parse(text(path)) as T
/** `json.dumps(obj)` from a fixture the SDK wrote with `json.dumps(obj, indent=n)`. */
export const compactPythonJson = (indented: string) => indented.replace(/,\n\s*/g, ', ').replace(/\n\s*/g, '')

export const ONTOLOGY = {
  api: 'ontology_structure.json',
  synthetic: 'label-model/generated_ontology_synthetic.json',
  allTypes: 'label-model/ontology_all_types.json',
  dynamic: 'label-model/ontology_dynamic_classifications.json',
  imageGroup: 'label-model/ontology_image_group.json',
  skeleton: 'label-model/ontology_skeleton.json',
}
export const envelope = (j: unknown) => (j as { response: Json[] }).response

/**
 * Every fixture that holds label rows, with the ontology its labels were made with (matched by
 * feature hashes). labels_video_dynamic_attributes.json matches no ontology among the fixtures: its
 * features are read as unknown.
 */
export const LABEL_ROW_FIXTURES: Array<{
  file: string
  ontology: string
  rows?: (j: unknown) => Json[]
  sdkWritten?: boolean
}> = [
  { file: 'label_row_created_empty.json', ontology: ONTOLOGY.api },
  { file: 'label_row_image.json', ontology: ONTOLOGY.api, sdkWritten: true },
  { file: 'label_row_video.json', ontology: ONTOLOGY.api, sdkWritten: true },
  { file: 'legacy_get_label_rows_response.json', ontology: ONTOLOGY.api, rows: envelope },
  { file: 'legacy_create_label_rows_response.json', ontology: ONTOLOGY.api, rows: envelope },
  { file: 'label-model/generated_image_empty_input.json', ontology: ONTOLOGY.synthetic },
  { file: 'label-model/generated_image_all_shapes_output.json', ontology: ONTOLOGY.synthetic, sdkWritten: true },
  { file: 'label-model/generated_video_empty_input.json', ontology: ONTOLOGY.synthetic },
  { file: 'label-model/generated_video_output.json', ontology: ONTOLOGY.synthetic, sdkWritten: true },
  { file: 'label-model/labels_audio.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_dicom.json', ontology: ONTOLOGY.dynamic },
  { file: 'label-model/labels_global_classification.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_image_classification_no_answer.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_image_group.json', ontology: ONTOLOGY.imageGroup },
  { file: 'label-model/labels_image_native.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_plain_text.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_skeleton.json', ontology: ONTOLOGY.skeleton },
  { file: 'label-model/labels_video_dynamic_attributes.json', ontology: ONTOLOGY.dynamic },
  { file: 'label-model/labels_video_empty.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_video_with_classifications.json', ontology: ONTOLOGY.allTypes },
]

export const ontologyOf = (path: string) => Ontology.from(fixture<OntologyStructureDict>(path))
export const FIXED_NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))

/** A row with a fixed clock and hashes taken from `hashes` in order. */
export function load(
  file: string,
  ontology: string,
  options: Partial<LabelRowOptions> & { hashes?: string[] } = {},
): LabelRow {
  const hashes = [...(options.hashes ?? [])]
  let n = 0
  return new LabelRow(fixture(file), {
    ontology: ontologyOf(ontology),
    clock: () => FIXED_NOW,
    newHash: () => hashes.shift() ?? `hash${String(++n).padStart(4, '0')}`,
    ...options,
  })
}

export function metadata(overrides: Partial<LabelRowMetadata> = {}): LabelRowMetadata {
  return {
    labelHash: 'e0000001-bbbb-4ccc-9ddd-000000000001',
    dataHash: 'd0000001-aaaa-4bbb-8ccc-000000000001',
    dataTitle: 'street.jpg',
    dataType: 'IMAGE',
    datasetHash: 'ds',
    datasetTitle: 'Agents demo dataset',
    dataLink: 'https://signed.example/street.jpg',
    branchName: 'main',
    labelStatus: 'LABEL_IN_PROGRESS',
    workflowGraphNode: { uuid: '1b2c3d4e-0002-4a00-8000-00000000a002', title: 'Agent 1' },
    taskUuid: 'task-1',
    priority: 0.5,
    backingItemUuid: 'f0000001-cccc-4ddd-aeee-000000000001',
    clientMetadata: { camera: 'front' },
    width: 1280,
    height: 720,
    numberOfFrames: 1,
    fps: null,
    duration: null,
    fileType: 'image/jpeg',
    createdAt: null,
    lastEditedAt: null,
    raw: {},
    ...overrides,
  }
}

/** A small ontology with every attribute type, for answers. */
export const ANSWERS_ONTOLOGY: OntologyStructureDict = {
  objects: [
    {
      id: '1',
      name: 'Box',
      color: '#D33115',
      shape: 'bounding_box',
      featureNodeHash: 'boxFH001',
      attributes: [
        { id: '1.1', name: 'Count', type: 'numeric', featureNodeHash: 'countFH1', required: false, dynamic: false },
        { id: '1.2', name: 'Speed', type: 'numeric', featureNodeHash: 'speedFH1', required: false, dynamic: true },
      ],
    },
  ],
  classifications: [],
}

// ---------------------------------------------------------------------------------------------------

/**
 * The keys Encord's SDK writes first on an object's label on a frame, in its order (then `lastEditedBy`
 * when known, and the shape's coordinate keys). Spelled here, apart from the model's own list, as the
 * order the tests hold it to.
 */
export const SDK_OBJECT_LABEL_KEYS = [
  'name',
  'color',
  'shape',
  'value',
  'createdAt',
  'createdBy',
  'confidence',
  'objectHash',
  'featureHash',
  'manualAnnotation',
  'lastEditedAt',
]
