/**
 * The `emulator` commands: generate, snapshot (in-process, against a local emulator) and start (in a
 * child process, stopped with a real SIGTERM).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import EmulatorGenerate from '../../src/commands/emulator/generate.js'
import EmulatorSnapshot from '../../src/commands/emulator/snapshot.js'
import EmulatorStart from '../../src/commands/emulator/start.js'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { startEmulator } from '../../src/emulator/index.js'
import { loadFixtureFile } from '../../src/emulator/fixture-load.js'
import { signedRequest } from '../../src/emulator/testing.js'
import type { EmulatorGenerateResult } from '../../src/services/emulator-generate.js'
import { hostWarning, type EmulatorStartResult } from '../../src/services/emulator-start.js'
import type { EmulatorSnapshotResult } from '../../src/services/emulator-snapshot.js'
import { runCommand } from './run-command.js'

const KEY_FILE = join(import.meta.dirname, '..', 'fixtures', 'encord-api', 'test-key')
const key = parsePrivateKey(readFileSync(KEY_FILE, 'utf8'))
const dir = mkdtempSync(join(tmpdir(), 'emulator-commands-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * `emulator start ARGS` in a child process, SIGKILLed after `timeoutMs` at the latest (and by `stop()`).
 * `waitFor(match)` collects stdout until `match` finds something in it; it fails if the child exits first.
 */
function startChild(args: string[], timeoutMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'emulator-child.ts'), 'start', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' },
    },
  )
  const out = { stdout: '', stderr: '' }
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const waitFor = <T>(match: (stdout: string) => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out.stdout += d
        const found = match(out.stdout)
        if (found !== undefined) resolve(found)
      })
      child.on('close', () => reject(new Error(`exited early: ${out.stderr}`)))
    })
  const stop = (): void => {
    clearTimeout(timer)
    child.kill('SIGKILL')
  }
  return { child, out, exited, waitFor, stop }
}

/** The first line, once there is one. */
const firstLine = (stdout: string): string | undefined => (stdout.includes('\n') ? stdout.split('\n')[0] : undefined)

describe('emulator generate', () => {
  it('--json prints { projectHash, stages, tasks }; the file loads', async () => {
    const out = join(dir, 'gen.json')
    const res = await runCommand<EmulatorGenerateResult>(EmulatorGenerate, [
      '--out',
      out,
      '--tasks',
      '12',
      '--stages',
      'Pre-label,QA',
      '--data-type',
      'video',
      '--seed',
      '5',
      '--public-key',
      key.publicKeyHex,
      '--json',
    ])
    expect(res.exitCode).toBe(0)
    const json = res.json as EmulatorGenerateResult
    expect(json).toMatchObject({ tasks: 12, out })
    expect(json.stages.filter((s) => s.stageType === 'AGENT').map((s) => s.title)).toEqual(['Pre-label', 'QA'])
    const loaded = loadFixtureFile(out).fixture
    expect(loaded.projects[0].projectHash).toBe(json.projectHash)
    expect(loaded.users[0].publicKeyHex).toBe(key.publicKeyHex)
  })

  it('--data-type mixed: one data unit of every kind, each with its storage items; an unknown kind is exit 2', async () => {
    const out = join(dir, 'mixed.json')
    const res = await runCommand<EmulatorGenerateResult>(EmulatorGenerate, [
      '--out',
      out,
      '--tasks',
      '8',
      '--data-type',
      'mixed',
      '--json',
    ])
    expect(res.exitCode).toBe(0)
    const loaded = loadFixtureFile(out).fixture
    expect(loaded.projects[0].dataUnits.map((d) => d.dataType)).toEqual([
      'IMAGE',
      'VIDEO',
      'IMG_GROUP',
      'IMG_GROUP',
      'PDF',
      'AUDIO',
      'PLAIN_TEXT',
      'GROUP',
    ])
    const backing = loaded.projects[0].dataUnits.map(
      (d) => loaded.storageItems.find((i) => i.uuid === d.backingItemUuid)!.itemType,
    )
    expect(backing).toEqual(['image', 'video', 'imageGroup', 'imageSequence', 'pdf', 'audio', 'plainText', 'group'])
    const bad = await runCommand(EmulatorGenerate, [
      '--out',
      join(dir, 'bad-kind.json'),
      '--tasks',
      '1',
      '--data-type',
      'hologram',
    ])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('mixed')
  })

  it('refuses to overwrite without --force, and bad stage lists: exit 2 with a hint', async () => {
    const out = join(dir, 'gen2.json')
    expect((await runCommand(EmulatorGenerate, ['--out', out, '--tasks', '1'])).exitCode).toBe(0)
    const again = await runCommand(EmulatorGenerate, ['--out', out, '--tasks', '1', '--json'])
    expect(again.exitCode).toBe(2)
    expect(again.json).toMatchObject({ error: { code: 'FileExists', hint: expect.stringContaining('--force') } })
    expect((await runCommand(EmulatorGenerate, ['--out', out, '--tasks', '1', '--force'])).exitCode).toBe(0)
    const dup = await runCommand(EmulatorGenerate, ['--out', join(dir, 'gen3.json'), '--tasks', '1', '--stages', 'A,A'])
    expect(dup.exitCode).toBe(2)
    expect(dup.stderr).toContain('listed twice')
  })

  it('human output names the file, the project and what to do next', async () => {
    const res = await runCommand(EmulatorGenerate, ['--out', join(dir, 'gen4.json'), '--tasks', '3'])
    expect(res.stdout).toContain('emulator start')
    expect(res.stdout).toMatch(/Project [0-9a-f-]{36}: 3 tasks/)
  })
})

describe('emulator generate --workspace', () => {
  it('writes a whole workspace: ontology, "one of each" and --tasks images, a template, an example project', async () => {
    const out = join(dir, 'workspace.json')
    const res = await runCommand<EmulatorGenerateResult>(EmulatorGenerate, [
      '--out',
      out,
      '--workspace',
      '--tasks',
      '5',
      '--public-key',
      key.publicKeyHex,
      '--json',
    ])
    expect(res.exitCode, res.stderr).toBe(0)
    const json = res.json as EmulatorGenerateResult
    const loaded = loadFixtureFile(out).fixture
    expect(json.workspace).toEqual({
      ontologyHash: loaded.ontologies[0].ontologyHash,
      datasets: [
        { datasetHash: loaded.datasets[0].datasetHash, title: 'one of each', dataUnits: 8 },
        { datasetHash: loaded.datasets[1].datasetHash, title: '5 images', dataUnits: 5 },
      ],
      workflowTemplates: [{ templateHash: loaded.workflowTemplates[0].templateHash, title: 'agent → complete' }],
    })
    expect(json).toMatchObject({ projectHash: loaded.projects[0].projectHash, tasks: 8, twinProjectHash: null })
    expect(loaded.users.map((u) => u.publicKeyHex)).toEqual([key.publicKeyHex])
    // One storage item a line (the `lines` layout), and the same seed gives the same bytes.
    expect(readFileSync(out, 'utf8')).toMatch(/\n {4}\{"uuid":"[0-9a-f-]{36}","parent":/)
    const again = join(dir, 'workspace-again.json')
    await runCommand(EmulatorGenerate, [
      '--out',
      again,
      '--workspace',
      '--tasks',
      '5',
      '--public-key',
      key.publicKeyHex,
    ])
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'))

    const human = await runCommand(EmulatorGenerate, ['--out', join(dir, 'workspace-human.json'), '--workspace'])
    expect(human.exitCode).toBe(0)
    expect(human.stdout).toMatch(/Dataset [0-9a-f-]{36} "20 images": 20 data units/)
    expect(human.stdout).toMatch(/Workflow template [0-9a-f-]{36} "agent → complete"/)
    expect(human.stdout).toContain('--allow-any-key')
  })

  it('refuses flags of a single project with --workspace, and no --tasks without it: exit 2', async () => {
    const mixed = await runCommand(EmulatorGenerate, [
      '--out',
      join(dir, 'ws-bad.json'),
      '--workspace',
      '--stages',
      'A',
      '--twin',
      '--json',
    ])
    expect(mixed.exitCode).toBe(2)
    expect(mixed.json).toMatchObject({
      error: { code: 'WorkspaceFlags', message: expect.stringContaining('--stages, --twin') },
    })
    const none = await runCommand(EmulatorGenerate, ['--out', join(dir, 'no-tasks.json'), '--json'])
    expect(none.exitCode).toBe(2)
    expect(none.json).toMatchObject({ error: { code: 'MissingTasks', hint: expect.stringContaining('--tasks') } })
    expect(existsSync(join(dir, 'ws-bad.json')) || existsSync(join(dir, 'no-tasks.json'))).toBe(false)
  })
})

describe('emulator snapshot', () => {
  it('pulls a project through the client into a fixture', async () => {
    const source = join(dir, 'source.json')
    await runCommand(EmulatorGenerate, ['--out', source, '--tasks', '8', '--public-key', key.publicKeyHex])
    const emulator = await startEmulator({ fixture: source, inMemory: true })
    try {
      const projectHash = [...emulator.state.projects.keys()][0]
      const out = join(dir, 'snap.json')
      const res = await runCommand<EmulatorSnapshotResult>(
        EmulatorSnapshot,
        ['--project-hash', projectHash, '--out', out, '--max-tasks', '5', '--json'],
        {
          env: { ENCORD_DOMAIN: emulator.domain, ENCORD_SSH_KEY_FILE: KEY_FILE },
        },
      )
      expect(res.exitCode, res.stderr).toBe(0)
      expect(res.json).toMatchObject({ projectHash, tasks: 5, truncated: true })
      expect(loadFixtureFile(out).fixture.users.map((u) => u.publicKeyHex)).toEqual([key.publicKeyHex])
      expect(res.stdout).not.toContain('PRIVATE KEY')
    } finally {
      await emulator.stop()
    }
  })
})

describe('emulator start', () => {
  it('warns for a host that is not loopback', () => {
    expect(hostWarning('127.0.0.1')).toBeNull()
    expect(hostWarning('localhost')).toBeNull()
    expect(hostWarning('0.0.0.0')).toMatch(/not loopback/)
    for (const loopback of ['127.0.0.2', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST'])
      expect(hostWarning(loopback), loopback).toBeNull()
    for (const other of ['::', '192.168.1.20', '::ffff:10.0.0.1', '127.example.com'])
      expect(hostWarning(other), other).toMatch(/not loopback/)
  })

  it('prints the domain as one JSON line, serves, and stops cleanly on SIGTERM writing the state back', async () => {
    const fixture = join(dir, 'served.json')
    await runCommand(EmulatorGenerate, ['--out', fixture, '--tasks', '4', '--public-key', key.publicKeyHex])
    const { child, out, exited, waitFor, stop } = startChild([fixture, '--port', '0', '--json'], 30_000)
    try {
      const started = JSON.parse(await waitFor(firstLine)) as EmulatorStartResult
      expect(started.domain).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(started.projects[0].agentStages[0].tasks).toBe(4)
      const p = started.projects[0]
      const task = loadFixtureFile(fixture).fixture.projects[0].tasks[0].uuid
      const moved = await signedRequest(
        started.domain,
        key,
        'POST',
        `/v2/public/projects/${p.projectHash}/workflow/stages/${p.agentStages[0].uuid}/actions`,
        {
          body: [{ taskUuid: task, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
        },
      )
      expect(moved.status).toBe(204)
      child.kill('SIGTERM')
      expect((await exited).code).toBe(0)
    } finally {
      stop()
    }
    expect(out.stdout.trim().split('\n')).toHaveLength(1)
    const written = loadFixtureFile(fixture).fixture.projects[0]
    expect(written.tasks.find((t) => t.stageUuid !== written.tasks[1].stageUuid)).toBeDefined()
    expect(written.history.map((e) => e.kind)).toEqual(['proceed'])
    expect(existsSync(`${fixture}.tmp`)).toBe(false)
  })

  it('human output prints the ENCORD_DOMAIN line; --allow-any-key and --in-memory; Ctrl+C (SIGINT) stops cleanly', async () => {
    const fixture = join(dir, 'served-any.json')
    await runCommand(EmulatorGenerate, ['--out', fixture, '--tasks', '3', '--public-key', key.publicKeyHex])
    const before = readFileSync(fixture, 'utf8')
    const { child, out, exited, waitFor, stop } = startChild(
      [fixture, '--port', '0', '--allow-any-key', '--in-memory'],
      30_000,
    )
    try {
      const domain = await waitFor((stdout) => {
        const m = /export ENCORD_DOMAIN=(http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)
        return m && stdout.includes('Stop with Ctrl+C') ? m[1] : undefined
      })
      expect(out.stdout).toContain('Encord emulator listening on ' + domain)
      expect(out.stdout).toContain('(in memory: changes are not written back)')
      expect(out.stdout).toContain('--allow-any-key')
      // A key the fixture does not list is accepted, and a change is made.
      const stranger = parsePrivateKey(generateOpenSshKey('stranger').privateKeyText)
      const projectHash = loadFixtureFile(fixture).fixture.projects[0].projectHash
      const p = (await signedRequest(domain, stranger, 'GET', `/v2/public/projects/${projectHash}`)).json as {
        workflow: { stages: Array<{ uuid: string; stageType: string }> }
      }
      const agentStage = p.workflow.stages.find((st) => st.stageType === 'AGENT')!.uuid
      const task = loadFixtureFile(fixture).fixture.projects[0].tasks[0].uuid
      const moved = await signedRequest(
        domain,
        stranger,
        'POST',
        `/v2/public/projects/${projectHash}/workflow/stages/${agentStage}/actions`,
        {
          body: [{ taskUuid: task, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
        },
      )
      expect(moved.status).toBe(204)
      child.kill('SIGINT')
      expect((await exited).code).toBe(0)
    } finally {
      stop()
    }
    expect(out.stderr).toContain('SIGINT: stopping')
    expect(out.stderr).toContain('Emulator stopped.')
    expect(readFileSync(fixture, 'utf8')).toBe(before) // --in-memory
  })

  it('--allow-key lets in a key file and an ssh-ed25519 line, and nobody else (an unknown key: 401, as Encord answers it)', async () => {
    const fixture = join(dir, 'served-allow.json')
    await runCommand(EmulatorGenerate, ['--out', fixture, '--tasks', '2'])
    const other = generateOpenSshKey('allowed by line')
    const otherKey = parsePrivateKey(other.privateKeyText)
    const pubLine = `ssh-ed25519 ${Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from('ssh-ed25519'),
      Buffer.from([0, 0, 0, 32]),
      Buffer.from(other.publicKeyHex, 'hex'),
    ]).toString('base64')} allowed`
    const { child, exited, waitFor, stop } = startChild(
      [fixture, '--port', '0', '--json', '--in-memory', '--allow-key', KEY_FILE, '--allow-key', pubLine],
      30_000,
    )
    try {
      const started = JSON.parse(await waitFor(firstLine)) as EmulatorStartResult
      expect(started.allowedKeys).toEqual([key.publicKeyHex, other.publicKeyHex])
      expect(started.warnings).toEqual([])
      const path = `/v2/public/projects/${started.projects[0].projectHash}`
      expect((await signedRequest(started.domain, key, 'GET', path)).status).toBe(200)
      expect((await signedRequest(started.domain, otherKey, 'GET', path)).status).toBe(200)
      // Encord's suite (test_runner_can_take_user_client) expects a fresh key to be refused.
      const stranger = parsePrivateKey(generateOpenSshKey('stranger').privateKeyText)
      expect((await signedRequest(started.domain, stranger, 'GET', path)).status).toBe(401)
      child.kill('SIGTERM')
      expect((await exited).code).toBe(0)
    } finally {
      stop()
    }
    const bad = await runCommand(EmulatorStart, [fixture, '--port', '0', '--json', '--allow-key', 'not-a-key'])
    expect(bad.exitCode).toBe(2)
    expect(bad.json).toMatchObject({ error: { code: 'AllowKeyInvalid', hint: expect.stringContaining('64 hex') } })
  })

  it('killed (SIGKILL) in the middle of writing its state, it leaves the fixture whole', async () => {
    const fixture = join(dir, 'crash', 'big.json')
    mkdirSync(join(dir, 'crash'))
    // Big enough that a write takes a while (compact, in pieces).
    await runCommand(EmulatorGenerate, ['--out', fixture, '--tasks', '30000', '--public-key', key.publicKeyHex])
    const before = readFileSync(fixture)
    const { child, exited, waitFor, stop } = startChild([fixture, '--port', '0', '--json'], 60_000)
    let killedMidWrite = false
    try {
      const started = JSON.parse(await waitFor(firstLine)) as EmulatorStartResult
      // Kill it the moment its temporary state file appears: the write is under way.
      const watcher = watch(join(dir, 'crash'), (_event, name) => {
        if (name !== null && name.endsWith('.tmp') && !killedMidWrite) {
          killedMidWrite = true
          child.kill('SIGKILL')
        }
      })
      try {
        const p = started.projects[0]
        const task = loadFixtureFile(fixture).fixture.projects[0].tasks[0].uuid
        const moved = await signedRequest(
          started.domain,
          key,
          'POST',
          `/v2/public/projects/${p.projectHash}/workflow/stages/${p.agentStages[0].uuid}/actions`,
          {
            body: [{ taskUuid: task, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
          },
        )
        expect(moved.status).toBe(204)
        expect((await exited).signal).toBe('SIGKILL')
      } finally {
        watcher.close()
      }
    } finally {
      stop()
    }
    expect(killedMidWrite).toBe(true)
    // The fixture is whole: the old one byte for byte (almost always: the write had just begun), or the
    // new one complete; never a torn file. Only the temporary file is left over.
    const after = readFileSync(fixture)
    const loaded = loadFixtureFile(fixture).fixture.projects[0]
    expect(loaded.tasks).toHaveLength(30000)
    if (!after.equals(before)) expect(loaded.history.map((e) => e.kind)).toEqual(['proceed'])
  })

  it('a missing fixture is a usage error, not a crash', async () => {
    const res = await runCommand(EmulatorStart, [join(dir, 'nope.json'), '--port', '0'], { cwd: dir })
    expect(res.exitCode).toBe(2)
    expect(res.stderr).toContain('does not exist')
    const none = await runCommand(EmulatorStart, ['--port', '0', '--json'], { cwd: dir })
    expect(none.exitCode).toBe(2)
    expect(none.json).toMatchObject({ error: { code: 'FixtureMissing' } })
  })
})
