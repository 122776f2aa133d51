// Render a bench run as Markdown (the tables of docs/performance.md and the README's Performance section).
//
//   node bench/report.mjs [bench/results.json]
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'results.json')
const results = JSON.parse(readFileSync(file, 'utf8'))
const summary = JSON.parse(readFileSync(file.replace(/\.json$/, '.summary.json'), 'utf8'))
const { meta, targets, emulatorThroughput: tp } = summary

const n = (x, d = 0) => (x === null || x === undefined ? '–' : Number(x).toFixed(d))
const lines = []
lines.push(
  `Run of ${meta.date.slice(0, 10)}: Node ${meta.node}, ${meta.platform}, ${meta.cpus} cores shared with other work (load average ${meta.loadAvg.map((x) => x.toFixed(1)).join(' / ')} at the end), ` +
    `latency ${meta.latencyMs} ms per request, ${meta.connectionLatencyMs} ms more per new connection; ${meta.totalSeconds} s in all.`,
  '',
  '| scenario | tasks/s | wall ms | bound ms | ratio | ratio with emulator time | requests/task | Python | connections | peak RSS MB | engine CPU ms/task |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
)
for (const r of results) {
  if (r.error !== undefined) {
    lines.push(`| ${r.scenario} | failed: ${r.error.replace(/\|/g, '/').slice(0, 80)} | | | | | | | | | |`)
    continue
  }
  const bounded = r.lowerBoundMs > 0
  lines.push(
    `| ${r.scenario} | ${n(r.tasksPerSec)} | ${n(r.wallMs)} | ${bounded ? n(r.lowerBoundMs) : '–'} | ${bounded ? n(r.ratio, 2) : '–'} | ${bounded ? n(r.ratioWithService, 2) : '–'} | ${n(r.requestsPerTask, 3)} | ${n(r.python.requestsPerTask, 3)} | ${r.connections} | ${n(r.peakRssMb)} | ${n(r.cpuMsPerTask, 3)} |`,
  )
}
lines.push('')
if (tp && tp.error === undefined) {
  lines.push(
    `Emulator throughput: ${tp.requestsPerSec} signed requests/s on loopback (${tp.requests} in ${tp.elapsedMs} ms, the signing client on the same cores, load ${tp.loadAvg1m}); ` +
      `${tp.emulatorCpuMsPerRequest} ms of emulator CPU per request, i.e. ${tp.requestsPerEmulatorCpuSecond} requests per emulator CPU-second.`,
    '',
  )
}
lines.push('| target | where it stands | met |', '|---|---|---|')
for (const t of targets)
  lines.push(`| ${t.target} | ${t.detail.replace(/\|/g, '/')} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`)
process.stdout.write(lines.join('\n') + '\n')
