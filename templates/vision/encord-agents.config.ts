import { defineConfig } from 'encord-agents'

export default defineConfig({
  // The built-in local Encord emulator serves this project from fixture.json (state is written back).
  // For a real project: remove `local`, set your projectHash, and set ENCORD_SSH_KEY_FILE.
  local: './fixture.json',
  projectHash: '0b000000-0000-4000-8000-000000000001',
  agents: [{ stage: 'Detect cars', handler: './agent.ts' }],
  run: { taskBatchSize: 100, concurrency: 4 },
})
