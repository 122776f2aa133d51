import { useEffect, useState } from 'preact/hooks'

/**
 * Where the dashboard is, kept in the URL fragment so views can be bookmarked and reloaded:
 * `#/p/<projectHash>?stage=<stageUuid>&task=<taskUuid>&tab=requests`.
 */
export interface Route {
  project?: string
  stage?: string
  task?: string
  tab: 'workflow' | 'requests'
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?')
  const params = new URLSearchParams(query)
  const m = /^\/p\/([^/]+)/.exec(path)
  return {
    project: m ? decodeURIComponent(m[1]) : undefined,
    stage: params.get('stage') ?? undefined,
    task: params.get('task') ?? undefined,
    tab: params.get('tab') === 'requests' ? 'requests' : 'workflow',
  }
}

export function formatRoute(route: Route): string {
  const params = new URLSearchParams()
  if (route.stage) params.set('stage', route.stage)
  if (route.task) params.set('task', route.task)
  if (route.tab === 'requests') params.set('tab', 'requests')
  const query = params.toString()
  return `#/p/${encodeURIComponent(route.project ?? '')}${query ? `?${query}` : ''}`
}

/** The current route and a way to change part of it. */
export function useRoute(): [Route, (change: Partial<Route>) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  const navigate = (change: Partial<Route>) => {
    const next = { ...parseRoute(location.hash), ...change }
    location.hash = formatRoute(next)
  }
  return [route, navigate]
}
