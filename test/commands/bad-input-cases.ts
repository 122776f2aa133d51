/**
 * The bad-input corpus (issue 9): each case is a mistake a user makes, the exit code it must give, and
 * the words its message must contain (what is wrong and what to do). One table, run twice: in-process
 * (test/commands/bad-input.test.ts, fast, exact stderr) and through the built binary
 * (test/reliability/bad-input-bin.test.ts). No case may print a stack trace or key material.
 */
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sshpk from 'sshpk'
import { expect } from 'vitest'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { COMPLETE_AGENT, configText, PROJECT_HASH } from './project.js'

/** The commands the corpus runs. */
export type CommandId = 'run' | 'validate' | 'list-stages' | 'init'

export const STACK_FRAME = /^\s+at (?:.+ \()?(?:\/|file:|node:).+:\d+:\d+\)?$/m
export const TEST_KEY = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'encord-api', 'test-key'), 'utf8')

/** Key material the corpus uses; none of it may ever be printed. */
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
const keys = {
  rsaOpenSsh: sshpk.parsePrivateKey(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }), 'pem').toString('ssh'),
  ecdsa: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'sec1',
    format: 'pem',
  }) as string,
  encrypted: generateKeyPairSync('ed25519').privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'secret',
  }) as string,
  truncated: TEST_KEY.slice(0, Math.floor(TEST_KEY.length / 2)),
  empty: '',
  publicKey: generateOpenSshKey().publicKeyOpenSsh,
}
export const secretLines = [TEST_KEY, keys.rsaOpenSsh, keys.ecdsa, keys.encrypted]
  .flatMap((k) => k.split('\n'))
  .filter((l) => l.length > 20 && !l.startsWith('-----'))

/**
 * The checks every bad input gets, in-process or through the built binary: the exit code, the words
 * given, a "Try:" line, no stack trace and no key material.
 */
export function expectClear(
  r: { code: number | null; stdout: string; stderr: string },
  code: number,
  says: string[],
): void {
  expect(r.code, r.stderr).toBe(code)
  for (const text of says) expect(r.stderr).toContain(text)
  expect(r.stderr).not.toMatch(STACK_FRAME)
  expect(r.stderr).toContain('Try:')
  for (const line of secretLines) expect(r.stdout + r.stderr).not.toContain(line)
}

export const agentEntry = `    { stage: 'Agent 1', handler: './agent.ts' },`
export const agent = (body: string) => `import { defineAgent, defineDependency } from 'encord-agents'\n${body}\n`

export interface Case {
  name: string
  files?: Record<string, string>
  /** Files written after the project (e.g. to replace the fixture). */
  after?: (dir: string) => void
  /** The command. @default 'run' */
  command?: CommandId
  args?: string[]
  env?: Record<string, string>
  code: number
  /** Substrings of stderr (or, for task failures, of the JSON errors). */
  says: string[]
}

const badConfig = (extra: string, agents = agentEntry) => ({
  'encord-agents.config.ts': configText(agents, extra),
  'agent.ts': COMPLETE_AGENT,
})
export const withAgent = (body: string, run = '') => ({
  'encord-agents.config.ts': configText(agentEntry, run),
  'agent.ts': agent(body),
})
const keyCase = (name: string, key: string, says: string[]): Case => ({
  name,
  files: { 'key.txt': key },
  command: 'list-stages',
  args: ['--project-hash', PROJECT_HASH, '--domain', 'http://127.0.0.1:9', '--ssh-key-file', 'key.txt'],
  code: 2,
  says,
})
const fixturePatch = (patch: (f: Record<string, any>) => void) => (dir: string) => {
  const file = join(dir, 'fixture.json')
  const fixture = JSON.parse(readFileSync(file, 'utf8'))
  patch(fixture)
  writeFileSync(file, JSON.stringify(fixture))
}

export const cases: Case[] = [
  // Config files
  {
    name: 'TypeScript syntax error',
    files: { 'encord-agents.config.ts': `export default {\n  agents: [\n}\n` },
    code: 2,
    says: ['has a syntax error', 'encord-agents.config.ts:3:'],
  },
  {
    name: 'JSON syntax error',
    files: { 'encord-agents.config.json': `{ "agents": [ }` },
    code: 2,
    says: ['encord-agents.config.json is not valid JSON'],
  },
  {
    name: 'wrong type',
    files: badConfig(`\n  run: { taskBatchSize: '10' },`),
    code: 2,
    says: ['run.taskBatchSize', 'Expected a whole number, got the string "10".'],
  },
  {
    name: 'unknown option (typo)',
    files: badConfig(`\n  agent: [],`),
    code: 2,
    says: ['Unknown option "agent". Did you mean "agents"?'],
  },
  {
    name: 'unknown run option',
    files: badConfig(`\n  run: { retries: 2 },`),
    code: 2,
    says: ['run.retries', 'Unknown option "retries".', 'Valid options here: taskBatchSize'],
  },
  {
    name: 'no agents',
    files: { 'encord-agents.config.json': `{ "projectHash": "p" }` },
    code: 2,
    says: ['agents', 'Missing: expected a list.'],
  },
  { name: 'empty agents', files: badConfig('', ''), code: 2, says: ['Declare at least one agent'] },
  {
    name: 'negative retries',
    files: badConfig(`\n  run: { numRetries: -1 },`),
    code: 2,
    says: ['run.numRetries', 'Must be at least 0, got the number -1.'],
  },
  {
    name: 'config exports nothing',
    files: { 'encord-agents.config.mjs': `export const x = 1\n` },
    code: 2,
    says: ['encord-agents.config.mjs has no default export (it exports x).', 'export default defineConfig'],
  },
  {
    name: 'config exports a string',
    files: { 'encord-agents.config.mjs': `export default './agents'\n` },
    code: 2,
    says: ['must export a config object', 'it exports a string'],
  },
  {
    name: 'config throws while loading',
    files: { 'encord-agents.config.ts': `throw new Error('no config for you')\n` },
    code: 2,
    says: [
      'threw an error while loading: no config for you',
      'at encord-agents.config.ts:1\n',
      '> 1 | throw new Error',
    ],
  },
  {
    name: '--config that does not exist',
    args: ['--config', 'missing.ts'],
    code: 2,
    says: ['Config file missing.ts does not exist.'],
  },
  { name: 'no config at all', code: 2, says: ['No encord-agents config found', 'encord-agents init'] },
  // Stages and agents
  {
    name: 'unknown stage',
    files: badConfig('', `    { stage: 'Agent one', handler: './agent.ts' },`),
    code: 2,
    says: ['Unknown stage "Agent one"', 'Did you mean "Agent 1"?'],
  },
  {
    name: 'duplicate stage',
    files: badConfig('', `${agentEntry}\n${agentEntry}`),
    code: 2,
    says: ['Stage "Agent 1" has two agents', 'overwrite'],
  },
  {
    name: 'duplicate stage by title and UUID',
    files: badConfig(
      '',
      `${agentEntry}\n    { stage: '05a00000-0000-4000-8000-000000000001', handler: './agent.ts' },`,
    ),
    code: 2,
    says: ['Stage "Agent 1" has two agents'],
  },
  {
    name: 'not an agent stage',
    files: badConfig('', `    { stage: 'Complete', handler: './agent.ts' },`),
    code: 2,
    says: ['Stage "Complete" is a DONE stage, not an agent stage'],
  },
  {
    name: 'missing handler module',
    files: { 'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agents/nope.ts' },`) },
    code: 2,
    says: ['Handler module "./agents/nope.ts"', 'was not found'],
  },
  {
    name: 'handler without default export',
    files: withAgent(`export const agent = defineAgent({ handler: () => 'complete' })`),
    code: 2,
    says: ['has no default export', 'It exports an agent named "agent"'],
  },
  {
    name: 'default export not an agent',
    files: withAgent(`export default { handler: () => 'complete' }`),
    code: 2,
    says: ['is not an agent made with defineAgent()'],
  },
  {
    name: 'handler module throws on import',
    files: withAgent(`throw new Error('weights missing')`),
    code: 2,
    says: ['threw an error while loading: weights missing'],
  },
  {
    name: 'handler module imports a missing package',
    files: withAgent(
      `import 'left-pad-that-does-not-exist'\nexport default defineAgent({ handler: () => 'complete' })`,
    ),
    code: 2,
    says: ['threw an error while loading', 'left-pad-that-does-not-exist'],
  },
  {
    name: 'dependency cycle',
    files: withAgent(
      `const a: any = defineDependency({ name: 'a', deps: () => ({ b }), resolve: () => 1 })\nconst b: any = defineDependency({ name: 'b', deps: () => ({ a }), resolve: () => 2 })\nexport default defineAgent({ deps: { a }, handler: () => 'complete' })`,
    ),
    code: 2,
    says: ['Dependency cycle'],
  },
  {
    name: 'declared pathway that does not exist',
    files: withAgent(`export default defineAgent({ pathways: ['aprove'], handler: () => 'complete' })`),
    code: 2,
    says: ['unknown pathway "aprove"'],
  },
  {
    name: 'ontology feature that does not exist',
    files: withAgent(`export default defineAgent({ ontology: { objects: ['Truck'] }, handler: () => 'complete' })`),
    code: 2,
    says: ['needs the object "Truck"'],
  },
  {
    name: 'validate hook rejects',
    files: badConfig(`\n  validate: () => { throw new Error('freeze: no runs on Fridays') },`),
    code: 2,
    says: ['freeze: no runs on Fridays'],
  },
  // Project and fixture
  { name: 'no project hash', files: {}, command: 'list-stages', code: 2, says: ['No project given.'] },
  {
    name: 'project hash not in the fixture',
    files: badConfig(''),
    args: ['--project-hash', 'ffffffff-0000-4000-8000-000000000000'],
    code: 2,
    says: ['is not in fixture.json', PROJECT_HASH],
  },
  { name: 'fixture file missing', files: badConfig(''), args: ['--local', 'nope.json'], code: 2, says: ['nope.json'] },
  {
    name: 'fixture schema error',
    files: badConfig(''),
    after: fixturePatch((f) => (f.projects[0].tasks[0].status = 42)),
    code: 2,
    says: ['projects[0].tasks[0].status'],
  },
  {
    name: 'fixture dangling reference',
    files: badConfig(''),
    after: fixturePatch((f) => (f.projects[0].tasks[0].stageUuid = 'no-such-stage')),
    code: 2,
    says: ['no-such-stage'],
  },
  // Keys (for Encord, not the emulator: the key is read before any request)
  keyCase('RSA key', keys.rsaOpenSsh, [
    'This is an RSA key; Encord signs with Ed25519 keys only',
    'a file starting with "-----BEGIN OPENSSH PRIVATE KEY-----"',
    'ssh-keygen -t ed25519',
  ]),
  keyCase('ECDSA key', keys.ecdsa, ['This is an ECDSA key']),
  keyCase('encrypted key', keys.encrypted, ['encrypted with a passphrase']),
  keyCase('truncated key', keys.truncated, ['truncated']),
  keyCase('empty key file', keys.empty, ['The private key is empty']),
  keyCase('public key instead of private', keys.publicKey, ['This is a public key, not a private key']),
  {
    name: 'key file missing',
    command: 'list-stages',
    args: ['--project-hash', PROJECT_HASH, '--ssh-key-file', 'nope'],
    code: 2,
    says: ['does not exist'],
  },
  {
    name: 'ENCORD_SSH_KEY holding a path',
    command: 'list-stages',
    args: ['--project-hash', PROJECT_HASH],
    env: { ENCORD_SSH_KEY: '/home/me/.ssh/id_ed25519' },
    code: 2,
    says: ['ENCORD_SSH_KEY holds a file path', 'ENCORD_SSH_KEY_FILE'],
  },
  {
    name: 'no key configured',
    command: 'list-stages',
    args: ['--project-hash', PROJECT_HASH],
    code: 2,
    says: ['No Encord private key is configured'],
  },
  {
    name: 'domain that is not a URL',
    command: 'list-stages',
    args: ['--project-hash', PROJECT_HASH, '--domain', 'api.encord'],
    env: { ENCORD_SSH_KEY: TEST_KEY },
    code: 2,
    says: ['is not a URL'],
  },
  {
    name: 'domain of the web app',
    command: 'list-stages',
    args: ['--project-hash', PROJECT_HASH, '--domain', 'https://app.encord.com'],
    env: { ENCORD_SSH_KEY: TEST_KEY },
    code: 2,
    says: ['Encord web app'],
  },
  {
    name: 'key not a user of the local fixture',
    files: { ...badConfig(''), 'key.txt': TEST_KEY },
    args: ['--ssh-key-file', 'key.txt'],
    code: 3,
    says: ['is not a user of fixture.json'],
  },
  // Usage
  { name: 'unknown flag', args: ['--batch-size', '3'], code: 2, says: ['Nonexistent flag: --batch-size'] },
  {
    name: 'bad flag value',
    args: ['--concurrency', 'many'],
    code: 2,
    says: ['Expected an integer but received: many'],
  },
  {
    name: 'unknown template',
    command: 'init',
    args: ['x', '--template', 'fancy'],
    code: 2,
    says: ['Expected --template=fancy to be one of: minimal, label-writer, multi-stage, vision'],
  },
]

/** Handler returns: the run goes on; each bad task fails (exit 1) with a reason naming the fix. */
export const handlerCases: Array<{ name: string; bad: string; code: string; says: string }> = [
  { name: 'a number', bad: `42 as any`, code: 'InvalidHandlerResult', says: 'The handler returned' },
  {
    name: 'an object without a pathway (typo)',
    bad: `{ pathay: 'complete' } as any`,
    code: 'InvalidHandlerResult',
    says: 'pathay',
  },
  {
    name: 'an unknown pathway',
    bad: `'aprove'`,
    code: 'UnknownPathway',
    says: 'Unknown pathway "aprove" for stage "Agent 1".',
  },
  {
    name: 'a rejected promise',
    bad: `Promise.reject(new Error('model overloaded'))`,
    code: 'HandlerFailed',
    says: 'model overloaded',
  },
  {
    name: 'a hang past taskTimeout',
    bad: `new Promise<string>(() => {})`,
    code: 'TaskTimeout',
    says: 'taskTimeout (200 ms)',
  },
  {
    name: 'a priority out of range',
    bad: `{ pathway: 'complete', priority: 7 }`,
    code: 'InvalidHandlerResult',
    says: 'a priority is a number from 0',
  },
]
