/**
 * The user's own module the README's dependency example imports (`./model.ts`): a detector with the
 * shape the example uses. The docs check puts it beside the snippets; it is not part of any snippet.
 */
import type { LabelRow } from 'encord-agents'

export interface Detection {
  box: { x: number; y: number; w: number; h: number }
  score: number
}

export interface Detector {
  detect(row: LabelRow): Promise<Detection[]>
  close(): Promise<void>
}

export async function loadModel(): Promise<Detector> {
  return { detect: async () => [], close: async () => undefined }
}
