// The agent test harness (`encord-agents/testing`): how long a unit test of an agent on 50 tasks takes.
//
//   node bench/testing-harness.mjs [--runs N]      (npm run bench runs it too; needs `npm run build`)
//
// Each run is what an agent's test does: testProject({ generate: { tasks: 50 } }) then runAgent with a
// labelRow() dependency, every task moved, through the Runner, the real client and the in-process
// emulator. Reported: the first run in a fresh process (module loading included, as in a test file's
// first test) and the median of the following runs (goal: under 100 ms). Prints one JSON line on stdout.
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } }, allowPositionals: true })
const RUNS = Math.max(3, Number(args.runs))
const TASKS = 50
const GOAL_MS = 100

const importStarted = performance.now()
const { runAgent, testProject } = await import('../dist/testing/index.js')
const { defineAgent, labelRow } = await import('../dist/index.js')
const importMs = performance.now() - importStarted

const agent = defineAgent({
  deps: { row: labelRow() },
  handler: ({ deps }) => (deps.row.objects().length > 0 ? 'needs review' : 'complete'),
})

async function once(seed) {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const project = await testProject({ generate: { tasks: TASKS, seed } })
  const opened = performance.now()
  const run = await runAgent(agent, { project })
  const done = performance.now()
  if (!run.ok || run.stages[0].processed !== TASKS)
    throw new Error(`the run did not process ${TASKS} tasks: ${JSON.stringify(run.stages[0])}`)
  const used = process.cpuUsage(cpu)
  return {
    totalMs: done - started,
    projectMs: opened - started,
    runMs: done - opened,
    cpuMs: (used.user + used.system) / 1000,
  }
}

const first = await once(0)
const rest = []
for (let i = 1; i <= RUNS; i++) rest.push(await once(i))
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const round = (x) => Math.round(x * 10) / 10
const result = {
  tasks: TASKS,
  runs: RUNS,
  medianMs: round(median(rest.map((r) => r.totalMs))),
  medianProjectMs: round(median(rest.map((r) => r.projectMs))),
  medianRunAgentMs: round(median(rest.map((r) => r.runMs))),
  fastestMs: round(Math.min(...rest.map((r) => r.totalMs))),
  // CPU time of this process: what the harness costs when the machine is shared (wall time then is not).
  medianCpuMs: round(median(rest.map((r) => r.cpuMs))),
  firstRunMs: round(first.totalMs),
  importMs: round(importMs),
  goalMs: GOAL_MS,
  met: median(rest.map((r) => r.totalMs)) < GOAL_MS,
  loadAvg1m: round(loadavg()[0]),
  cpus: cpus().length,
}
process.stderr.write(
  `Agent test harness, ${TASKS} tasks (testProject + runAgent, label rows, in process): median ${result.medianMs} ms ` +
    `(project ${result.medianProjectMs} ms + runAgent ${result.medianRunAgentMs} ms; fastest ${result.fastestMs} ms; ${result.medianCpuMs} ms of CPU) over ${RUNS} runs; ` +
    `first run in a fresh process ${result.firstRunMs} ms after ${result.importMs} ms of imports; goal < ${GOAL_MS} ms: ${result.met ? 'met' : 'NOT met'}` +
    (result.loadAvg1m > result.cpus ? ` (machine busy: load ${result.loadAvg1m} on ${result.cpus} cores)` : '') +
    '\n',
)
process.stdout.write(JSON.stringify(result) + '\n')
