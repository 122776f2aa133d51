import { useMemo, useState } from 'preact/hooks'
import { compareObjects, viewLabels, type LabelView, type UnitView } from '../label-view.js'
import { urls, useJson, type HistoryEvent, type StageInfo, type TaskDetail } from './api.js'
import { compactFrames, LabelCanvas, LabelList } from './labels.js'

interface Version {
  index: number
  title: string
  labels: Record<string, unknown>
}

/**
 * One task: where it is, what happened to it (history), and its labels drawn on its media. When the
 * label row was saved, the emulator kept each earlier version: "before" is the row before the first
 * save it saw and "after" the current row; any two versions can be compared.
 */
export function TaskPanel(props: {
  projectHash: string
  taskUuid: string
  stages: StageInfo[]
  revision: number
  onClose: () => void
}) {
  const { projectHash, taskUuid, stages } = props
  const { data, error } = useJson<TaskDetail>(urls.task(projectHash, taskUuid), props.revision)
  const [left, setLeft] = useState<number | null>(null)
  const [right, setRight] = useState<number | null>(null)
  const [highlight, setHighlight] = useState<string | undefined>()

  const versions = useMemo(() => (data ? labelVersions(data) : []), [data])
  if (error && !data)
    return (
      <section class="panel task-panel">
        <p class="error">Could not load the task: {error}</p>
      </section>
    )
  if (!data)
    return (
      <section class="panel task-panel">
        <p class="muted">Loading…</p>
      </section>
    )

  const last = versions.length - 1
  const afterIndex = Math.min(right ?? last, last)
  const beforeIndex = Math.min(left ?? 0, last)
  const comparing = versions.length > 1 && beforeIndex !== afterIndex
  const t = data.task
  return (
    <section class="panel task-panel" data-testid="task-panel" data-task-uuid={t.uuid}>
      <header class="panel-head">
        <h2 title={t.dataTitle}>{t.dataTitle}</h2>
        <button class="close" onClick={props.onClose} aria-label="Close the task">
          ×
        </button>
      </header>
      <dl class="facts">
        <dt>Stage</dt>
        <dd>{t.stageTitle}</dd>
        <dt>Status</dt>
        <dd>{t.status}</dd>
        <dt>Priority</dt>
        <dd>{t.priority}</dd>
        <dt>Assignee</dt>
        <dd>{t.assignee ?? '—'}</dd>
        <dt>Task</dt>
        <dd class="mono">{t.uuid}</dd>
        <dt>Data</dt>
        <dd class="mono">
          {data.dataUnit.dataHash}{' '}
          <span class="muted">
            ({data.dataUnit.dataType.toLowerCase()}
            {data.dataUnit.width ? `, ${data.dataUnit.width}×${data.dataUnit.height}` : ''})
          </span>
        </dd>
        <dt>Label row</dt>
        <dd>
          {data.labelRow ? (
            <span class="mono">
              {data.labelRow.labelHash} · {data.labelRow.labelStatus}
            </span>
          ) : (
            <span class="muted">not created yet</span>
          )}
        </dd>
      </dl>

      <h3>Labels</h3>
      {versions.length > 1 && (
        <div class="versions">
          <VersionSelect side="before" versions={versions} value={beforeIndex} onChange={setLeft} />
          <VersionSelect side="after" versions={versions} value={afterIndex} onChange={setRight} />
        </div>
      )}
      <Comparison
        projectHash={projectHash}
        detail={data}
        before={comparing ? versions[beforeIndex] : undefined}
        after={versions[afterIndex]}
        highlight={highlight}
        onHover={setHighlight}
      />

      <h3>History</h3>
      <History events={data.history} stages={stages} />
    </section>
  )
}

/** The picker of one side of the comparison. */
function VersionSelect(props: {
  side: 'before' | 'after'
  versions: Version[]
  value: number
  onChange: (index: number) => void
}) {
  return (
    <label>
      {props.side}{' '}
      <select
        value={props.value}
        onChange={(e) => props.onChange(Number(e.currentTarget.value))}
        data-testid={`version-${props.side}`}
      >
        {props.versions.map((v) => (
          <option value={v.index} key={v.index}>
            {v.title}
          </option>
        ))}
      </select>
    </label>
  )
}

function Comparison(props: {
  projectHash: string
  detail: TaskDetail
  before?: Version
  after: Version
  highlight?: string
  onHover: (h: string | undefined) => void
}) {
  const { detail, before, after } = props
  const afterView = useMemo(() => viewLabels(after.labels), [after])
  const beforeView = useMemo(() => (before ? viewLabels(before.labels) : undefined), [before])
  const changes = useMemo(
    () => (beforeView ? compareObjects(beforeView, afterView) : undefined),
    [beforeView, afterView],
  )
  const units = mergedUnits(afterView, beforeView, detail)
  const [unitIndex, setUnitIndex] = useState(0)
  const unit = units[Math.min(unitIndex, units.length - 1)]
  const frameCount = units.length > 1 ? 1 : Math.max(detail.dataUnit.numberOfFrames, 1)
  const labelledFrames = [...new Set([...unit.after.frames, ...(unit.before?.frames ?? [])])].sort((a, b) => a - b)
  const [frame, setFrame] = useState<number | null>(null)
  const shown = frame ?? labelledFrames[0] ?? 0

  return (
    <div class="comparison">
      {units.length > 1 && (
        <div class="unit-tabs">
          {units.map((u, i) => (
            <button key={u.after.unitHash} class={i === unitIndex ? 'active' : ''} onClick={() => setUnitIndex(i)}>
              {i + 1}. {u.after.title}
            </button>
          ))}
        </div>
      )}
      {frameCount > 1 && (
        <div class="frames">
          <label>
            frame <b>{shown}</b> / {frameCount - 1}{' '}
            <input
              type="range"
              min={0}
              max={frameCount - 1}
              value={shown}
              onInput={(e) => setFrame(Number(e.currentTarget.value))}
            />
          </label>
          {labelledFrames.length > 0 && (
            <span class="muted">
              labelled: {compactFrames(labelledFrames)}{' '}
              {labelledFrames.slice(0, 12).map((f) => (
                <button key={f} class={`chip${f === shown ? ' active' : ''}`} onClick={() => setFrame(f)}>
                  {f}
                </button>
              ))}
            </span>
          )}
        </div>
      )}
      <div class={`pictures${before ? ' two' : ''}`}>
        {before && unit.before && (
          <LabelCanvas
            projectHash={props.projectHash}
            dataUnit={detail.dataUnit}
            unit={unit.before}
            frame={shown}
            caption={`Before: ${before.title}`}
            testId="labels-before"
            highlight={props.highlight}
          />
        )}
        <LabelCanvas
          projectHash={props.projectHash}
          dataUnit={detail.dataUnit}
          unit={unit.after}
          frame={shown}
          caption={before ? `After: ${after.title}` : after.title}
          changes={changes}
          testId="labels-after"
          highlight={props.highlight}
        />
      </div>
      <div class={`lists${before ? ' two' : ''}`}>
        {beforeView && <LabelList view={beforeView} onHover={props.onHover} />}
        <LabelList view={afterView} changes={changes} onHover={props.onHover} />
      </div>
    </div>
  )
}

/** Units of the shown versions, paired by unit hash; a row without labels yet still shows its media. */
function mergedUnits(
  after: LabelView,
  before: LabelView | undefined,
  detail: TaskDetail,
): Array<{ after: UnitView; before?: UnitView }> {
  const blank = (unitHash: string, title: string): UnitView => ({
    unitHash,
    title,
    sequence: 0,
    mimeType: detail.dataUnit.fileType,
    width: detail.dataUnit.width,
    height: detail.dataUnit.height,
    fps: detail.dataUnit.fps,
    frames: [],
    objects: {},
    classifications: {},
  })
  const list = after.units.length > 0 ? after.units : (before?.units ?? [])
  if (list.length === 0)
    return [
      {
        after: blank(detail.dataUnit.dataHash, detail.dataUnit.dataTitle),
        before: before ? blank(detail.dataUnit.dataHash, detail.dataUnit.dataTitle) : undefined,
      },
    ]
  return list.map((u) => ({
    after: after.units.find((a) => a.unitHash === u.unitHash) ?? { ...u, frames: [], objects: {}, classifications: {} },
    before: before
      ? (before.units.find((b) => b.unitHash === u.unitHash) ?? { ...u, frames: [], objects: {}, classifications: {} })
      : undefined,
  }))
}

/** Versions of the task's label row, oldest first: each save kept the row it replaced. */
export function labelVersions(detail: TaskDetail): Version[] {
  const row = detail.labelRow
  if (!row) return [{ index: 0, title: 'no label row yet', labels: {} }]
  const saves = detail.history.filter(
    (e) => e.kind === 'save' && e.labelHash === row.labelHash && e.before !== undefined,
  )
  const versions: Version[] = saves.map((e, i) => ({
    index: i,
    title: i === 0 ? `original (before ${fmtTime(e.at)})` : `after save ${i} (${fmtTime(saves[i - 1].at)})`,
    labels: e.before!,
  }))
  versions.push({
    index: saves.length,
    title:
      saves.length === 0 ? 'current' : `after save ${saves.length} (${fmtTime(saves[saves.length - 1].at)}) · current`,
    labels: row.labels,
  })
  return versions
}

const KIND_TEXT: Record<HistoryEvent['kind'], string> = {
  proceed: 'moved along a pathway',
  move: 'moved',
  save: 'labels saved',
  create: 'label row created',
  priority: 'priority set',
  metadata: 'client metadata updated',
  assign: 'assigned',
  release: 'released',
  issue: 'issue opened',
}

function History(props: { events: HistoryEvent[]; stages: StageInfo[] }) {
  const stageTitle = (uuid?: string) => props.stages.find((s) => s.uuid === uuid)?.title ?? uuid ?? '?'
  const pathwayTitle = (uuid?: string) => {
    for (const s of props.stages) for (const p of s.pathways) if (p.uuid === uuid) return p.title
    return uuid ?? '?'
  }
  if (props.events.length === 0) return <p class="muted">Nothing happened to this task yet.</p>
  return (
    <ol class="history" data-testid="history">
      {[...props.events].reverse().map((e, i) => (
        <li key={i} class={e.kind} data-kind={e.kind}>
          <time dateTime={e.at} title={e.at}>
            {fmtTime(e.at)}
          </time>
          <span class="what">
            {e.kind === 'proceed' ? (
              <>
                <b>{stageTitle(e.fromStageUuid)}</b> took pathway{' '}
                <b class="pathway-name">{pathwayTitle(e.pathwayUuid)}</b> → <b>{stageTitle(e.toStageUuid)}</b>
              </>
            ) : e.kind === 'move' ? (
              <>
                moved <b>{stageTitle(e.fromStageUuid)}</b> → <b>{stageTitle(e.toStageUuid)}</b>
              </>
            ) : e.kind === 'priority' ? (
              <>
                priority → <b>{String((e.detail as { to?: unknown } | undefined)?.to ?? '?')}</b>
              </>
            ) : (
              (KIND_TEXT[e.kind] ?? e.kind)
            )}
          </span>
          {e.by && (
            <span class="by" title={e.by}>
              by {who(e.by)}
            </span>
          )}
        </li>
      ))}
    </ol>
  )
}

/** An email as is; a public key (a run key has no email) shortened. */
function who(by: string): string {
  return /^[0-9a-f]{64}$/.test(by) ? `key ${by.slice(0, 10)}…` : by
}

export function fmtTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const today = new Date().toDateString() === d.toDateString()
  const time = d.toLocaleTimeString(undefined, { hour12: false })
  return today ? time : `${d.toLocaleDateString()} ${time}`
}
