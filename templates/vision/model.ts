import type { Frame } from 'encord-agents'

/** A detection: a box normalised to the image size (x, y of the top-left corner, width, height) and a score. */
export interface Detection {
  box: { x: number; y: number; w: number; h: number }
  score: number
}

/**
 * A stand-in for a car detector. Replace the body with a call to your model: an HTTP endpoint, ONNX
 * Runtime, or a vision LLM (`openaiImagePart(image)` / `anthropicImagePart(image)` give the image in
 * the shape their APIs take, and `ontologySchema()` gives a JSON Schema for structured output).
 *
 * What it does instead: it looks for the region much darker than its surroundings (the demo images
 * have one dark block), scoring it by how much darker it is. It reads the decoded pixels: `image.data`
 * holds RGB bytes, row by row.
 */
export async function detectCars(image: Frame): Promise<Detection[]> {
  const grid = 12 // the image as 12 × 12 cells of mean brightness
  const cells = new Float64Array(grid * grid)
  const counts = new Float64Array(grid * grid)
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3
      const cell = Math.floor((y * grid) / image.height) * grid + Math.floor((x * grid) / image.width)
      cells[cell] += image.data[i] + image.data[i + 1] + image.data[i + 2]
      counts[cell] += 3
    }
  }
  for (let c = 0; c < cells.length; c++) cells[c] /= counts[c] || 1
  const mean = (x0: number, y0: number, x1: number, y1: number) => {
    let sum = 0
    let n = 0
    for (let y = Math.max(0, y0); y < Math.min(grid, y1); y++)
      for (let x = Math.max(0, x0); x < Math.min(grid, x1); x++) {
        sum += cells[y * grid + x]
        n++
      }
    return { sum, n }
  }
  // Every window of 4 × 4 cells, against the ring of cells around it.
  let best: Detection | undefined
  const size = 4
  for (let y = 0; y + size <= grid; y++) {
    for (let x = 0; x + size <= grid; x++) {
      const inside = mean(x, y, x + size, y + size)
      const around = mean(x - 1, y - 1, x + size + 1, y + size + 1)
      const ring = (around.sum - inside.sum) / Math.max(1, around.n - inside.n)
      const contrast = ring / (inside.sum / inside.n + 1)
      const score = Math.min(1, Math.max(0, (contrast - 1) / 2))
      if (best === undefined || score > best.score)
        best = { box: { x: x / grid, y: y / grid, w: size / grid, h: size / grid }, score }
    }
  }
  return best !== undefined && best.score >= 0.25 ? [best] : []
}
