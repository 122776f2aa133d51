import { useMemo, useRef } from 'preact/hooks'
import { layoutWorkflow } from '../layout.js'
import type { StageInfo } from './api.js'

const TYPE_LABEL: Record<string, string> = {
  START: 'start',
  ANNOTATION: 'annotate',
  REVIEW: 'review',
  AGENT: 'agent',
  DONE: 'done',
  CONSENSUS_ANNOTATION: 'consensus',
  CONSENSUS_REVIEW: 'consensus review',
  PERCENTAGE_ROUTER: 'router %',
  USER_ROUTER: 'router',
}

/**
 * The workflow: stages as boxes (agent stages marked) with the number of tasks in each, pathways as
 * labelled arrows. A count that changed since the last render flashes.
 */
export function WorkflowGraph(props: {
  stages: StageInfo[]
  selected?: string
  onSelect: (stageUuid: string) => void
}) {
  const { stages, selected, onSelect } = props
  const structure = stages.map((s) => `${s.uuid}:${s.pathways.map((p) => p.destinationUuid).join(',')}`).join(';')
  // The layout depends on the workflow only, not on the counts.
  const layout = useMemo(() => layoutWorkflow(stages), [structure])
  const previous = useRef(new Map<string, number>())
  const changed = new Set(
    stages
      .filter((s) => previous.current.has(s.uuid) && previous.current.get(s.uuid) !== s.taskCount)
      .map((s) => s.uuid),
  )
  previous.current = new Map(stages.map((s) => [s.uuid, s.taskCount]))
  const byUuid = new Map(stages.map((s) => [s.uuid, s]))

  return (
    <svg
      class="graph"
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width={layout.width}
      height={layout.height}
      role="img"
      aria-label="Workflow graph"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <g
          class={`pathway${e.back ? ' back' : ''}`}
          key={e.uuid}
          data-pathway-uuid={e.uuid}
          data-pathway-title={e.title}
        >
          <path d={e.d} marker-end="url(#arrow)" />
          <text x={e.labelX} y={e.labelY} text-anchor={e.anchor} dominant-baseline="middle">
            <title>{`${byUuid.get(e.from)?.title} → ${e.title} → ${byUuid.get(e.to)?.title}`}</title>
            {truncate(e.title, 18)}
          </text>
        </g>
      ))}
      {layout.nodes.map((n) => {
        const s = byUuid.get(n.uuid)!
        const kind = s.stageType.toLowerCase().replace(/_/g, '-')
        return (
          <g
            key={n.uuid}
            class={`stage ${kind}${selected === n.uuid ? ' selected' : ''}${changed.has(n.uuid) ? ' flash' : ''}`}
            data-stage-uuid={n.uuid}
            data-stage-title={s.title}
            data-stage-type={s.stageType}
            data-count={s.taskCount}
            transform={`translate(${n.x},${n.y})`}
            onClick={() => onSelect(n.uuid)}
            tabIndex={0}
            onKeyDown={(ev) => (ev.key === 'Enter' || ev.key === ' ') && onSelect(n.uuid)}
          >
            <title>{`${s.title} (${s.stageType}): ${s.taskCount} task${s.taskCount === 1 ? '' : 's'}`}</title>
            <rect width={n.width} height={n.height} rx="10" />
            <text class="stage-title" x="12" y="24">
              {truncate(s.title, 17)}
            </text>
            <text class="stage-type" x="12" y="46">
              {s.stageType === 'AGENT' ? '⚙ agent' : (TYPE_LABEL[s.stageType] ?? s.stageType.toLowerCase())}
            </text>
            <text class="stage-count" x={n.width - 12} y="42" text-anchor="end">
              {s.taskCount}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text
}
