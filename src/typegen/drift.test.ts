import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import type { Project } from '../encord/types.js'
import { findTypesFiles, typesFileState } from './drift.js'
import { readProjectLine, renderTypes, typegenModel } from './generate.js'

const tmp = mkdtempSync(join(tmpdir(), 'ea-drift-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const project = (label: string): Pick<Project, 'workflow' | 'ontology'> =>
  ({
    workflow: { stages: [{ type: 'AGENT', title: 'Agent 1', uuid: 's1', pathways: [{ name: 'done', uuid: 'p1' }] }] },
    ontology: {
      structure: {
        objects: [{ id: '1', name: 'Car', color: '#000', shape: 'bounding_box', featureNodeHash: 'carHash' }],
        classifications: [
          {
            id: '2',
            featureNodeHash: 'weatherHash',
            attributes: [
              {
                id: '2.1',
                name: 'Weather',
                type: 'radio',
                featureNodeHash: 'q',
                options: [{ id: '2.1.1', label, value: 'v', featureNodeHash: 'o' }],
              },
            ],
          },
        ],
      },
    },
  }) as unknown as Pick<Project, 'workflow' | 'ontology'>

const write = (path: string, text: string): void => {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

it('the header names the project; findTypesFiles finds that project’s files under the root, not elsewhere', () => {
  const text = renderTypes(typegenModel(project('Sunny')), 'drift.test.ts', 'P-hash')
  expect(readProjectLine(text)).toBe('P-hash')
  expect(text).toContain('"Car": { featureHash: "carHash"; shape: "bounding_box"')
  expect(readProjectLine(renderTypes(typegenModel(project('Sunny')), 'drift.test.ts'))).toBeUndefined()

  write(join(tmp, 'encord-agents.gen.d.ts'), text)
  write(join(tmp, 'src/types/project.gen.d.ts'), text) // types --out src/types/project.gen.d.ts
  write(join(tmp, 'other/project.gen.d.ts'), renderTypes(typegenModel(project('Sunny')), 'x', 'Q-hash'))
  write(join(tmp, 'node_modules/pkg/project.gen.d.ts'), text)
  write(join(tmp, '.cache/project.gen.d.ts'), text)
  write(join(tmp, 'src/plain.d.ts'), 'export {}\n')
  write(join(tmp, 'src/notes.txt'), text)
  expect(findTypesFiles(tmp, 'P-hash')).toEqual([
    join(tmp, 'encord-agents.gen.d.ts'),
    join(tmp, 'src/types/project.gen.d.ts'),
  ])
  expect(findTypesFiles(join(tmp, 'missing'), 'P-hash')).toEqual([])

  expect(typesFileState(join(tmp, 'src/types/project.gen.d.ts'), project('Sunny')).state).toBe('current')
  expect(typesFileState(join(tmp, 'src/types/project.gen.d.ts'), project('Rainy')).state).toBe('stale')
  expect(typesFileState(join(tmp, 'nope.d.ts'), project('Rainy')).state).toBe('missing')
})
