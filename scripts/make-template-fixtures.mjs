// Regenerates templates/<name>/fixture.json (the demo projects `encord-agents init` copies).
// Run: node scripts/make-template-fixtures.mjs. Deterministic: same output every time.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const hex = (n, width = 12) => n.toString(16).padStart(width, '0')
const uuid = (group, n) => `${group}-0000-4000-8000-${hex(n)}`
const T0 = '2026-01-05T09:00:00.000Z'

const ontology = {
  ontologyHash: uuid('0e000000', 1),
  title: 'Demo ontology',
  description: 'Cars and the weather, for the encord-agents templates.',
  createdAt: T0,
  lastEditedAt: T0,
  structure: {
    objects: [
      {
        id: '1',
        name: 'Car',
        color: '#D33115',
        shape: 'bounding_box',
        featureNodeHash: 'carBox01',
        required: false,
        archived: false,
        attributes: [],
      },
    ],
    classifications: [
      {
        id: '1',
        featureNodeHash: 'weathr01',
        attributes: [
          {
            id: '1.1',
            name: 'Weather',
            type: 'radio',
            featureNodeHash: 'weathr02',
            required: false,
            archived: false,
            dynamic: false,
            options: [
              { id: '1.1.1', label: 'Sunny', value: 'sunny', featureNodeHash: 'sunny001', archived: false },
              { id: '1.1.2', label: 'Rainy', value: 'rainy', featureNodeHash: 'rainy001', archived: false },
            ],
          },
        ],
      },
    ],
  },
}

const TITLES = ['street.png', 'parking-lot.png', 'highway.png', 'crossing.png', 'garage.png', 'bridge.png']

function fixture({ projectTitle, description, stages, startStage }) {
  const datasetHash = uuid('0d000000', 1)
  const projectHash = uuid('0b000000', 1)
  const storageItems = TITLES.map((name, i) => ({
    uuid: uuid('05000000', i + 1),
    parent: uuid('0f000000', 1),
    itemType: 'IMAGE',
    name,
    mimeType: 'image/png',
    width: 640,
    height: 480,
    createdAt: T0,
    lastEditedAt: T0,
    media: { generate: 'png' },
  }))
  const dataUnits = TITLES.map((dataTitle, i) => ({
    dataHash: uuid('0da00000', i + 1),
    dataTitle,
    dataType: 'IMAGE',
    datasetHash,
    backingItemUuid: storageItems[i].uuid,
    width: 640,
    height: 480,
    fileType: 'image/png',
  }))
  const tasks = dataUnits.map((d, i) => ({
    uuid: uuid('07a00000', i + 1),
    dataHash: d.dataHash,
    stageUuid: startStage,
    status: 'NEW',
    createdAt: T0,
    updatedAt: T0,
  }))
  return {
    format: 'encord-agents-emulator/1',
    users: [],
    ontologies: [ontology],
    datasets: [{ datasetHash, title: 'Demo images' }],
    storageItems,
    projects: [
      {
        projectHash,
        title: projectTitle,
        description,
        ontologyHash: ontology.ontologyHash,
        createdAt: T0,
        lastEditedAt: T0,
        workflow: { stages },
        dataUnits,
        tasks,
        labelRows: [],
        history: [],
      },
    ],
  }
}

const S = (n) => uuid('05a00000', n)
const P = (n) => uuid('0aa00000', n)
const review = { uuid: S(8), title: 'Review', stageType: 'REVIEW', pathways: [] }
const done = { uuid: S(9), title: 'Complete', stageType: 'DONE', pathways: [] }

const templates = {
  minimal: fixture({
    projectTitle: 'Demo: minimal agent',
    description: 'One agent stage; the agent moves every task along a pathway.',
    startStage: S(1),
    stages: [
      {
        uuid: S(1),
        title: 'Agent 1',
        stageType: 'AGENT',
        pathways: [
          { uuid: P(1), title: 'complete', destinationUuid: done.uuid },
          { uuid: P(2), title: 'needs review', destinationUuid: review.uuid },
        ],
      },
      review,
      done,
    ],
  }),
  'label-writer': fixture({
    projectTitle: 'Demo: label writer',
    description: 'One agent stage that pre-labels each image (a box and a classification) and sends it to review.',
    startStage: S(1),
    stages: [
      {
        uuid: S(1),
        title: 'Pre-label',
        stageType: 'AGENT',
        pathways: [{ uuid: P(1), title: 'to review', destinationUuid: review.uuid }],
      },
      review,
      done,
    ],
  }),
  'multi-stage': fixture({
    projectTitle: 'Demo: two agent stages',
    description: 'A triage agent routes tasks; a second agent finishes the ones routed to it.',
    startStage: S(1),
    stages: [
      {
        uuid: S(1),
        title: 'Triage',
        stageType: 'AGENT',
        pathways: [
          { uuid: P(1), title: 'auto', destinationUuid: S(2) },
          { uuid: P(2), title: 'manual', destinationUuid: review.uuid },
        ],
      },
      {
        uuid: S(2),
        title: 'Finish',
        stageType: 'AGENT',
        pathways: [{ uuid: P(3), title: 'done', destinationUuid: done.uuid }],
      },
      review,
      done,
    ],
  }),
}

for (const [name, value] of Object.entries(templates)) {
  writeFileSync(join(root, 'templates', name, 'fixture.json'), JSON.stringify(value, null, 2) + '\n')
}
