import { useState } from 'preact/hooks'
import { urls, useJson, type RequestLog, type Stats } from './api.js'
import { FilterSelect } from './controls.js'
import { fmtTime } from './task.js'

/**
 * What the client sent and what the emulator answered: counts by endpoint and status, injected faults,
 * connections, and the request log (when the emulator keeps one: `--request-log`, or `run --ui`).
 */
export function RequestsPanel(props: { requests: number; revision: number }) {
  const version = `${props.requests}:${props.revision}`
  const stats = useJson<Stats>(urls.stats(), version)
  const log = useJson<RequestLog>(urls.requests(), version)
  const [endpoint, setEndpoint] = useState('')
  const [errorsOnly, setErrorsOnly] = useState(false)
  const s = stats.data
  if (!s)
    return (
      <section class="panel">
        {stats.error ? <p class="error">{stats.error}</p> : <p class="muted">Loading…</p>}
      </section>
    )

  const endpoints = Object.keys(s.requests.byEndpoint).sort()
  const statuses = [...new Set(endpoints.flatMap((e) => Object.keys(s.requests.byEndpoint[e])))].sort()
  const faultEndpoints = Object.keys(s.faults.byEndpoint).sort()
  const faultKinds = [...new Set(faultEndpoints.flatMap((e) => Object.keys(s.faults.byEndpoint[e])))].sort()
  const entries = (log.data?.requests ?? [])
    .filter(
      (r) =>
        (!endpoint || r.endpoint === endpoint) &&
        (!errorsOnly || r.status === 0 || r.status >= 400 || r.fault !== null),
    )
    .slice(-300)
    .reverse()

  return (
    <section class="panel requests" data-testid="requests-panel">
      <div class="cards">
        <Card label="requests" value={s.requests.total} />
        <Card label="faults injected" value={s.faults.total} warn={s.faults.total > 0} />
        <Card label="auth failures" value={s.authFailures} warn={s.authFailures > 0} />
        <Card label="proceeds applied" value={s.proceeds.total} />
        <Card label="connections open / opened" value={`${s.connections.open} / ${s.connections.opened}`} />
      </div>

      <h3>Requests by endpoint and status</h3>
      {endpoints.length === 0 ? (
        <p class="muted">No Encord API requests yet.</p>
      ) : (
        <CountMatrix
          testId="requests-by-endpoint"
          counts={s.requests.byEndpoint}
          rows={endpoints}
          columns={statuses}
          headClass={(st) => `num ${statusClass(st)}`}
          cellClass={(st, n) => `num ${n ? statusClass(st) : 'zero'}`}
        />
      )}

      <h3>Injected faults</h3>
      {faultEndpoints.length === 0 ? (
        <p class="muted">None injected.</p>
      ) : (
        <CountMatrix testId="faults" counts={s.faults.byEndpoint} rows={faultEndpoints} columns={faultKinds} />
      )}

      <h3>Request log</h3>
      {log.data && !log.data.enabled ? (
        <p class="muted">
          The emulator is not keeping a request log. Start it with <code>emulator start --request-log</code> (
          <code>run --ui</code> keeps one).
        </p>
      ) : (
        <>
          <div class="filters">
            <FilterSelect
              value={endpoint}
              onChange={setEndpoint}
              label="Endpoint"
              any="every endpoint"
              options={endpoints}
            />
            <label>
              <input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.currentTarget.checked)} />{' '}
              errors and faults only
            </label>
            <span class="muted">newest first, last {entries.length}</span>
          </div>
          <table class="log" data-testid="request-log">
            <thead>
              <tr>
                <th>time</th>
                <th>method</th>
                <th>endpoint</th>
                <th>path</th>
                <th class="num">status</th>
                <th class="num">ms</th>
                <th>fault</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((r) => (
                <tr key={r.id}>
                  <td>{fmtTime(r.at)}</td>
                  <td>{r.method}</td>
                  <td>{r.endpoint}</td>
                  <td class="url" title={r.url}>
                    {r.url}
                  </td>
                  <td class={`num ${statusClass(String(r.status))}`}>{r.status === 0 ? 'reset' : r.status}</td>
                  <td class="num">{r.durationMs}</td>
                  <td>{r.fault ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

/** Counts by endpoint (a row each) and by a key such as the status (a column each); a missing count is blank. */
function CountMatrix(props: {
  testId: string
  counts: Record<string, Record<string, number>>
  rows: string[]
  columns: string[]
  headClass?: (column: string) => string
  cellClass?: (column: string, count: number | undefined) => string
}) {
  const { counts, columns, headClass = () => 'num', cellClass = () => 'num' } = props
  return (
    <table class="matrix" data-testid={props.testId}>
      <thead>
        <tr>
          <th>endpoint</th>
          {columns.map((c) => (
            <th key={c} class={headClass(c)}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((e) => (
          <tr key={e}>
            <td>{e}</td>
            {columns.map((c) => (
              <td key={c} class={cellClass(c, counts[e][c])}>
                {counts[e][c] ?? ''}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Card(props: { label: string; value: number | string; warn?: boolean }) {
  return (
    <div class={`card${props.warn ? ' warn' : ''}`}>
      <div class="value">{props.value}</div>
      <div class="label">{props.label}</div>
    </div>
  )
}

function statusClass(status: string): string {
  if (status === 'reset' || status === '0') return 's-reset'
  const n = Number(status)
  return n >= 500 ? 's-5xx' : n >= 400 ? 's-4xx' : 's-2xx'
}
