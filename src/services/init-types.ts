import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ownPackage } from './init-package.js'
import { openSession } from './session.js'
import { generateTypes, typesFilePath } from './types.js'

/**
 * `init` writes the project's types (issue 18): `encord-agents types` run on the new project, whose
 * config serves the template's fixture from the in-process emulator (`local`), so the editor and
 * `tsc` know its stages, pathways and ontology from the first minute. An existing file is left alone
 * (`validate` says when it is stale). Failing to generate is a warning: the project works without it.
 */
export async function initTypes(
  dir: string,
): Promise<{ file?: { path: string; status: 'created' | 'alreadyExisted' }; warning?: string }> {
  const session = await openSession({ requireConfig: true, cwd: dir, env: {} }).catch(
    (error: unknown) => error as Error,
  )
  if (session instanceof Error) return { warning: typesWarning(session) }
  try {
    const file = typesFilePath(session.loaded?.filepath ?? join(dir, 'encord-agents.config.ts'))
    const path = relative(dir, file).split('\\').join('/')
    if (existsSync(file)) return { file: { path, status: 'alreadyExisted' } }
    await generateTypes({
      client: session.client,
      projectHash: session.projectHash,
      file,
      generator: `encord-agents ${ownPackage().version} types`,
    })
    return { file: { path, status: 'created' } }
  } catch (error) {
    return { warning: typesWarning(error as Error) }
  } finally {
    await session.close()
  }
}

function typesWarning(error: Error): string {
  return `The project's types (encord-agents.gen.d.ts) were not written: ${error.message} Run \`encord-agents types\` in the project once that is fixed.`
}
