import Table from 'cli-table3'
import type { ListStagesResult } from '../services/list-stages.js'
import { terminalText } from './terminal-text.js'
import { stdoutTheme } from './theme.js'

/** `list-stages` as a table: stage, type, UUID, tasks, and pathways as `name → destination` (server strings made printable). */
export function formatStages(projectTitle: string, projectHash: string, stages: ListStagesResult): string {
  const table = new Table({
    head: ['Stage', 'Type', 'UUID', 'Tasks', 'Pathways'].map((h) => stdoutTheme.bold(h)),
    style: { head: [], border: [] },
  })
  for (const s of stages) {
    table.push([
      s.type === 'AGENT' ? stdoutTheme.accent(terminalText(s.title)) : terminalText(s.title),
      s.type,
      s.uuid,
      String(s.taskCount),
      s.pathways.length
        ? s.pathways
            .map((p) => `${terminalText(p.name)} → ${terminalText(p.destination)}\n${stdoutTheme.dim(p.uuid)}`)
            .join('\n')
        : stdoutTheme.dim('-'),
    ])
  }
  const agents = stages.filter((s) => s.type === 'AGENT').length
  return [
    `${stdoutTheme.bold(terminalText(projectTitle))} ${stdoutTheme.dim(`(${projectHash})`)}`,
    table.toString(),
    stdoutTheme.dim(
      `${stages.length} stages, ${agents} agent stage${agents === 1 ? '' : 's'}. Agents bind to agent stages by title or UUID.`,
    ),
  ].join('\n')
}
