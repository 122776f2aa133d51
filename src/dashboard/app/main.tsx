import { render } from 'preact'
import { useEffect } from 'preact/hooks'
import { urls, useJson, useLive, type ProjectDetail, type ProjectListItem } from './api.js'
import { WorkflowGraph } from './graph.js'
import { RequestsPanel } from './requests.js'
import { useRoute } from './route.js'
import { TaskPanel } from './task.js'
import { TaskList } from './tasks.js'
import './styles.css'

/**
 * The local dashboard of the encord-agents emulator: the workflow with live task counts, a stage's
 * tasks, a task's history and labels, and the request log. Read-only.
 */
function App() {
  const live = useLive()
  const [route, navigate] = useRoute()
  const projects = useJson<ProjectListItem[]>(urls.projects(), live.revision)
  const projectHash = route.project ?? projects.data?.[0]?.projectHash
  const project = useJson<ProjectDetail>(projectHash ? urls.project(projectHash) : null, live.revision)

  useEffect(() => {
    if (!route.project && projectHash) navigate({ project: projectHash })
  }, [route.project, projectHash])

  const stages = project.data?.workflow.stages ?? []
  const stage = stages.find((s) => s.uuid === route.stage)
  const error = projects.error ?? project.error

  return (
    <div class="app">
      <header class="top">
        <h1>
          encord-agents <span class="muted">local dashboard</span>
        </h1>
        {projects.data && projects.data.length > 1 ? (
          <select
            value={projectHash}
            onChange={(e) => navigate({ project: e.currentTarget.value, stage: undefined, task: undefined })}
            aria-label="Project"
          >
            {projects.data.map((p) => (
              <option key={p.projectHash} value={p.projectHash}>
                {p.title}
              </option>
            ))}
          </select>
        ) : (
          <span class="project-title">{project.data?.title}</span>
        )}
        <nav class="tabs">
          <button class={route.tab === 'workflow' ? 'active' : ''} onClick={() => navigate({ tab: 'workflow' })}>
            Workflow
          </button>
          <button
            class={route.tab === 'requests' ? 'active' : ''}
            onClick={() => navigate({ tab: 'requests' })}
            data-testid="tab-requests"
          >
            Requests <span class="count">{live.requests}</span>
          </button>
        </nav>
        <span class={`live ${live.connection}`} title={`revision ${live.revision}`} data-testid="live">
          {live.connection === 'live' ? 'live' : live.connection}
        </span>
      </header>
      {error && <p class="error banner">{error}</p>}
      {route.tab === 'requests' ? (
        <main>
          <RequestsPanel requests={live.requests} revision={live.revision} />
        </main>
      ) : (
        <main>
          <section class="panel graph-panel" data-testid="workflow">
            <header class="panel-head">
              <h2>Workflow</h2>
              <span class="muted">
                {project.data ? `${project.data.tasks} tasks · click a stage for its tasks` : ''}
                {stage && (
                  <>
                    {' · '}
                    <a href="#" onClick={(e) => (e.preventDefault(), navigate({ stage: undefined }))}>
                      all stages
                    </a>
                  </>
                )}
              </span>
            </header>
            <div class="graph-scroll">
              {stages.length > 0 && (
                <WorkflowGraph stages={stages} selected={route.stage} onSelect={(uuid) => navigate({ stage: uuid })} />
              )}
            </div>
          </section>
          {projectHash && (
            <div class="columns">
              <TaskList
                projectHash={projectHash}
                stage={stage}
                selected={route.task}
                revision={live.revision}
                onSelect={(task) => navigate({ task })}
              />
              {route.task ? (
                <TaskPanel
                  projectHash={projectHash}
                  taskUuid={route.task}
                  stages={stages}
                  revision={live.revision}
                  onClose={() => navigate({ task: undefined })}
                />
              ) : (
                <section class="panel placeholder">
                  <p class="muted">Pick a task to see its history and its labels drawn on its media.</p>
                </section>
              )}
            </div>
          )}
        </main>
      )}
    </div>
  )
}

const root = document.getElementById('app')!
// Preact renders next to what is there: drop the loading note first.
root.textContent = ''
render(<App />, root)
