import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { COMPLETE_AGENT, configText, makeProject, PROJECT_HASH, tasksByStage } from '../commands/project.js'
import { assertBuilt, ROOT, runBin } from '../e2e/run-bin.js'

/**
 * `run --local FIXTURE --ui` with the built binary: the dashboard (the package's own build in
 * dist/dashboard/public) is served while the run goes and stays up after it until Ctrl-C.
 */

const dirs: string[] = []
beforeAll(() => {
  assertBuilt()
  if (!existsSync(join(ROOT, 'dist', 'dashboard', 'public', 'index.html')))
    throw new Error(
      'dist/dashboard/public is missing: `npm run build` builds the dashboard (scripts/build-dashboard.mjs).',
    )
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

interface Seen {
  page: { status: number; csp: string | null; html: string }
  script: { status: number; bytes: number }
  counts: Record<string, number>
  log: { enabled: boolean; endpoints: string[] }
}

describe('run --ui (built binary)', () => {
  it('serves the dashboard after the run until Ctrl-C, then exits with the run’s code and writes the state', async () => {
    const dir = makeProject({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`),
      'agent.ts': COMPLETE_AGENT,
    })
    dirs.push(dir)
    let seen: Promise<Seen> | undefined
    let stderr = ''
    const r = await runBin(['run', '--ui'], {
      cwd: dir,
      timeoutMs: 60_000,
      onStderr: (chunk, child) => {
        stderr += chunk
        const m = /The dashboard stays up at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
        if (!m || seen) return
        seen = look(m[1]).finally(() => child.kill('SIGINT'))
      },
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//)
    expect(r.stdout).toMatch(/6 moved/)
    const s = await seen!
    expect(s.page).toMatchObject({ status: 200 })
    expect(s.page.csp).toContain("default-src 'self'")
    expect(s.page.html).toContain('/_emulator/dashboard/assets/app.js')
    expect(s.script.status).toBe(200)
    expect(s.script.bytes).toBeGreaterThan(10_000)
    expect(s.counts).toMatchObject({ 'Agent 1': 0, Complete: 6 })
    // --ui keeps a request log for the dashboard's Requests tab.
    expect(s.log.enabled).toBe(true)
    expect(s.log.endpoints).toEqual(expect.arrayContaining(['list-tasks', 'proceed']))
    // Ctrl-C stopped the emulator, which wrote the state back.
    expect(tasksByStage(dir)).toMatchObject({ 'Agent 1': 0, Complete: 6 })
  })

  it('refuses --ui when the run talks to Encord, not the local emulator', async () => {
    const key = generateOpenSshKey('ui test')
    const dir = makeProject({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`).replace(
        "  local: './fixture.json',\n",
        '',
      ),
      'agent.ts': COMPLETE_AGENT,
      key: key.privateKeyText,
    })
    dirs.push(dir)
    const r = await runBin<{ error: { code: string; hint: string } }>(['run', '--ui', '--json'], {
      cwd: dir,
      env: { ENCORD_SSH_KEY_FILE: join(dir, 'key'), ENCORD_DOMAIN: 'http://127.0.0.1:9' },
    })
    expect(r.code, r.stderr).toBe(2)
    expect(r.json?.error).toMatchObject({ code: 'UiNeedsLocal' })
    expect(r.json?.error.hint).toContain('--local')
  })
})

async function look(url: string): Promise<Seen> {
  const page = await fetch(url)
  const script = await fetch(new URL('/_emulator/dashboard/assets/app.js', url))
  const project = (await (await fetch(new URL(`/_emulator/api/projects/${PROJECT_HASH}`, url))).json()) as {
    workflow: { stages: Array<{ title: string; taskCount: number }> }
  }
  const log = (await (await fetch(new URL('/_emulator/requests', url))).json()) as {
    enabled: boolean
    requests: Array<{ endpoint: string }>
  }
  return {
    page: { status: page.status, csp: page.headers.get('content-security-policy'), html: await page.text() },
    script: { status: script.status, bytes: (await script.arrayBuffer()).byteLength },
    counts: Object.fromEntries(project.workflow.stages.map((s) => [s.title, s.taskCount])),
    log: { enabled: log.enabled, endpoints: [...new Set(log.requests.map((q) => q.endpoint))] },
  }
}
