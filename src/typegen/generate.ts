/**
 * `encord-agents types` (issue 18): the project's workflow and ontology as a declaration file that
 * augments `Register` of the package, so the compiler knows stage titles, pathway names, object titles
 * with their shapes, attribute names and option labels.
 *
 * The model is plain data, sorted, so the output is deterministic; the fingerprint is a SHA-256 of the
 * model's canonical JSON, written in the header and compared by `validate` and `run` with the live project.
 */
import { createHash } from 'node:crypto'
import { Ontology, type Attribute } from '../labels/ontology.js'
import type { Project } from '../encord/types.js'

export interface TypegenAttribute {
  name: string
  type: string
  /** Radio and checklist: options by label, each with its nested attributes. */
  options?: { label: string; attributes: TypegenAttribute[] }[]
}
export interface TypegenModel {
  stages: { title: string; uuid: string; pathways: { name: string; uuid: string }[] }[]
  objects: { title: string; featureHash: string; shape: string; attributes: TypegenAttribute[] }[]
  classifications: { title: string; featureHash: string; attributes: TypegenAttribute[] }[]
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0

function attributeModel(a: Attribute): TypegenAttribute {
  const out: TypegenAttribute = { name: a.name, type: a.type }
  if (a.type === 'radio' || a.type === 'checklist') {
    out.options = a.options
      .filter((o) => !o.archived)
      .map((o) => ({ label: o.label, attributes: attributesModel(o.attributes) }))
      .sort(byKey((o) => o.label))
  }
  return out
}

function attributesModel(list: readonly Attribute[]): TypegenAttribute[] {
  return list
    .filter((a) => !a.archived)
    .map(attributeModel)
    .sort(byKey((a) => a.name))
}

/** The typed part of a project: agent stages with pathways, objects and classifications (archived ones left out). */
export function typegenModel(project: Pick<Project, 'workflow' | 'ontology'>): TypegenModel {
  const ontology = Ontology.from(project.ontology.structure)
  return {
    stages: project.workflow.stages
      .filter((s) => s.type === 'AGENT')
      .map((s) => ({
        title: s.title,
        uuid: s.uuid,
        pathways: s.pathways.map((p) => ({ name: p.name, uuid: p.uuid })).sort(byKey((p) => p.name)),
      }))
      .sort(byKey((s) => s.title)),
    objects: ontology.objects
      .filter((o) => !o.archived)
      .map((o) => ({
        title: o.name,
        featureHash: o.featureHash,
        shape: o.shape,
        attributes: attributesModel(o.attributes),
      }))
      .sort(byKey((o) => o.title)),
    classifications: ontology.classifications
      .filter((c) => !c.archived)
      .map((c) => ({ title: c.question.name, featureHash: c.featureHash, attributes: attributesModel(c.attributes) }))
      .sort(byKey((c) => c.title)),
  }
}

/** `sha256:<hex>` of the model: changes exactly when the typed part of the project does. */
export function typegenFingerprint(model: TypegenModel): string {
  return 'sha256:' + createHash('sha256').update(JSON.stringify(model)).digest('hex')
}

/** The project hash in a generated file's header (`// project: …`), or undefined. */
export function readProjectLine(text: string): string | undefined {
  return /^\/\/ project: (\S+)$/m.exec(text)?.[1]
}

/** The fingerprint in a generated file's header, or undefined when the text is not one. */
export function readFingerprint(text: string): string | undefined {
  return /^\/\/ fingerprint: (sha256:[0-9a-f]{64})$/m.exec(text)?.[1]
}

const q = (s: string): string => JSON.stringify(s)

function attributesType(list: TypegenAttribute[], indent: string): string {
  if (list.length === 0) return '{}'
  const lines = list.map((a) => {
    let body = `type: ${q(a.type)}`
    if (a.options !== undefined) {
      const opts = a.options.map(
        (o) => `${indent}    ${q(o.label)}: { attributes: ${attributesType(o.attributes, indent + '    ')} }`,
      )
      body += `; options: {${opts.length ? '\n' + opts.join('\n') + '\n' + indent + '  ' : ''}}`
    }
    return `${indent}  ${q(a.name)}: { ${body} }`
  })
  return `{\n${lines.join('\n')}\n${indent}}`
}

/**
 * The declaration file's text. With `projectHash`, the header names the project, so that `validate` and
 * `run` find a file written elsewhere (`types --out`) and compare it too.
 */
export function renderTypes(model: TypegenModel, generator: string, projectHash?: string): string {
  const fingerprint = typegenFingerprint(model)
  const i = '        '
  const stages = model.stages.map((s) => {
    const p = s.pathways.map((x) => `${i}    ${q(x.name)}: ${q(x.uuid)}`)
    return `${i}${q(s.title)}: {\n${i}  uuid: ${q(s.uuid)}\n${i}  pathways: {${p.length ? '\n' + p.join('\n') + '\n' + i + '  ' : ''}}\n${i}}`
  })
  const objects = model.objects.map(
    (o) =>
      `${i}${q(o.title)}: { featureHash: ${q(o.featureHash)}; shape: ${q(o.shape)}; attributes: ${attributesType(o.attributes, i)} }`,
  )
  const classifications = model.classifications.map(
    (c) => `${i}${q(c.title)}: { featureHash: ${q(c.featureHash)}; attributes: ${attributesType(c.attributes, i)} }`,
  )
  const block = (name: string, rows: string[]): string =>
    `      ${name}: {${rows.length ? '\n' + rows.join('\n') + '\n      ' : ''}}`
  return [
    `// Generated by ${generator}. Do not edit: run \`encord-agents types\` again when the project changes.`,
    `// fingerprint: ${fingerprint}`,
    ...(projectHash !== undefined ? [`// project: ${projectHash}`] : []),
    `import 'encord-agents'`,
    ``,
    `declare module 'encord-agents' {`,
    `  interface Register {`,
    `    project: {`,
    block('stages', stages),
    block('objects', objects),
    block('classifications', classifications),
    `    }`,
    `  }`,
    `}`,
    ``,
  ].join('\n')
}
