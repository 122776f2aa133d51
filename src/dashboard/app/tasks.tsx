import { useEffect, useState } from 'preact/hooks'
import { urls, useJson, type StageInfo, type TaskPage } from './api.js'
import { FilterSelect } from './controls.js'

/**
 * The tasks of a stage (or of every stage), filterable by text (data title, task uuid or data hash
 * prefix; the emulator filters) and by status (here). Reloads when the emulator's state changes.
 */
export function TaskList(props: {
  projectHash: string
  stage?: StageInfo
  selected?: string
  revision: number
  onSelect: (taskUuid: string) => void
}) {
  const { projectHash, stage } = props
  const [text, setText] = useState('')
  const [query, setQuery] = useState('')
  const [status, setStatus] = useState('')
  const [limit, setLimit] = useState(200)
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), 200)
    return () => clearTimeout(timer)
  }, [text])
  useEffect(() => setLimit(200), [stage?.uuid, query])

  const { data, error } = useJson<TaskPage>(
    urls.tasks(projectHash, { stage: stage?.uuid, q: query || undefined, limit }),
    props.revision,
  )
  const tasks = data?.results ?? []
  const statuses = [...new Set(tasks.map((t) => t.status))].sort()
  const shown = status ? tasks.filter((t) => t.status === status) : tasks

  return (
    <section class="panel task-list" data-testid="task-list">
      <header class="panel-head">
        <h2>{stage ? stage.title : 'All stages'}</h2>
        <span class="muted">{stage ? `${stage.taskCount} task${stage.taskCount === 1 ? '' : 's'}` : ''}</span>
      </header>
      <div class="filters">
        <input
          type="search"
          placeholder="Filter: title, task or data hash"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          data-testid="task-filter"
        />
        <FilterSelect value={status} onChange={setStatus} label="Status" any="any status" options={statuses} />
      </div>
      {error && <p class="error">{error}</p>}
      {shown.length === 0 && data && <p class="muted">No tasks{query || status ? ' match' : ' here'}.</p>}
      {shown.length > 0 && (
        <table class="tasks">
          <thead>
            <tr>
              <th>Data title</th>
              {!stage && <th>Stage</th>}
              <th class="num">Priority</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr
                key={t.uuid}
                class={t.uuid === props.selected ? 'selected' : ''}
                data-task-uuid={t.uuid}
                onClick={() => props.onSelect(t.uuid)}
              >
                <td class="title" title={t.uuid}>
                  <a href={`#`} onClick={(e) => (e.preventDefault(), props.onSelect(t.uuid))}>
                    {t.dataTitle}
                  </a>
                </td>
                {!stage && <td>{t.stageTitle}</td>}
                <td class="num">{t.priority.toFixed(2)}</td>
                <td>
                  <span class={`status ${t.status.toLowerCase()}`}>{t.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.nextCursor && (
        <button class="more" onClick={() => setLimit((n) => Math.min(n * 2, 1000))} disabled={limit >= 1000}>
          {limit >= 1000 ? 'Showing the first 1000: filter to narrow down' : 'Show more'}
        </button>
      )}
    </section>
  )
}
