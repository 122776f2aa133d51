import { defineErrors } from './define.js'
import { agentStagesText, where, type AgentStageFacts } from './validation.js'

type StageNotFoundFacts = {
  stage: string
  project: string
  suggestion: string | undefined
  agentStages: readonly AgentStageFacts[]
}

const RUN_AGENT_STAGE_HINT =
  "Pass { stage: 'title' } to runAgent, or a record of agents by stage: runAgent({ Triage: triage, Finish: finish }, { project })."

/**
 * A dependency graph's problems (core/deps/graph.ts) are thrown together, under the first one's code and
 * hint, so that all are fixed in one go: these two situations belong to each code a problem can have.
 */
const DEPENDENCY_PROBLEMS = {
  /** checkDependencyGraph: the problems, one a line. */
  listed: {
    message: (p: { messages: string[]; hint: string | undefined }) => p.messages.join('\n'),
    hint: (p: { hint: string | undefined }) => p.hint,
  },
  /** An agent's module was loaded (core/config/handlers.ts): the problems under the agent's name. */
  inAgent: {
    message: (p: { stage: string; file: string; messages: string[]; hint: string | undefined }) =>
      `The agent for stage "${p.stage}" (${p.file}) has ${p.messages.length === 1 ? 'a dependency problem' : `${p.messages.length} dependency problems`}:\n${p.messages.join('\n')}`,
    hint: (p: { hint: string | undefined }) =>
      p.hint ?? 'Fix the `deps` of the agent (and of the dependencies it uses).',
  },
}

// Errors raised by src/core (see index.ts for how entries are written and thrown).
export const coreErrors = defineErrors({
  MissingStage: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { file: string }) =>
          `The agent of ${p.file} has no stage: neither its config entry nor its defineAgent names one.`,
        hint: "Add `stage: 'Agent 1'` (your agent stage's title or UUID) to the config entry or to defineAgent({ stage, ... }); `encord-agents list-stages` lists the stages.",
      },
    },
  },
  InvalidAgent: {
    exit: 'user',
    messages: {
      stage: {
        message: () => '`stage` of defineAgent must be a stage title or UUID.',
      },
      notAnObject: {
        message: () => `defineAgent needs an object with a \`handler\` function.`,
        hint: `Write defineAgent({ handler: async ({ task }) => "complete" }).`,
      },
      deps: {
        message: () => `\`deps\` of defineAgent must be an object of dependencies.`,
      },
      pathways: {
        message: () => `\`pathways\` of defineAgent must be a list of pathway names or UUIDs.`,
      },
      onFailure: {
        message: () => `\`onFailure\` of defineAgent must be a pathway name or UUID.`,
      },
    },
  },
  HandlerNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { spec: string; who: string; value: string; tried: string[] }) =>
          `Handler module "${p.spec}" of ${p.who} was not found.`,
        hint: (p: { spec: string; who: string; value: string; tried: string[] }) =>
          `Create it, or fix the path (it is relative to the config file). Looked for: ${p.value}${p.tried.length > 4 ? ', ...' : ''}.`,
      },
    },
  },
  HandlerSyntaxError: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; who: string; reason: string }) =>
          `Handler module ${p.shown} of ${p.who} has a syntax error: ${p.reason}`,
        hint: `Fix the syntax at the location shown.`,
      },
    },
  },
  HandlerLoadFailed: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; who: string; message: string }) =>
          `Handler module ${p.shown} of ${p.who} threw an error while loading: ${p.message}`,
        hint: `Code at the top level of the module runs when it is loaded: fix what throws (or the import it cannot resolve), or move it into the handler. Run with --verbose for the stack trace.`,
      },
    },
  },
  HandlerNoDefaultExport: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; who: string; agentExport: string | undefined; named: string[] }) =>
          `Handler module ${p.shown} of ${p.who} has no default export.`,
        hint: (p: { shown: string; who: string; agentExport: string | undefined; named: string[] }) =>
          p.agentExport
            ? `It exports an agent named "${p.agentExport}": make it the default export (\`export default defineAgent({ ... })\`).`
            : `Add \`export default defineAgent({ handler: async ({ task }) => ... })\` to ${p.shown}.${p.named.length ? ` (It exports: ${p.named.join(', ')}.)` : ''}`,
      },
    },
  },
  HandlerNotAnAgent: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; who: string; value: string; functionName: string | undefined }) =>
          `The default export of ${p.shown} (${p.who}) is not an agent made with defineAgent(); it is ${p.value}.`,
        /** `functionName`: set when the default export is a plain function. */
        hint: (p: { functionName: string | undefined }) =>
          p.functionName !== undefined
            ? `It exports a plain function: wrap it, \`export default defineAgent({ handler: ${p.functionName} })\`.`
            : `Write \`export default defineAgent({ handler: async ({ task }) => ... })\` (import { defineAgent } from 'encord-agents').`,
      },
    },
  },
  ConfigNotFound: {
    exit: 'user',
    messages: {
      givenPath: {
        message: (p: { configPath: string; what: string }) => `Config file ${p.configPath} ${p.what}.`,
        hint: `Check the --config path, or leave --config out to search for encord-agents.config.ts from the current directory up.`,
      },
      searched: {
        message: (p: { cwd: string }) =>
          `No encord-agents config found in ${p.cwd} or its parent directories (up to the project root).`,
        hint: `Create one with \`encord-agents init\`, or pass --config FILE. Looked for encord-agents.config.{ts,mts,js,mjs,json}, .encord-agentsrc* and an "encord-agents" key in package.json.`,
      },
    },
  },
  ConfigNoDefaultExport: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; names: string[] }) =>
          `${p.shown} has no default export${p.names.length ? ` (it exports ${p.names.join(', ')})` : ''}.`,
        hint: `The config is the module's default export: \`export default defineConfig({ agents: [...] })\`.`,
      },
    },
  },
  ConfigSyntaxError: {
    exit: 'user',
    messages: {
      syntax: {
        message: (p: { shown: string; reason: string }) => `${p.shown} has a syntax error: ${p.reason}`,
        hint: `Fix the syntax at the location shown; \`npx tsc --noEmit\` in your project shows the same error in more detail.`,
      },
      unparsable: {
        message: (p: { shown: string; kind: string; reason: string; location: string }) =>
          `${p.shown} is not valid ${p.kind}: ${p.reason}`,
        hint: (p: { shown: string; kind: string; reason: string; location: string }) =>
          `Fix the ${p.kind} syntax${p.location === p.shown ? '' : ' at the location shown'} (a JSON config is plain JSON: double quotes, no trailing commas, no comments).`,
      },
    },
  },
  ConfigLoadFailed: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; message: string }) => `${p.shown} threw an error while loading: ${p.message}`,
        hint: `The config module runs when it is loaded: fix the code that throws (or an import it cannot resolve). Run with --verbose for the stack trace.`,
      },
    },
  },
  InvalidRunSettings: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { problems: string[] }) => `Invalid run settings:\n  ${p.problems.join('\n  ')}`,
        hint: `Fix the \`run\` block of the config or the matching flags (--task-batch-size, --concurrency, --num-retries, ...).`,
      },
    },
  },
  AssetUnavailable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { name: string; itemType: string }) =>
          `The storage item "${p.name}" (${p.itemType}) has no downloadable media (no signed URL).`,
        hint: `asset() works for items with a single file (image, video, audio, PDF); image groups and DICOM series have none.`,
      },
    },
  },
  FrameOutOfRange: {
    exit: 'user',
    messages: {
      noSuchFrame: {
        message: (p: { name: string; frame: number; count: number | null }) =>
          `"${p.name}" has no frame ${p.frame}${p.count === null ? '' : ` (it has ${p.count} frame${p.count === 1 ? '' : 's'}, from 0)`}.`,
      },
      frameArgument: {
        message: (p: { n: number }) => `frame() takes a frame number ≥ 0, got ${JSON.stringify(p.n)}.`,
      },
      objectLeftFrame: {
        message: (p: { title: string; objectHash: string; frame: number }) =>
          `Object ${p.title} (${p.objectHash}) is no longer on frame ${p.frame}.`,
      },
      classificationLeftFrame: {
        message: (p: { title: string; frame: number }) => `Classification ${p.title} is no longer on frame ${p.frame}.`,
      },
      globalClassification: {
        message: (p: { title: string }) =>
          `Classification ${p.title} is global: it applies to the whole item and has no frames.`,
      },
      notAFrameIndex: {
        message: (p: { frame: string }) => `Frame ${p.frame} is not a frame index: frames are integers from 0.`,
      },
      backwardsRange: {
        message: (p: { start: number; end: number }) => `Frame range ${p.start}–${p.end} ends before it starts.`,
      },
      rangesOnFrameMedia: {
        message: (p: { what: string; dataTitle: string; value: unknown }) =>
          `Cannot put ${p.what} on ranges: ${p.dataTitle} is ${p.value} data, whose labels go on frames.`,
        hint: `Ranges are for audio (milliseconds) and plain text or HTML (characters); use frames here.`,
      },
      classificationTakesNoFrames: {
        message: (p: { title: string; why: string }) => `Classification ${p.title} ${p.why}, so it takes no frames.`,
      },
      allFramesUnknown: {
        message: (p: { dataTitle: string }) =>
          `Cannot use frames: 'all' for ${p.dataTitle}: its frame count is unknown.`,
        hint: `Pass the frames explicitly, or load the row with its metadata (number_of_frames).`,
      },
      dynamicAnswerOffObject: {
        message: (p: { title: string; hash: string; missing: string; name: string }) =>
          `Object ${p.title} (${p.hash}) is not on frame(s) ${p.missing}; dynamic answers to ${p.name} go on frames where the object is.`,
      },
      framesNotAllowed: {
        message: (p: { what: string; bad: string; desc: string }) =>
          `Cannot put ${p.what} on frame(s) ${p.bad}: ${p.desc}.`,
      },
      pastLastFrame: {
        message: (p: { what: string; bad: string; dataTitle: string; count: number }) =>
          `Cannot put ${p.what} on frame(s) ${p.bad}: ${p.dataTitle} has ${p.count} frames (0–${p.count - 1}).`,
      },
    },
  },
  FrameUnavailable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { name: string; itemType: string }) =>
          `frame() decodes images and videos; "${p.name}" is a ${p.itemType} item.`,
        hint: `Use asset() for the media file of other data types.`,
      },
    },
  },
  VideoDecodeFailed: {
    exit: 'user',
    messages: {
      unknownSize: {
        message: (p: { name: string }) =>
          `Could not read the size of the video "${p.name}" (ffprobe failed and the storage item has none).`,
        hint: `Install ffprobe (it comes with ffmpeg) next to ffmpeg.`,
      },
      ffmpegFailed: {
        message: (p: { name: string; stderr: string; code: null | number }) =>
          `ffmpeg could not decode ${p.name}: ${p.stderr.trim() || `exit code ${p.code}`}`,
      },
    },
  },
  NotAVideo: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { name: string; itemType: string }) =>
          `videoFrames() decodes videos and image sequences; "${p.name}" is a ${p.itemType} item.`,
        hint: `Use frame() for the image of an image task, or asset() for the file itself.`,
      },
    },
  },
  InvalidDependency: {
    exit: 'user',
    messages: {
      ...DEPENDENCY_PROBLEMS,
      /** A deps function that threw, under the path where it was found. */
      depsThrew: {
        message: (p: { path: string; error: string }) => `${p.path}: ${p.error}`,
      },
      notAnObject: {
        message: () => `defineDependency needs an object with a \`resolve\` function.`,
        hint: `Write defineDependency({ resolve: (ctx) => value }).`,
      },
      scope: {
        message: (p: { scope: string }) => `A dependency's scope must be 'task' or 'run', not ${p.scope}.`,
      },
      runScopedResolveMany: {
        message: () => `A run-scoped dependency cannot have \`resolveMany\` (it is resolved once, not per batch).`,
      },
      notADependency: {
        message: (p: { path: string; what: string }) => `${p.path} is not a dependency (got ${p.what}).`,
        hint: (p: { what: string }) =>
          p.what === 'a function'
            ? 'Wrap it with defineDependency({ resolve: ... }), or call the factory that makes it.'
            : 'Each entry of `deps` must be a built-in dependency (labelRow(), storageItem(), ...) or one made with defineDependency.',
      },
      depsNotAnObject: {
        message: () => `\`deps\` must be an object of dependencies (or a function returning one).`,
      },
    },
  },
  DependencyCycle: {
    exit: 'user',
    messages: {
      ...DEPENDENCY_PROBLEMS,
      default: {
        message: (p: { names: string[]; where: string[] }) =>
          `Dependency cycle: ${p.names.join(' → ')}.\n${p.where.join('\n')}`,
        hint: 'A dependency cannot need itself, directly or through others. Remove one of the links.',
      },
    },
  },
  RunScopeDependsOnTask: {
    exit: 'user',
    messages: {
      ...DEPENDENCY_PROBLEMS,
      default: {
        message: (p: { dependent: string; dependency: string }) =>
          `The run-scoped dependency ${p.dependent} needs the task-scoped dependency ${p.dependency}.`,
        hint: (p: { dependent: string; dependency: string }) =>
          `A run-scoped dependency is resolved once per run, before any task: make ${p.dependent} task-scoped, or ${p.dependency} run-scoped.`,
      },
    },
  },
  JournalUnreadable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; error: string }) => `The run journal ${p.path} cannot be read (${p.error}).`,
        hint: `Check its permissions, or turn the journal off for this run (\`run: { journal: false }\` in the config, or --no-journal).`,
      },
    },
  },
  JournalInvalid: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string }) => `${p.path} is not an encord-agents run journal.`,
        hint: `Point \`run.journal\` at a file of its own (or leave it at the default), or move this file away.`,
      },
    },
  },
  JournalOtherProject: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; projectHash: string; projectHash2: string }) =>
          `The run journal ${p.path} belongs to project ${p.projectHash}, not ${p.projectHash2}.`,
        hint: `Give each project its own journal file (the default path has the project hash in its name).`,
      },
    },
  },
  JournalUnwritable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; code: string }) =>
          `The run journal ${p.path} cannot be created or written (${p.code}).`,
        hint: `Check that its folder can be written, point \`run.journal\` at another file, or turn the journal off for this run with --no-journal (a killed run is then not finished by the next one).`,
      },
    },
  },
  JournalLocked: {
    exit: 'user',
    messages: {
      heldByRun: {
        message: (p: { pid: number; holder: string; startedAt: string; journalPath: string; lockPath: string }) =>
          `Another encord-agents run (process ${p.pid}${p.holder}, started ${p.startedAt}) is using the run journal ${p.journalPath}.`,
        hint: (p: { pid: number; holder: string; startedAt: string; journalPath: string; lockPath: string }) =>
          `Wait for that run to finish (two runs on one project would decide the same tasks twice). If it is not running any more, delete ${p.lockPath}.`,
      },
      contended: {
        message: (p: { journalPath: string; lockPath: string }) =>
          `Could not take the lock of the run journal ${p.journalPath}: another run keeps taking it.`,
        hint: (p: { journalPath: string; lockPath: string }) =>
          `Make sure only one run works on this project, then delete ${p.lockPath}.`,
      },
    },
  },
  LabelRowNotSavable: {
    exit: 'user',
    messages: {
      default: {
        message: () => `The handler returned a label row without a label hash, so it cannot be saved.`,
        hint: `Return the label row of the labelRow() dependency (or one loaded for this task).`,
      },
    },
  },
  InvalidStage: {
    exit: 'user',
    messages: {
      runnerStageTitle: {
        message: () => `runner.stage() needs a stage title or UUID as its first argument.`,
      },
      runnerStageAgent: {
        message: (p: { stage: string }) =>
          `runner.stage(${JSON.stringify(p.stage)}, ...) needs an agent made with defineAgent, or options and a handler function.`,
        hint: `Write runner.stage('Agent 1', defineAgent({ handler })) or runner.stage('Agent 1', { deps }, handler).`,
      },
      runAgentStageWithRecord: {
        message: () =>
          `runAgent(): give \`stage\` with a single agent, not with a record of agents (its keys are the stages).`,
      },
      runAgentNoAgent: {
        message: () => `runAgent() needs an agent made with defineAgent, or a record of them by stage title.`,
      },
      runAgentNoAgentStage: {
        message: () => 'The test project has no agent stage to run the agent on.',
        hint: RUN_AGENT_STAGE_HINT,
      },
      runAgentWhichStage: {
        message: (p: { stages: string[] }) =>
          `The test project has ${p.stages.length} agent stages (${p.stages.join(', ')}): which one should the agent run on?`,
        hint: RUN_AGENT_STAGE_HINT,
      },
    },
  },
  DuplicateStage: {
    exit: 'user',
    messages: {
      /** runner.stage() called twice for one stage. */
      default: {
        message: (p: { stage: string; previous: string; location: undefined | string }) =>
          `Stage ${JSON.stringify(p.stage)} has two agents: one declared at ${p.previous} and one at ${p.location ?? 'this call'}.`,
        hint: `Remove one of them, or pass { overwrite: true } to the later one to replace the earlier (it keeps the earlier position).`,
      },
      /** Validation issue (validation.ts): two bindings name the same stage, by title or UUID. */
      sameStage: {
        message: (p: {
          title: string
          previous: string
          previousLocation: string | undefined
          stage: string
          location: string | undefined
        }) =>
          `Stage "${p.title}" has two agents: ${JSON.stringify(p.previous)}${where(p.previousLocation)} and ` +
          `${JSON.stringify(p.stage)}${where(p.location)}.`,
        hint: 'Remove one of them, or mark the later one `overwrite: true` to replace the earlier (it keeps the earlier position).',
      },
    },
  },
  ProjectHashMissing: {
    exit: 'user',
    messages: {
      runner: {
        message: () => `No project hash: the runner does not know which project to work on.`,
        hint: `Pass projectHash to new Runner({ projectHash }) or run({ projectHash }), set ENCORD_PROJECT_HASH, or use --project-hash.`,
      },
      queueRunner: {
        message: () => `new QueueRunner() needs the project hash: new QueueRunner({ projectHash }).`,
        hint: `The wrapped handlers re-fetch tasks from this project, so it must be known up front.`,
      },
      fixtureHasSeveral: {
        message: (p: { fixtureShown: string; hashes: string[] }) =>
          `${p.fixtureShown} holds ${p.hashes.length} projects; say which one to use.`,
        hint: (p: { fixtureShown: string; hashes: string[] }) =>
          `Set projectHash in the config or pass --project-hash. Projects: ${p.hashes.join(', ')}.`,
      },
      notGiven: {
        message: (p: { where: string; local: string }) => `No project given${p.where}.`,
        hint: (p: { where: string; local: string }) =>
          `Set projectHash in the config, pass --project-hash HASH or set ENCORD_PROJECT_HASH${p.local}.`,
      },
    },
  },
  ValidationFailed: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { length: number; issues: string; lines: string[] }) =>
          `Validation failed (${p.length} issue${p.issues}):\n${p.lines.join('\n')}`,
        hint: `Nothing was moved or changed. Fix the issues above and run again (encord-agents validate checks without running).`,
      },
    },
  },
  StageNotFound: {
    exit: 'user',
    messages: {
      /** testing's project (src/testing/project.ts). */
      default: {
        message: (p: { stage: string; stages: string }) => `The test project has no stage "${p.stage}".`,
        hint: (p: { stage: string; stages: string }) => `Its stages: ${p.stages}.`,
      },
      /** Validation issue (validation.ts): a binding names a stage the project does not have. */
      inProject: {
        message: (p: StageNotFoundFacts) =>
          `Unknown stage ${JSON.stringify(p.stage)} in project "${p.project}".` +
          (p.suggestion !== undefined ? ` Did you mean ${JSON.stringify(p.suggestion)}?` : ''),
        hint: (p: StageNotFoundFacts) => `Use the title or UUID of an agent stage. ${agentStagesText(p.agentStages)}`,
      },
    },
  },
  TaskNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { titleOrUuid: string }) => `The test project has no task "${p.titleOrUuid}".`,
        hint: `Tasks are found by data title, task UUID or data hash.`,
      },
    },
  },
})
