// The bench's arithmetic: the requests a scenario cannot avoid, the lower bound on its wall time, the
// requests Encord's Python Runner would make for the same work, and the targets of issue 8.
// docs/performance.md explains every term; keep the two in step.

/** Keep-alive connections per origin of the client (EncordClient default): the request parallelism. */
export const POOL_CONNECTIONS = 8
/** Tasks per page of a stage listing (the emulator's default, as Encord's). */
export const PAGE_SIZE = 100
/** Actions per proceed request, label rows per save request (the client's and Python's bundle limits). */
export const PROCEED_BUNDLE = 1000
export const SAVE_BUNDLE = 100

/** Data units per bulk load request (metadata, label rows GET/PUT, storage get-bulk): the API's bundle limit. */
export const LOAD_BUNDLE = 1000

/** Bulk loads for tasks [from, to): metadata, then label rows (GET if any exists, PUT if any is missing) or storage items. */
function loadsFor(s, labelledMap, from, to) {
  const slice = labelledMap.slice(from, to)
  let loads = 0
  if (s.labelRows) loads += 1 + (slice.includes('1') ? 1 : 0) + (slice.includes('0') ? 1 : 0)
  if (s.storageItems) loads += 2
  return loads
}

/**
 * Requests of a scenario: the ones no engine can avoid, and the ones Encord's Python Runner makes.
 * `labelledMap` has one '1'/'0' per task in listing order: does its label row exist already?
 */
export function requestModel(s, labelledMap) {
  const n = s.tasks
  const b = s.batchSize
  const pages = Math.max(1, Math.ceil(n / PAGE_SIZE))
  const edits = s.deps === 'labelRowEdit'
  // Unavoidable: project + ontology, every listing page (tokens chain them), bulk loads and saves and
  // proceeds in bundles as large as the API takes.
  let loads = 0
  for (let i = 0; i < n; i += LOAD_BUNDLE) loads += loadsFor(s, labelledMap, i, Math.min(n, i + LOAD_BUNDLE))
  const unavoidable = 2 + pages + loads + (edits ? Math.ceil(n / SAVE_BUNDLE) : 0) + Math.ceil(n / PROCEED_BUNDLE)
  // Encord's Python Runner (SequentialRunner, wire spec §0): the same project and listing requests,
  // then per batch its loads, its saves (≤ min(100, batch) rows per request) and one proceed request.
  let python = 2 + pages
  let batches = 0
  for (let i = 0; i < n; i += b) {
    const to = Math.min(n, i + b)
    batches++
    python += loadsFor(s, labelledMap, i, to) + 1
    if (edits) python += Math.ceil((to - i) / Math.min(SAVE_BUNDLE, b))
  }
  return { pages, batches, loads, unavoidable, python }
}

/**
 * The lower bound on wall time from first principles (ms):
 *
 *   head + max(listing path, handler path, request path) + tail
 *
 * - head = one connection handshake + 2 × L (the project, then its ontology: the second needs the first);
 * - listing path = pages × L + d × L + W: page tokens chain the listing, and the last page's tasks must
 *   still be loaded (d dependent round trips: metadata then rows or items) and handled (W, one handler);
 * - handler path = L + d × L + H: the first batch is listed and loaded before any handler runs, then the
 *   handler time H = N × W / concurrency for awaited I/O, but N × W for CPU work (one JS thread);
 * - request path = unavoidable requests × L / pool connections (HTTP/1.1: one request per connection at a time);
 * - tail = the last flush: a save round trip (when rows change), then the proceed round trip.
 */
export function lowerBound(s, model) {
  const L = s.latencyMs
  const n = s.tasks
  const d = s.labelRows || s.storageItems ? 2 : 0
  const w = s.workKind === 'none' ? 0 : s.workMs
  const handlerTotal = s.workKind === 'io' ? (n * w) / s.concurrency : s.workKind === 'cpu' ? n * w : 0
  const head = s.connectionLatencyMs + 2 * L
  const listingPath = model.pages * L + d * L + w
  const handlerPath = L + d * L + handlerTotal
  const requestPath = (model.unavoidable * L) / POOL_CONNECTIONS
  const tail = (s.deps === 'labelRowEdit' ? 2 : 1) * L
  const body = Math.max(listingPath, handlerPath, requestPath)
  const binding = body === listingPath ? 'listing' : body === handlerPath ? 'handlers' : 'requests'
  return { lowerBoundMs: head + body + tail, terms: { head, listingPath, handlerPath, requestPath, tail, binding } }
}

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

/** A results.json row from a scenario, its run (scenario.mjs) and the emulator's stats. */
export function analyse(s, run, emulator, labelledMap) {
  const model = requestModel(s, labelledMap)
  const { lowerBoundMs, terms } = lowerBound(s, model)
  // The same bound with each round trip also paying the emulator's measured service time: what a
  // perfect engine would get against this emulator on this machine.
  const service = emulator.serviceMs ?? 0
  const served = lowerBound({ ...s, latencyMs: s.latencyMs + service }, model).lowerBoundMs
  const total = run.client.totalRequests
  const perTask = Object.fromEntries(Object.entries(run.client.requests).map(([k, v]) => [k, round(v / s.tasks, 4)]))
  return {
    scenario: s.scenario,
    tasks: s.tasks,
    latencyMs: s.latencyMs,
    connectionLatencyMs: s.connectionLatencyMs,
    workMs: s.workMs,
    workKind: s.workKind,
    concurrency: s.concurrency,
    batchSize: s.batchSize,
    labelRows: s.labelRows,
    storageItems: s.storageItems,
    deps: s.deps,
    labelledFraction: s.labelledFraction,
    purpose: s.purpose,
    wallMs: Math.round(run.wallMs),
    lowerBoundMs: Math.round(lowerBoundMs),
    // No latency, no work: nothing bounds the run from below but the engine's (and emulator's) own time.
    ratio: lowerBoundMs > 0 ? round(run.wallMs / lowerBoundMs, 2) : null,
    emulatorServiceMs: emulator.serviceMs,
    lowerBoundWithServiceMs: Math.round(served),
    ratioWithService: lowerBoundMs > 0 ? round(run.wallMs / served, 2) : null,
    boundTerms: Object.fromEntries(
      Object.entries(terms).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v) : v]),
    ),
    requestsPerTask: round(total / s.tasks, 4),
    requestsPerTaskByEndpoint: perTask,
    requestsByEndpoint: run.client.requests,
    totalRequests: total,
    retries: run.client.totalRetries,
    emulatorRequests: emulator.requests.total,
    requestsMatchEmulator: emulator.requests.total === total,
    unavoidableRequests: model.unavoidable,
    python: { requests: model.python, requestsPerTask: round(model.python / s.tasks, 4) },
    connections: run.client.connections,
    emulatorConnections: emulator.connections.opened,
    tasksPerSec: Math.round(s.tasks / (run.wallMs / 1000)),
    peakRssMb: Math.round(run.peakRssMb),
    cpuMsPerTask: round(run.cpuMs / s.tasks, 4),
    gcPauseMs: round(run.gcPauses?.ms ?? 0, 1),
    gcPauses: run.gcPauses?.count ?? 0,
    minorPageFaults: run.minorPageFaults,
    ...(run.sampledAllocMb !== undefined ? { allocKbPerTask: round((run.sampledAllocMb * 1024) / s.tasks, 1) } : {}),
    wallMsPerTask: round(run.wallMs / s.tasks, 4),
    processed: run.processed,
    moved: run.moved,
    failed: run.failed,
    maxProceedsPerTask: emulator.proceeds.maxPerTask,
    ...(run.errors.length > 0 ? { errors: run.errors } : {}),
  }
}

/** Where each target of issue 8 stands. `met: null` when the run did not include the scenarios. */
export function evaluateTargets(results, throughput) {
  const ok = results.filter((r) => r.error === undefined)
  const find = (pred) => ok.filter(pred)
  const targets = []
  const list = (rows, f) => rows.map(f).join('; ')

  // Correctness first: a fast run that lost or doubled a move is no result.
  const broken = ok.filter(
    (r) => r.moved !== r.tasks || r.failed > 0 || r.maxProceedsPerTask > 1 || !r.requestsMatchEmulator,
  )
  targets.push({
    target: 'every task moved exactly once; client and emulator agree on request counts',
    detail:
      broken.length === 0
        ? `all ${ok.length} scenarios`
        : list(
            broken,
            (r) =>
              `${r.scenario}: moved ${r.moved}/${r.tasks}, failed ${r.failed}, max proceeds ${r.maxProceedsPerTask}, requests ${r.totalRequests} vs ${r.emulatorRequests}`,
          ),
    met: ok.length === 0 ? null : broken.length === 0,
  })

  const b50 = find(
    (r) => r.labelRows && r.deps === 'labelRow' && r.batchSize === 50 && r.labelledFraction === 1 && r.latencyMs > 0,
  )
  targets.push({
    target: 'batch 50 + label rows: at most 0.05 requests per task',
    detail: b50.length === 0 ? 'not run' : list(b50, (r) => `${r.scenario}: ${r.requestsPerTask}`),
    met: b50.length === 0 ? null : b50.every((r) => r.requestsPerTask <= 0.05),
  })
  const morePython = ok.filter((r) => r.totalRequests > r.python.requests)
  targets.push({
    target: "never more requests than the Python Runner's model",
    detail:
      morePython.length === 0
        ? `all ${ok.length} scenarios at or below it`
        : list(morePython, (r) => `${r.scenario}: ${r.totalRequests} vs ${r.python.requests}`),
    met: ok.length === 0 ? null : morePython.length === 0,
  })
  const maxConns = Math.max(0, ...ok.map((r) => r.connections))
  targets.push({
    target: `no scenario opens more than a handful (<= ${POOL_CONNECTIONS}, the pool) of connections`,
    detail: `at most ${maxConns} (${list(ok.filter((r) => r.connections === maxConns).slice(0, 3), (r) => r.scenario)})`,
    met: ok.length === 0 ? null : maxConns <= POOL_CONNECTIONS,
  })
  const c16 = find((r) => r.concurrency === 16 && r.latencyMs > 0)
  const worst = [...c16].sort((a, b) => b.ratio - a.ratio)
  targets.push({
    target: 'wall time within 1.25x of the lower bound at concurrency 16',
    detail:
      c16.length === 0
        ? 'not run'
        : `worst: ${list(worst.slice(0, 3), (r) => `${r.scenario} x${r.ratio}`)}; ${c16.filter((r) => r.ratio <= 1.25).length}/${c16.length} within`,
    met: c16.length === 0 ? null : c16.every((r) => r.ratio <= 1.25),
  })
  const io16 = find(
    (r) => r.tasks === 1000 && r.deps === 'none' && r.workKind === 'io' && r.concurrency === 16 && r.batchSize === 50,
  )[0]
  const io1 = find(
    (r) => r.tasks === 1000 && r.deps === 'none' && r.workKind === 'io' && r.concurrency === 1 && r.batchSize === 50,
  )[0]
  targets.push({
    target: '50 ms I/O handler, 1,000 tasks: concurrency 16 at least 12x faster than 1',
    detail:
      io16 && io1
        ? `${io1.wallMs} ms / ${io16.wallMs} ms = ${round(io1.wallMs / io16.wallMs, 1)}x`
        : 'not run (the quick run has no 1,000-task concurrency-1 I/O run)',
    met: io16 && io1 ? io1.wallMs / io16.wallMs >= 12 : null,
  })
  const rssPairs = []
  for (const big of find((r) => r.tasks > 1000 && r.tasks < 100000 && r.latencyMs > 0)) {
    const small = find(
      (r) =>
        r.tasks === 1000 &&
        r.deps === big.deps &&
        r.workKind === big.workKind &&
        r.concurrency === big.concurrency &&
        r.batchSize === big.batchSize &&
        r.latencyMs === big.latencyMs &&
        r.labelledFraction === big.labelledFraction,
    )[0]
    if (small) rssPairs.push({ big, small, ratio: big.peakRssMb / small.peakRssMb })
  }
  targets.push({
    target: 'peak RSS of 10,000 tasks at most 1.5x that of 1,000',
    detail:
      rssPairs.length === 0
        ? 'not run'
        : list(
            rssPairs,
            (p) => `${p.big.scenario} ${p.big.peakRssMb} MB / ${p.small.peakRssMb} MB = ${round(p.ratio, 2)}x`,
          ),
    met: rssPairs.length === 0 ? null : rssPairs.every((p) => p.ratio <= 1.5),
  })
  const large = find((r) => r.tasks >= 100000)
  targets.push({
    target: '100,000 tasks under 300 MB peak RSS',
    detail:
      large.length === 0
        ? 'not run (npm run bench -- --large)'
        : list(large, (r) => `${r.scenario}: ${r.peakRssMb} MB`),
    met: large.length === 0 ? null : large.every((r) => r.peakRssMb < 300),
  })
  const overhead = find((r) => r.latencyMs === 0 && r.workKind === 'none' && !r.labelRows)
  targets.push({
    target: "the engine's own overhead under 0.2 ms per task (CPU of the engine process)",
    detail:
      overhead.length === 0
        ? 'not run'
        : list(overhead, (r) => `${r.scenario}: ${r.cpuMsPerTask} ms CPU/task, ${r.wallMsPerTask} ms wall/task`),
    met: overhead.length === 0 ? null : overhead.every((r) => r.cpuMsPerTask < 0.2),
  })
  targets.push({
    target: 'emulator serves at least 2,000 small requests/s on loopback',
    detail:
      throughput.error !== undefined
        ? `failed: ${throughput.error}`
        : `${throughput.requestsPerSec} requests/s measured with the signing client on the same cores (load ${throughput.loadAvg1m}); ${throughput.requestsPerEmulatorCpuSecond} per emulator CPU-second`,
    met: throughput.error !== undefined ? false : throughput.requestsPerSec >= 2000,
  })
  return targets
}
