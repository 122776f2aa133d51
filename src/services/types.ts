import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { EncordApi } from '../encord/types.js'
import { renderTypes, typegenFingerprint, typegenModel } from '../typegen/generate.js'

/** What `types --json` prints. */
export interface TypesResult {
  /** The declaration file written. */
  file: string
  /** Agent stages typed. */
  stages: number
  objects: number
  classifications: number
  fingerprint: string
}

/** The default file name, next to the config. */
export const TYPES_FILE = 'encord-agents.gen.d.ts'

/** Where the declaration file of a config lives (or `--out`). */
export function typesFilePath(configPath: string | undefined, out?: string, cwd = process.cwd()): string {
  const base = configPath !== undefined ? dirname(configPath) : cwd
  return resolve(base, out ?? TYPES_FILE)
}

/** Write the project's types (issue 18). */
export async function generateTypes(options: {
  client: EncordApi
  projectHash: string
  file: string
  generator: string
}): Promise<TypesResult> {
  const project = await options.client.getProject(options.projectHash)
  const model = typegenModel(project)
  const text = renderTypes(model, options.generator, options.projectHash)
  await mkdir(dirname(options.file), { recursive: true }) // --out may name a directory not made yet
  await writeFile(options.file, text)
  return {
    file: options.file,
    stages: model.stages.length,
    objects: model.objects.length,
    classifications: model.classifications.length,
    fingerprint: typegenFingerprint(model),
  }
}
