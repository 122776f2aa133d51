import { quoteList } from '../suggest.js'
import { defineErrors } from './define.js'

/** An agent stage of the project, as the hints list them. */
export interface AgentStageFacts {
  title: string
  uuid: string
}

/** "Agent stages of this project: ..." (or that it has none): the end of every stage hint. */
export function agentStagesText(stages: readonly AgentStageFacts[]): string {
  if (stages.length === 0) return 'This project has no agent stage.'
  return `Agent stages of this project: ${stages.map((s) => `"${s.title}" (${s.uuid})`).join(', ')}.`
}

/** ` (file:line:column)` after a binding, when its declaration is known. */
export function where(location: string | undefined): string {
  return location !== undefined ? ` (${location})` : ''
}

/** " Did you mean "x"?" when there is a close name. */
function didYouMean(suggestion: string | undefined): string {
  return suggestion !== undefined ? ` Did you mean ${JSON.stringify(suggestion)}?` : ''
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a'
}

type StageNotAgentFacts = { title: string; rawType: string; agentStages: readonly AgentStageFacts[] }
type StageMismatchFacts = {
  /** Where defineAgent was called, when known. */
  agentLocation: string | undefined
  /** The stage defineAgent names. */
  own: string
  /** The stage the binding names, and where the binding was declared. */
  stage: string
  location: string | undefined
  project: string
  /** Whether the project has the stage defineAgent names. */
  ownFound: boolean
  agentStages: readonly AgentStageFacts[]
}
type OntologyMismatchFacts = {
  who: string
  kind: 'objects' | 'classifications'
  name: string
  ontology: string
  suggestion: string | undefined
  /** The titles of the ontology's features of that kind. */
  available: string[]
}

/**
 * Validation issues (core/runner/validate.ts, core/runner/pipeline.ts): the problems `validate` lists
 * and `run` refuses to start with, all at once (`issues[]` of `--json`), then thrown together as one
 * `ValidationFailed` (exit 2, hence `user`). Sites build an issue with
 * `{ ...describe('Code.situation', { facts }), location, stage }`. Codes also thrown elsewhere keep their
 * validation situations in their own entry (StageNotFound.inProject and DuplicateStage.sameStage in
 * core.ts, NotAWorkflowProject.validation in labels.ts); a dependency graph's problems are core.ts's
 * InvalidDependency, DependencyCycle and RunScopeDependsOnTask.
 */
export const validationErrors = defineErrors({
  StageNotAgent: {
    exit: 'user',
    messages: {
      default: {
        message: (p: StageNotAgentFacts) =>
          `Stage "${p.title}" is ${article(p.rawType)} ${p.rawType} stage, not an agent stage: agents can only serve agent stages.`,
        hint: (p: StageNotAgentFacts) =>
          `Add an agent stage in the workflow editor, or use one of the existing ones. ${agentStagesText(p.agentStages)}`,
      },
    },
  },
  /** An agent whose defineAgent names one stage, bound to another by the config entry or runner.stage. */
  StageMismatch: {
    exit: 'user',
    messages: {
      default: {
        message: (p: StageMismatchFacts) =>
          `The agent${p.agentLocation !== undefined ? ` defined at ${p.agentLocation}` : ''} serves stage ${JSON.stringify(p.own)} (defineAgent), ` +
          `but it is bound to stage ${JSON.stringify(p.stage)}${where(p.location)}` +
          (p.ownFound ? '.' : `, and the project "${p.project}" has no stage ${JSON.stringify(p.own)}.`),
        hint: (p: StageMismatchFacts) =>
          `Make them agree: leave \`stage\` out of the config entry (defineAgent's is used), or fix one of them. ${agentStagesText(p.agentStages)}`,
      },
    },
  },
  /** An object or classification an agent (or a dependency's `requires`) names that the ontology lacks. */
  OntologyMismatch: {
    exit: 'user',
    messages: {
      default: {
        message: (p: OntologyMismatchFacts) =>
          `${p.who} needs the ${p.kind === 'objects' ? 'object' : 'classification'} ${JSON.stringify(p.name)}, which the ontology "${p.ontology}" does not have.${didYouMean(p.suggestion)}`,
        hint: (p: OntologyMismatchFacts) =>
          p.available.length > 0
            ? `Its ${p.kind}: ${quoteList(p.available)} (by title or feature hash).`
            : `The ontology has no ${p.kind}.`,
      },
    },
  },
  NoAgentStage: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { project: string }) => `Project "${p.project}" has no agent stage in its workflow.`,
        hint: 'Add an agent stage to the workflow in Encord, then bind an agent to it.',
      },
    },
  },
  NoAgents: {
    exit: 'user',
    messages: {
      default: {
        message: () => 'No agent is configured, so there is nothing to run.',
        hint: 'Add agents: [{ stage, handler }] to the config, or call runner.stage(...).',
      },
    },
  },
  /** A dependency's own `validate` returned problems (one issue each) or threw. */
  DependencyInvalid: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { dependency: string; message: string }) => `${p.dependency}: ${p.message}`,
      },
    },
  },
  /** `unknown` is the UnknownPathway message (core/runner/result.ts) for the pathway named. */
  PathwayNotFound: {
    exit: 'user',
    messages: {
      declared: {
        message: (p: { who: string; unknown: string }) =>
          `${p.who} declares ${p.unknown.replace(/^Unknown/, 'an unknown')}`,
        hint: 'Fix `pathways` of the agent (defineAgent) to name pathways of its stage (`encord-agents list-stages` shows them), or add the pathway in the workflow editor.',
      },
      onFailure: {
        message: (p: { who: string; unknown: string }) =>
          `${p.who} has onFailure ${p.unknown.replace(/^Unknown/, 'set to an unknown')}`,
        hint: 'Set `onFailure` of the agent to a pathway of its stage (`encord-agents list-stages` shows them), or leave it out to keep failed tasks in the stage.',
      },
    },
  },
  /** The config's `validate` hook (or Runner's): a problem it returned, or what it threw. */
  UserValidation: {
    exit: 'user',
    messages: {
      returned: {
        message: (p: { message: string }) => p.message,
      },
      threw: {
        message: (p: { message: string }) => p.message,
        hint: 'Your validate hook in the config rejected the project.',
      },
    },
  },
  /** The generated types file (`encord-agents types`) no longer matches the project (typegen/drift.ts). */
  TypesStale: {
    exit: 'user',
    hint: 'Run `encord-agents types` to write it again from the project, then fix what `tsc --noEmit` reports.',
    messages: {
      noFingerprint: {
        message: (p: { file: string; project: string }) =>
          `${p.file} has no fingerprint line, so it cannot be checked against the project "${p.project}".`,
      },
      changed: {
        message: (p: { file: string; project: string }) =>
          `${p.file} is stale: the workflow or ontology of the project "${p.project}" changed since it was generated, so the compiler checks the agents against the old one.`,
      },
    },
  },
  /**
   * A config file's problems (core/config/issues.ts), all at once: `issues` is the error, the other
   * situations its lines, one per problem a zod issue reports (settings given in code list the same
   * lines under InvalidRunSettings). `got` describes the value found (`the string "x"`, `a list`, ...).
   */
  ConfigInvalid: {
    exit: 'user',
    messages: {
      /** The schema's problems, one a line (`file:line:col  path  message`), aligned; thrown by ConfigInvalidError. */
      issues: {
        message: (p: { file: string; issues: Array<{ location: string; path: string; message: string }> }) => {
          const width = Math.max(...p.issues.map((i) => i.location.length))
          const pathWidth = Math.max(...p.issues.map((i) => i.path.length))
          const lines = p.issues.map((i) => `  ${i.location.padEnd(width)}  ${i.path.padEnd(pathWidth)}  ${i.message}`)
          const count = p.issues.length === 1 ? '1 problem' : `${p.issues.length} problems`
          return `${p.file} is not a valid encord-agents config (${count}):\n${lines.join('\n')}`
        },
        hint: 'Fix the fields listed above. Every option is described in encord-agents.config.example.ts and in the README (Config reference).',
      },
      notAConfigObject: {
        message: (p: { shown: string; got: string }) =>
          `${p.shown} must export a config object (export default defineConfig({ ... })), but it exports ${p.got}.`,
        hint: `Write \`export default defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })\` (JSON files: an object with an "agents" list).`,
      },
      unknownOption: {
        message: (p: { key: string; suggestion: string | undefined; valid: readonly string[] }) =>
          `Unknown option "${p.key}".${p.suggestion ? ` Did you mean "${p.suggestion}"?` : ''} Valid options here: ${p.valid.join(', ')}.`,
      },
      /** `expected` says what to write: `a whole number`, `a stage title or UUID, e.g. "Agent 1"`, ... */
      missing: {
        message: (p: { expected: string }) => `Missing: expected ${p.expected}.`,
      },
      wrongType: {
        message: (p: { expected: string; got: string }) => `Expected ${p.expected}, got ${p.got}.`,
      },
      /** `bound`: `at least 1`, `more than 0`; `at most 2147483647 ms (about 24.8 days, ...)`. */
      tooSmall: {
        message: (p: { inclusive: boolean; bound: string; got: string }) =>
          `Must be ${p.inclusive ? 'at least' : 'more than'} ${p.bound}, got ${p.got}.`,
      },
      tooBig: {
        message: (p: { inclusive: boolean; bound: string; got: string }) =>
          `Must be ${p.inclusive ? 'at most' : 'less than'} ${p.bound}, got ${p.got}.`,
      },
      notOneOf: {
        message: (p: { values: readonly unknown[]; got: string }) =>
          `Expected one of ${p.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${p.got}.`,
      },
      /** A refinement's own message (the schema's `refine`). */
      refinement: {
        message: (p: { message: string; got: string }) => `${capitalise(p.message)}, got ${p.got}.`,
      },
      /** Any other zod issue (and a too-short list or string): zod's own message. */
      zod: {
        message: (p: { message: string }) => capitalise(p.message),
      },
    },
  },
})
