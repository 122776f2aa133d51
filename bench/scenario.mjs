// One bench scenario, in its own process (so `maxRSS` is this scenario's peak alone): the REAL engine
// (Runner from dist, with the real EncordClient) against the emulator the parent started.
//
//   node bench/scenario.mjs '{"domain":"http://127.0.0.1:PORT","projectHash":"…","stage":"Agent 1",
//                             "tasks":1000,"deps":"labelRow","workKind":"io","workMs":50,
//                             "concurrency":16,"batchSize":50}'
//
// Prints ONE JSON line: wall time, the run's result counts, the client's request stats, peak RSS, CPU.
import diagnostics from 'node:diagnostics_channel'
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  EncordClient,
  Runner,
  defineAgent,
  generateOpenSshKey,
  labelRow,
  parsePrivateKey,
  storageItem,
} from '../dist/index.js'

const s = JSON.parse(process.argv[2])
const round1 = (ms) => Math.round(ms * 10) / 10

// --trace: when each request was written to its socket and when its reply was read, by trace id
// (X-Cloud-Trace-Context, which the emulator logs too), from undici's diagnostics channels.
const now = () => performance.timeOrigin + performance.now()
const trace = new Map()
if (s.trace) {
  const traceIdOf = (request) => {
    const h = request.headers
    const text = Array.isArray(h) ? h.join('\n') : String(h)
    return /x-cloud-trace-context(?::\s*|\n)([0-9a-f]+)/i.exec(text)?.[1]
  }
  // When the client handed each request to undici (its write may wait: undici:client:sendHeaders).
  const dispatched = new WeakMap()
  diagnostics.subscribe('undici:request:create', ({ request }) => dispatched.set(request, now()))
  diagnostics.subscribe('undici:client:sendHeaders', ({ request, headers }) => {
    const id = /x-cloud-trace-context:\s*([0-9a-f]+)/i.exec(String(headers))?.[1] ?? traceIdOf(request)
    if (id !== undefined)
      trace.set(request, {
        traceId: id,
        path: request.path.split('?')[0],
        dispatchMs: dispatched.get(request),
        sendMs: now(),
      })
  })
  diagnostics.subscribe('undici:request:headers', ({ request }) => {
    const t = trace.get(request)
    if (t !== undefined) t.headersMs = now()
  })
  diagnostics.subscribe('undici:request:trailers', ({ request }) => {
    const t = trace.get(request)
    if (t !== undefined) t.readMs = now()
  })
}
const key = generateOpenSshKey('bench key')
const client = new EncordClient({
  domain: s.domain,
  key: parsePrivateKey(key.privateKeyText),
  ...(s.connections ? { connections: s.connections } : {}),
})

/** The handler's work: nothing, awaited I/O (a model call), or CPU on the event-loop thread. */
function work() {
  if (s.workKind === 'io') return sleep(s.workMs)
  if (s.workKind === 'cpu') {
    const until = performance.now() + s.workMs
    let x = 0
    while (performance.now() < until) x += Math.sqrt(x + 1)
    return x
  }
  return undefined
}

const agents = {
  // No dependency: the task alone.
  none: defineAgent({
    handler: async () => {
      await work()
      return 'complete'
    },
  }),
  // Read the label row (loaded in bulk per batch); no change, so nothing is saved.
  labelRow: defineAgent({
    deps: { row: labelRow() },
    handler: async ({ deps }) => {
      await work()
      return deps.row.objects().length >= 0 ? 'complete' : null
    },
  }),
  // Add a box to the label row: one save per task, bundled with the others.
  labelRowEdit: defineAgent({
    deps: { row: labelRow() },
    handler: async ({ deps }) => {
      await work()
      deps.row.addBoundingBox('Box', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, { confidence: 0.9 })
      return 'complete'
    },
  }),
  // Read the storage item's client metadata (one get-bulk per batch).
  storageItem: defineAgent({
    deps: { item: storageItem() },
    handler: async ({ deps }) => {
      await work()
      return typeof deps.item.clientMetadata === 'object' ? 'complete' : null
    },
  }),
}
const agent = agents[s.deps]
if (agent === undefined) throw new Error(`unknown deps ${s.deps}`)

const runner = new Runner({ projectHash: s.projectHash, client })
runner.stage(s.stage, agent)

// The engine's garbage collection pauses during the run (main thread), by kind: scavenges (minor) and
// mark-compacts (major). A scavenge that has to copy many live young objects stops the run for ms.
const gcPauses = { count: 0, ms: 0, minorCount: 0, minorMs: 0 }
// --trace: each pause on the timeline too (its start in performance.now() ms, made relative below).
const gcTimeline = []
const GC_KINDS = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (s.trace) gcTimeline.push({ startMs: entry.startTime, ms: entry.duration, kind: GC_KINDS[entry.detail?.kind] })
    gcPauses.count++
    gcPauses.ms += entry.duration
    if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gcPauses.minorCount++
      gcPauses.minorMs += entry.duration
    }
  }
})

// --heap-prof DIR: a sampling profile of what the run allocates, INCLUDING what the garbage collector
// has freed by the end (Node's own --heap-prof keeps only what is still alive). Bytes allocated per task
// do not depend on the machine's load, unlike times: the steady measure of work the GC must follow.
let heapSession
if (s.heapProf) {
  const { Session } = await import('node:inspector/promises')
  heapSession = new Session()
  heapSession.connect()
  await heapSession.post('HeapProfiler.enable')
}

// The measurement window: the whole run (project, validation, listing, loads, handlers, flushes).
globalThis.gc?.()
await heapSession?.post('HeapProfiler.startSampling', {
  samplingInterval: 16384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
})
gcObserver.observe({ entryTypes: ['gc'] })
const pageFaultsBefore = process.resourceUsage().minorPageFault
const cpuBefore = process.cpuUsage()
const started = performance.now()
const startedAtMs = now()
// The run's start on the monotonic clock of V8's CPU profiles (µs): lines a --cpu-prof up with a --trace.
const startedAtHrUs = Number(process.hrtime.bigint() / 1000n)
const result = await runner.run({ concurrency: s.concurrency, taskBatchSize: s.batchSize })
const wallMs = performance.now() - started
const cpu = process.cpuUsage(cpuBefore)
let sampledAllocMb
if (heapSession !== undefined) {
  const { profile } = await heapSession.post('HeapProfiler.stopSampling')
  const sum = (node) => (node.selfSize ?? 0) + (node.children ?? []).reduce((n, c) => n + sum(c), 0)
  sampledAllocMb = sum(profile.head) / 1024 / 1024
  const { writeFileSync } = await import('node:fs')
  writeFileSync(`${s.heapProf}/alloc-${s.tasks}-${s.deps}-${process.pid}.heapprofile`, JSON.stringify(profile))
  heapSession.disconnect()
}
// GC entries are delivered asynchronously: let the last ones arrive before reading them.
await new Promise((resolve) => setImmediate(resolve))
gcObserver.disconnect()
const stats = client.stats()
await client.close()

const stage = result.stages[0]
const usage = process.resourceUsage()
process.stdout.write(
  JSON.stringify({
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    gcPauses,
    ...(sampledAllocMb !== undefined ? { sampledAllocMb } : {}),
    ok: result.ok,
    processed: stage?.processed ?? 0,
    moved: Object.values(stage?.moved ?? {}).reduce((a, b) => a + b, 0),
    failed: stage?.failed ?? 0,
    errors: (stage?.errors ?? []).slice(0, 3),
    client: stats,
    // maxRSS is in KiB on Linux and macOS.
    peakRssMb: usage.maxRSS / 1024,
    // Pages first touched during the run (fresh heap, buffers, JIT code): ~9 µs each on the bench's machines.
    minorPageFaults: usage.minorPageFault - pageFaultsBefore,
    heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
    ...(s.trace
      ? {
          startedAtMs,
          startedAtHrUs,
          endedAtMs: startedAtMs + wallMs,
          trace: [...trace.values()],
          gc: gcTimeline.map((g) => ({ at: round1(g.startMs - started), ms: round1(g.ms), kind: g.kind })),
        }
      : {}),
  }) + '\n',
)
