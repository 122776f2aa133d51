import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { EncordApi } from '../encord/types.js'
import { readFingerprint, renderTypes, typegenFingerprint, typegenModel } from '../typegen/generate.js'

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
  const text = renderTypes(model, options.generator)
  await writeFile(options.file, text)
  return {
    file: options.file,
    stages: model.stages.length,
    objects: model.objects.length,
    classifications: model.classifications.length,
    fingerprint: typegenFingerprint(model),
  }
}

/**
 * Compare the file's fingerprint with the live project: undefined when there is no file or it is
 * current, else a sentence saying it is stale.
 */
export async function typesDrift(options: {
  client: EncordApi
  projectHash: string
  file: string
}): Promise<string | undefined> {
  if (!existsSync(options.file)) return undefined
  const written = readFingerprint(readFileSync(options.file, 'utf8'))
  const project = await options.client.getProject(options.projectHash)
  const live = typegenFingerprint(typegenModel(project))
  if (written === live) return undefined
  return `${options.file} is stale: the project's workflow or ontology changed since it was generated.`
}
