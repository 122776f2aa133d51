/**
 * Bad input only a real process shows, through the built binary (issue 9): servers that answer badly
 * (HTML error pages, truncated JSON, unexpected shapes, 401/403/404, from a loopback proxy in front of
 * the emulator), run journal mistakes, and stack traces appearing only with --verbose or
 * DEBUG=encord-agents*. Each gives its documented exit code and a message naming the cause and the
 * fix; none prints a stack trace or key material. The corpus itself: bad-input-bin.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { expectClear, STACK_FRAME, withAgent } from '../commands/bad-input-cases.js'
import { COMPLETE_AGENT, tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()

describe('journal mistakes', () => {
  it(
    'run.journal of the wrong type; a journal locked by a live run; one of another project; one that cannot be written',
    { timeout: 60_000 },
    async () => {
      const files = (run: string) => ({
        'encord-agents.config.ts': `import { defineConfig } from 'encord-agents'\nexport default defineConfig({ local: './fixture.json', agents: [{ stage: 'Agent 1', handler: './agent.ts' }], run: ${run} })\n`,
        'agent.ts': COMPLETE_AGENT,
      })
      const wrong = await runBin(['run'], { cwd: project(files('{ journal: 42 }')), timeoutMs: 30_000 })
      expectClear(wrong, 2, ['run.journal'])

      // A lock held by this (live) test process.
      const lockedDir = project(files('{ journal: "state/journal.jsonl" }'))
      mkdirSync(join(lockedDir, 'state'))
      writeFileSync(
        join(lockedDir, 'state', 'journal.jsonl.lock'),
        JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now' }),
      )
      const locked = await runBin(['run'], { cwd: lockedDir, timeoutMs: 30_000 })
      expectClear(locked, 2, [
        `Another encord-agents run (process ${process.pid}`,
        'is using the run journal',
        'Wait for that run to finish',
      ])

      const otherDir = project(files('{ journal: "j.jsonl" }'))
      writeFileSync(
        join(otherDir, 'j.jsonl'),
        JSON.stringify({ format: 'encord-agents/effect-journal', version: 1, projectHash: 'another-project' }) + '\n',
      )
      const other = await runBin(['run'], { cwd: otherDir, timeoutMs: 30_000 })
      expectClear(other, 2, ['belongs to project another-project', 'Give each project its own journal file'])
      const unwritable = await runBin(['run'], {
        cwd: project(files('{ journal: "package.json/journal.jsonl" }')),
        timeoutMs: 30_000,
      })
      expectClear(unwritable, 2, [
        'cannot be created or written (',
        'turn the journal off for this run with --no-journal',
      ])
      // --no-journal runs anyway.
      const noJournal = await runBin(['run', '--no-journal', '--json'], { cwd: otherDir, timeoutMs: 30_000 })
      expect(noJournal.code, noJournal.stderr).toBe(0)
    },
  )
})

describe('stack traces only on request', () => {
  it(
    '--verbose and DEBUG=encord-agents* show the stack of a handler module that throws; plain runs do not',
    { timeout: 60_000 },
    async () => {
      const dir = project(withAgent(`throw new Error('weights missing')`))
      const plain = await runBin(['run'], { cwd: dir, timeoutMs: 30_000 })
      expectClear(plain, 2, ['weights missing'])
      const verbose = await runBin(['run', '--verbose'], { cwd: dir, timeoutMs: 30_000 })
      expect(verbose.code).toBe(2)
      expect(verbose.stderr).toMatch(STACK_FRAME)
      const debug = await runBin(['run'], { cwd: dir, env: { DEBUG: 'encord-agents*' }, timeoutMs: 30_000 })
      expect(debug.code).toBe(2)
      expect(debug.stderr).toMatch(STACK_FRAME)
    },
  )
})

/**
 * A loopback proxy in front of the emulator that answers chosen requests badly (by path, and for the
 * legacy API by query type) and forwards the rest untouched (signatures stay valid).
 */
interface BadAnswer {
  /** Matches `METHOD path` (v2) or `POST /public labelrowmetadata` style (legacy). */
  match: RegExp
  status: number
  type: string
  body: string
  headers?: Record<string, string>
}

async function startProxy(target: string, answers: BadAnswer[]): Promise<{ domain: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks)
        let what = `${req.method} ${req.url}`
        if (req.url === '/public') {
          try {
            what += ` ${(JSON.parse(body.toString('utf8')) as { query_type: string }).query_type}`
          } catch {
            // not JSON: forwarded as is
          }
        }
        const bad = answers.find((a) => a.match.test(what))
        if (bad !== undefined) {
          res.writeHead(bad.status, { 'content-type': bad.type, ...bad.headers })
          res.end(bad.body)
          return
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection'),
        ) as Record<string, string>
        const upstream = await request(target + req.url, {
          method: req.method as 'GET',
          headers,
          body: body.length > 0 ? body : undefined,
        })
        const out = Buffer.from(await upstream.body.arrayBuffer())
        const relay = Object.fromEntries(
          Object.entries(upstream.headers).filter(
            ([k]) => k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-length',
          ),
        )
        res.writeHead(upstream.statusCode, relay as Record<string, string>)
        res.end(out)
      })().catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return { domain: `http://127.0.0.1:${address.port}`, server }
}

describe('servers that answer badly', () => {
  let emulator: EmulatorHandle
  let keyFile: string
  let projectHash: string
  let dir: string
  const servers: Server[] = []
  beforeAll(async () => {
    const key = generateOpenSshKey('bad server test')
    const fixture = generateFixture({ tasks: 4, seed: 2 })
    projectHash = fixture.projects[0].projectHash
    emulator = await startEmulator({ fixture, inMemory: true, allowKeys: [key.publicKeyHex] })
    dir = project({
      'encord-agents.config.ts': `import { defineConfig } from 'encord-agents'\nexport default defineConfig({ projectHash: '${projectHash}', agents: [{ stage: 'Agent 1', handler: './agent.ts' }], run: { numRetries: 0 } })\n`,
      'agent.ts': `import { defineAgent, labelRow } from 'encord-agents'\nexport default defineAgent({ deps: { row: labelRow() }, handler: () => 'complete' })\n`,
    })
    keyFile = join(dir, 'key')
    writeFileSync(keyFile, key.privateKeyText, { mode: 0o600 })
  })
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve))
    await emulator.stop()
  })

  const html = (title: string) =>
    `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>`
  const project_ = () => new RegExp(`^GET /v2/public/projects/${projectHash}$`)
  const table: Array<{ name: string; command: string; answers: () => BadAnswer[]; code: number; says: string[] }> = [
    {
      name: 'an HTML login page instead of JSON',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 200, type: 'text/html', body: html('Sign in') }],
      code: 3,
      says: ['Encord sent a response that is not JSON', 'an HTML page', 'Check that ENCORD_DOMAIN points at the API'],
    },
    {
      name: 'an HTML 503 page (Retry-After 0)',
      command: 'list-stages',
      answers: () => [
        {
          match: project_(),
          status: 503,
          type: 'text/html',
          body: html('503 Service Temporarily Unavailable'),
          headers: { 'retry-after': '0' },
        },
      ],
      code: 3,
      says: ['HTTP 503', '4 attempts', "This is on Encord's side; try again later"],
    },
    {
      name: 'truncated JSON',
      command: 'list-stages',
      answers: () => [
        { match: project_(), status: 200, type: 'application/json', body: '{"projectHash": "p", "title": "x", "workf' },
      ],
      code: 3,
      says: ['not JSON', 'HTTP 200'],
    },
    {
      name: 'an empty body',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 200, type: 'application/json', body: '' }],
      code: 3,
      says: ['(empty body)'],
    },
    {
      name: 'an unexpected shape',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 200, type: 'application/json', body: '{"items":[1,2]}' }],
      code: 3,
      says: ['in a shape this client does not understand', 'projectHash'],
    },
    {
      name: '401',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 401, type: 'application/json', body: '{"message":"Unauthorized"}' }],
      code: 3,
      says: ['Encord did not accept the SSH key', 'registered in Encord'],
    },
    {
      name: '403',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 403, type: 'application/json', body: '{"message":"Forbidden"}' }],
      code: 3,
      says: ['Encord refused access', 'give the key'],
    },
    {
      name: '404',
      command: 'list-stages',
      answers: () => [{ match: project_(), status: 404, type: 'application/json', body: '{"message":"Not found"}' }],
      code: 2,
      says: ['Project ', 'was not found (getProject', 'Check the project hash'],
    },
    {
      name: '404 as an HTML page',
      command: 'validate',
      answers: () => [{ match: project_(), status: 404, type: 'text/html', body: html('404 Not Found') }],
      code: 2,
      says: ['was not found', 'an HTML page'],
    },
    {
      name: 'the task listing answers truncated JSON during a run',
      command: 'run',
      answers: () => [{ match: /\/tasks/, status: 200, type: 'application/json', body: '{"results":[{"uuid":' }],
      code: 3,
      says: ['not JSON', 'listTasks'],
    },
    {
      // Pages pass a hand check (fast-check.ts); one that fails it is told apart by the zod schema.
      name: 'the task listing answers a page whose task has no data hash during a run',
      command: 'run',
      answers: () => [
        {
          match: /\/tasks/,
          status: 200,
          type: 'application/json',
          body: JSON.stringify({
            results: [
              {
                uuid: 't1',
                createdAt: '2025-01-01T00:00:00Z',
                updatedAt: '2025-01-01T00:00:00Z',
                dataTitle: 'a.jpg',
                status: 'NEW',
                labelBranchName: 'main',
                assignee: null,
                lastActionedBy: null,
              },
            ],
            nextPageToken: null,
          }),
        },
      ],
      code: 3,
      says: ['in a shape this client does not understand', 'results.0.dataHash'],
    },
    // A dependency that cannot load fails its tasks (the run goes on, exit 1), each with the reason.
    {
      name: 'the label row listing answers an HTML error page during a run',
      command: 'run',
      answers: () => [
        {
          match: /^POST \/public labelrowmetadata$/,
          status: 500,
          type: 'text/html',
          body: html('500 Internal Server Error'),
        },
      ],
      code: 1,
      says: [
        'Dependency labelRow() failed',
        'HTTP 500',
        'an HTML page titled',
        "This is on Encord's side; try again later",
      ],
    },
    {
      name: 'the move answers 403 during a run',
      command: 'run',
      answers: () => [
        {
          match: /\/actions$/,
          status: 403,
          type: 'application/json',
          body: '{"message":"You are not allowed to move tasks"}',
        },
      ],
      code: 1,
      says: ['You are not allowed to move tasks'],
    },
  ]

  it.each(table)('$name → exit $code', { timeout: 60_000 }, async (c) => {
    const proxy = await startProxy(emulator.domain, c.answers())
    servers.push(proxy.server)
    const args =
      c.command === 'run'
        ? ['run']
        : c.command === 'validate'
          ? ['validate']
          : ['list-stages', '--project-hash', projectHash]
    const r = await runBin([...args, '--domain', proxy.domain, '--ssh-key-file', keyFile], {
      cwd: dir,
      timeoutMs: 50_000,
    })
    if (c.code === 1) {
      // The run goes on: the tasks whose move was refused fail with the server's reason.
      expect(r.code, r.stderr).toBe(1)
      for (const text of c.says) expect(r.stdout + r.stderr).toContain(text)
      expect(r.stderr).not.toMatch(STACK_FRAME)
      return
    }
    expectClear(r, c.code, c.says)
  })
})
