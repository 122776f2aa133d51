import { defineErrors } from './define.js'

/** What to do about a stage name the described workflow lacks. */
const unknownStageHint = (p: { near: string | undefined; stages: string[] }): string =>
  p.near !== undefined ? `Did you mean "${p.near}"?` : `The stages are: ${p.stages.join(', ')}.`

// Errors raised by src/testing (testProject, runAgent; see index.ts for how entries are written and thrown).
export const testingErrors = defineErrors({
  TestProjectInvalid: {
    exit: 'user',
    hint: 'Fix the project description given to testProject().',
    messages: {
      noSource: {
        message: () => `testProject() needs { fixture }, { generate } or a description with tasks.`,
        hint: `e.g. testProject({ fixture: new URL('./fixture.json', import.meta.url) }) or testProject({ tasks: ['a.jpg', 'b.jpg'] }).`,
      },
      noStages: { message: () => 'The project has no stages.' },
      stageListedTwice: { message: (p: { stage: string }) => `Stage "${p.stage}" is listed twice.` },
      unknownStageType: {
        message: (p: { stage: string; type: unknown; types: string[] }) =>
          `Stage "${p.stage}" has the type ${JSON.stringify(p.type)}.`,
        hint: (p: { types: string[] }) => `Use one of: ${p.types.join(', ')}.`,
      },
      pathwayToUnknownStage: {
        message: (p: { pathway: string; from: string; stage: string; near: string | undefined; stages: string[] }) =>
          `The pathway "${p.pathway}" of "${p.from}" names the stage "${p.stage}", which is not in the workflow.`,
        hint: unknownStageHint,
      },
      taskInUnknownStage: {
        message: (p: { task: string; stage: string; near: string | undefined; stages: string[] }) =>
          `Task "${p.task}" names the stage "${p.stage}", which is not in the workflow.`,
        hint: unknownStageHint,
      },
      pathwaysOnNonAgentStage: {
        message: (p: { stage: string }) => `Stage "${p.stage}" is not an agent stage, so it cannot have pathways.`,
      },
      taskTitleTwice: {
        message: (p: { task: string }) => `Two tasks have the title "${p.task}".`,
        hint: 'Give every task its own title: tests find tasks by it.',
      },
      taskWithoutStage: {
        message: (p: { task: string }) => `Task "${p.task}" names no stage, and the workflow has no agent stage.`,
      },
      priorityOutOfRange: {
        message: (p: { task: string; priority: number }) =>
          `Task "${p.task}" has the priority ${p.priority}; priorities are from 0 to 1.`,
      },
      attributeWithoutOptions: {
        message: (p: { type: string; attribute: string }) => `The ${p.type} "${p.attribute}" needs options.`,
      },
      /** Without a projectHash, the fixture's first project is opened. */
      projectNotInFixture: {
        message: (p: { projectHash: string | undefined; projects: string }) =>
          p.projectHash === undefined ? 'The fixture has no project.' : `The fixture has no project ${p.projectHash}.`,
        hint: (p: { projects: string }) => `Its projects: ${p.projects}.`,
      },
    },
  },
})
