import { useEffect, useRef, useState } from 'preact/hooks'
// Types only: the emulator's stats module is not bundled into the browser app.
import type { EmulatorStats, RequestLogEntry } from '../../emulator/stats.js'

/**
 * What the dashboard reads from the emulator: its `/_emulator/api/*` state endpoints (src/emulator/routes-internal.ts),
 * `/_emulator/stats`, `/_emulator/requests`, and the dashboard's own events and media (src/dashboard/routes.ts).
 * All GETs: the dashboard never changes the emulator's state.
 */

export interface ProjectListItem {
  projectHash: string
  title: string
  description: string
  tasks: number
  dataUnits: number
  labelRows: number
  events: number
}

export interface Pathway {
  uuid: string
  title: string
  destinationUuid: string
}

export interface StageInfo {
  uuid: string
  title: string
  stageType: string
  pathways: Pathway[]
  taskCount: number
}

export interface ProjectDetail {
  projectHash: string
  title: string
  description: string
  ontologyHash: string
  tasks: number
  workflow: { stages: StageInfo[] }
}

export interface TaskSummary {
  uuid: string
  dataHash: string
  dataTitle: string
  stageUuid: string
  stageTitle: string
  stageType: string
  status: string
  assignee: string | null
  priority: number
  labelHash: string | null
  updatedAt: string
  proceeds: number
}

export interface TaskPage {
  results: TaskSummary[]
  nextCursor: string | null
}

export interface HistoryEvent {
  at: string
  kind: 'proceed' | 'save' | 'priority' | 'create' | 'metadata' | 'move' | 'assign' | 'release' | 'issue'
  taskUuid?: string
  dataHash?: string
  fromStageUuid?: string
  toStageUuid?: string
  pathwayUuid?: string
  labelHash?: string
  before?: Record<string, unknown>
  by?: string
  detail?: unknown
}

export interface DataUnit {
  dataHash: string
  dataTitle: string
  dataType: string
  backingItemUuid: string | null
  width: number | null
  height: number | null
  numberOfFrames: number
  fps: number | null
  fileType: string | null
}

export interface TaskDetail {
  task: TaskSummary
  dataUnit: DataUnit
  storageItem: {
    uuid: string
    name: string
    itemType: string
    mimeType: string | null
    clientMetadata: Record<string, unknown>
  } | null
  labelRow: {
    labelHash: string
    branchName: string
    labelStatus: string
    lastEditedAt: string | null
    labels: Record<string, unknown>
  } | null
  history: HistoryEvent[]
}

/** `GET /_emulator/stats`: the emulator's counters (src/emulator/stats.ts) and its state revision. */
export type Stats = EmulatorStats & { revision: number }

/** One entry of `GET /_emulator/requests` (src/emulator/stats.ts). */
export type { RequestLogEntry }

export interface RequestLog {
  enabled: boolean
  requests: RequestLogEntry[]
}

const enc = encodeURIComponent

export const urls = {
  projects: () => '/_emulator/api/projects',
  project: (p: string) => `/_emulator/api/projects/${enc(p)}`,
  tasks: (p: string, q: { stage?: string; q?: string; cursor?: string; limit?: number }) => {
    const params = new URLSearchParams()
    if (q.stage) params.set('stage', q.stage)
    if (q.q) params.set('q', q.q)
    if (q.cursor) params.set('cursor', q.cursor)
    params.set('limit', String(q.limit ?? 200))
    return `/_emulator/api/projects/${enc(p)}/tasks?${params}`
  },
  task: (p: string, t: string) => `/_emulator/api/projects/${enc(p)}/tasks/${enc(t)}`,
  stats: () => '/_emulator/stats',
  requests: () => '/_emulator/requests',
  events: () => '/_emulator/dashboard/events',
  media: (p: string, dataHash: string, unitHash?: string) =>
    `/_emulator/dashboard/projects/${enc(p)}/media/${enc(dataHash)}${unitHash && unitHash !== dataHash ? `?unit=${enc(unitHash)}` : ''}`,
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } })
  if (!res.ok) {
    const body = await res.text()
    let message = body
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`${res.status}: ${message}`)
  }
  return (await res.json()) as T
}

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
}

/**
 * Fetch JSON, again whenever `url` or `version` changes (the live revision), keeping the last answer
 * while the next one loads so live updates do not flicker. A null url fetches nothing.
 */
export function useJson<T>(url: string | null, version: unknown = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: url !== null })
  const lastUrl = useRef<string | null>(null)
  useEffect(() => {
    if (url === null) {
      setState({ data: undefined, error: undefined, loading: false })
      return
    }
    let cancelled = false
    const sameUrl = lastUrl.current === url
    lastUrl.current = url
    setState((s) => ({ data: sameUrl ? s.data : undefined, error: undefined, loading: true }))
    getJson<T>(url).then(
      (data) => !cancelled && setState({ data, error: undefined, loading: false }),
      (error: Error) => !cancelled && setState((s) => ({ data: s.data, error: error.message, loading: false })),
    )
    return () => {
      cancelled = true
    }
  }, [url, version])
  return state
}

export type Connection = 'connecting' | 'live' | 'reconnecting'

/** The emulator's live revision (bumped on every state change) and request count, over server-sent events. */
export function useLive(): { revision: number; requests: number; connection: Connection } {
  const [revision, setRevision] = useState(0)
  const [requests, setRequests] = useState(0)
  const [connection, setConnection] = useState<Connection>('connecting')
  useEffect(() => {
    const source = new EventSource(urls.events())
    const onState = (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as { revision?: number; requests?: number; total?: number }
      if (data.revision !== undefined) setRevision(data.revision)
      if (data.requests !== undefined) setRequests(data.requests)
      if (data.total !== undefined) setRequests(data.total)
    }
    source.addEventListener('hello', onState)
    source.addEventListener('change', onState)
    source.addEventListener('requests', onState)
    source.onopen = () => setConnection('live')
    // EventSource reconnects by itself (the stream asks for a 1 s retry).
    source.onerror = () => setConnection('reconnecting')
    return () => source.close()
  }, [])
  return { revision, requests, connection }
}
