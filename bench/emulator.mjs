// The bench's emulator, in its own process so the engine's peak RSS is the engine's alone.
//
//   node bench/emulator.mjs '{"tasks":1000,"latencyMs":25,"connectionLatencyMs":50,"labelledFraction":1}'
//
// Generates a project (generateFixture, seeded: the same project every run), serves it in memory on a
// free loopback port with the injected latencies, prints ONE JSON line once it listens (then one per
// "cpu" line it reads), and stops when its stdin closes (the parent died or is done), on SIGTERM/SIGINT,
// or after `maxLifetimeMs`.
import { generateFixture, startEmulator } from '../dist/emulator/index.js'
import { warmWireCache } from '../dist/emulator/wire-cache.js'

const options = JSON.parse(process.argv[2] ?? '{}')
const tasks = options.tasks ?? 1000
const fixture = generateFixture({ tasks, seed: options.seed ?? 1, labelledFraction: options.labelledFraction ?? 1 })
const project = fixture.projects[0]
const stage = project.workflow.stages.find((s) => s.stageType === 'AGENT')
// Which tasks already have a label row, in the listing's order (the emulator lists a stage in task
// uuid order, a keyset): the bench derives the unavoidable and the Python Runner's requests from it.
// One character per task keeps this small even for 100,000 tasks.
const labelled = new Set(project.labelRows.map((r) => r.dataHash))
const listed = [...project.tasks].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0))
const labelledMap = listed.map((t) => (labelled.has(t.dataHash) ? '1' : '0')).join('')

const emulator = await startEmulator({
  fixture,
  port: 0,
  host: '127.0.0.1',
  inMemory: true,
  allowAnyKey: true,
  seed: options.seed ?? 1,
  // The injected latency stands for the whole round trip: the emulator's own work overlaps it.
  faults: {
    latencyMs: options.latencyMs ?? 0,
    connectionLatencyMs: options.connectionLatencyMs ?? 0,
    overlapService: options.overlapService ?? true,
  },
  // The bench reads the emulator's own service time per request from the log.
  requestLog: options.requestLog ?? 0,
})

// The emulator keeps the JSON text of label rows and metadata rows while they are unchanged (bounded:
// src/emulator/wire-cache.ts). Serialise them now, in the listing's order, before anything is measured:
// this emulator stands for a remote server, whose work is not done on the engine's two cores.
// `warmWire: false` leaves the cache to fill as rows are served (each row is served once per run).
if (options.warmWire ?? true) {
  warmWireCache(
    emulator.state,
    project.projectHash,
    listed.map((t) => t.dataHash),
  )
}

let stopping = false
async function stop(code = 0) {
  if (stopping) return
  stopping = true
  clearTimeout(lifetime)
  try {
    await emulator.stop()
  } finally {
    process.exit(code)
  }
}
// Bounded: an emulator left behind by a crashed parent stops by itself.
const lifetime = setTimeout(() => void stop(0), options.maxLifetimeMs ?? 20 * 60_000)
process.once('SIGTERM', () => void stop(0))
process.once('SIGINT', () => void stop(0))
process.stdin.on('end', () => void stop(0))
process.stdin.on('error', () => void stop(0))
// A line protocol on stdin: "cpu" answers this process's CPU time so far, as one JSON line (the
// bench reports the emulator's CPU per request, which machine load does not skew).
let pending = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  pending += chunk
  let newline
  while ((newline = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, newline).trim()
    pending = pending.slice(newline + 1)
    if (line === 'cpu') {
      const { user, system } = process.cpuUsage()
      process.stdout.write(JSON.stringify({ cpuMs: (user + system) / 1000 }) + '\n')
    }
  }
})

process.stdout.write(
  JSON.stringify({
    domain: emulator.domain,
    pid: process.pid,
    projectHash: project.projectHash,
    stageUuid: stage.uuid,
    stageTitle: stage.title,
    pathways: stage.pathways.map((p) => p.title),
    tasks,
    labelledMap,
  }) + '\n',
)
