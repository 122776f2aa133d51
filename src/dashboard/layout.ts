/**
 * Layout of a workflow graph for the dashboard: stages in layers from left to right by their BFS depth
 * from START, pathways as curves. Forward pathways run from the right edge of one stage to the left
 * edge of the next; pathways within a layer are short vertical links; pathways that go back (a review
 * sending work back to annotation) arc below the nodes, so they never cross the stages.
 *
 * Pure (no DOM), shared by the front end and its unit tests.
 */

/** A stage as the layout needs it (the fixture's stage shape). */
export interface LayoutStage {
  uuid: string
  title: string
  stageType: string
  pathways: Array<{ uuid: string; title: string; destinationUuid: string }>
}

export interface LayoutNode {
  uuid: string
  /** Top-left corner and size, in SVG user units. */
  x: number
  y: number
  width: number
  height: number
  /** Layer: BFS distance from START (a stage START cannot reach starts a walk of its own at 0). */
  depth: number
}

export interface LayoutEdge {
  /** The pathway's uuid. */
  uuid: string
  title: string
  from: string
  to: string
  /** SVG path data of the curve. */
  d: string
  /** Where the label goes (centre). */
  labelX: number
  labelY: number
  /** How the label text is anchored at (labelX, labelY). */
  anchor: 'start' | 'middle' | 'end'
  /** True when the pathway leads back to an earlier layer, or to its own stage (drawn below the nodes). */
  back: boolean
}

export interface GraphLayout {
  width: number
  height: number
  nodes: LayoutNode[]
  edges: LayoutEdge[]
}

export interface LayoutOptions {
  /** @default 176 */
  nodeWidth?: number
  /** @default 64 */
  nodeHeight?: number
  /** Room between layers, for edge labels. @default 110 */
  gapX?: number
  /** @default 30 */
  gapY?: number
  /** Outer margin. @default 16 */
  margin?: number
}

/**
 * Place the stages of a workflow.
 *
 * @example
 * const { width, height, nodes, edges } = layoutWorkflow(project.workflow.stages)
 */
export function layoutWorkflow(stages: readonly LayoutStage[], options: LayoutOptions = {}): GraphLayout {
  const nodeWidth = options.nodeWidth ?? 176
  const nodeHeight = options.nodeHeight ?? 64
  const gapX = options.gapX ?? 110
  const gapY = options.gapY ?? 30
  const margin = options.margin ?? 16
  if (stages.length === 0) return { width: 2 * margin, height: 2 * margin, nodes: [], edges: [] }

  const byUuid = new Map(stages.map((s) => [s.uuid, s]))
  const order = new Map(stages.map((s, i) => [s.uuid, i]))
  const incoming = new Map<string, string[]>(stages.map((s) => [s.uuid, []]))
  for (const s of stages)
    for (const p of s.pathways)
      if (byUuid.has(p.destinationUuid) && p.destinationUuid !== s.uuid) incoming.get(p.destinationUuid)!.push(s.uuid)

  // Roots: START stages; else stages nothing leads to; else the first stage.
  let roots = stages.filter((s) => s.stageType === 'START').map((s) => s.uuid)
  if (roots.length === 0) roots = stages.filter((s) => incoming.get(s.uuid)!.length === 0).map((s) => s.uuid)
  if (roots.length === 0) roots = [stages[0].uuid]

  const depth = new Map<string, number>()
  const visit = (from: string[]) => {
    const queue = [...from]
    for (const r of from) depth.set(r, 0)
    while (queue.length > 0) {
      const uuid = queue.shift()!
      for (const p of byUuid.get(uuid)!.pathways) {
        if (!byUuid.has(p.destinationUuid) || depth.has(p.destinationUuid)) continue
        depth.set(p.destinationUuid, depth.get(uuid)! + 1)
        queue.push(p.destinationUuid)
      }
    }
  }
  visit(roots)
  // Stages the roots cannot reach (only inside a cycle, or cut off): each starts a walk of its own.
  for (const s of stages) if (!depth.has(s.uuid)) visit([s.uuid])

  const layers: string[][] = []
  for (const s of stages) (layers[depth.get(s.uuid)!] ??= []).push(s.uuid)
  // One barycentre pass: order each layer by where its predecessors sit, which removes most crossings
  // in the small, mostly linear graphs of annotation workflows.
  const position = new Map<string, number>()
  layers.forEach((layer, d) => {
    if (d > 0) {
      const key = (uuid: string) => {
        const preds = incoming.get(uuid)!.filter((p) => depth.get(p) === d - 1)
        return preds.length === 0
          ? Number.POSITIVE_INFINITY
          : preds.reduce((a, p) => a + position.get(p)!, 0) / preds.length
      }
      layer.sort((a, b) => key(a) - key(b) || order.get(a)! - order.get(b)!)
    }
    layer.forEach((uuid, i) => position.set(uuid, i))
  })

  const tallest = Math.max(...layers.map((l) => (l ?? []).length))
  const columnHeight = (n: number) => n * nodeHeight + (n - 1) * gapY
  const nodes: LayoutNode[] = []
  const nodeOf = new Map<string, LayoutNode>()
  layers.forEach((layer, d) => {
    if (!layer) return
    const top = margin + (columnHeight(tallest) - columnHeight(layer.length)) / 2
    layer.forEach((uuid, i) => {
      const node = {
        uuid,
        x: margin + d * (nodeWidth + gapX),
        y: top + i * (nodeHeight + gapY),
        width: nodeWidth,
        height: nodeHeight,
        depth: d,
      }
      nodes.push(node)
      nodeOf.set(uuid, node)
    })
  })

  const bottom = margin + columnHeight(tallest)
  let lowest = bottom
  const edges: LayoutEdge[] = []
  const seenPairs = new Map<string, number>()
  for (const s of stages) {
    for (const p of s.pathways) {
      const a = nodeOf.get(s.uuid)
      const b = nodeOf.get(p.destinationUuid)
      if (!a || !b) continue
      const pair = `${a.uuid}>${b.uuid}`
      const nth = seenPairs.get(pair) ?? 0
      seenPairs.set(pair, nth + 1)
      const back = b.depth < a.depth || a === b
      if (b.depth === a.depth && a !== b) {
        // Same layer: a short vertical link between the two boxes, labelled beside it.
        const down = b.y > a.y
        const x = a.x + a.width / 2 + (nth - (down ? 0 : 1)) * 24 + (down ? 12 : -12)
        const sy = down ? a.y + a.height : a.y
        const ty = down ? b.y : b.y + b.height
        edges.push({
          uuid: p.uuid,
          title: p.title,
          from: a.uuid,
          to: b.uuid,
          d: `M${x},${sy} L${x},${ty}`,
          labelX: x + (down ? 8 : -8),
          labelY: (sy + ty) / 2,
          back: false,
          anchor: down ? 'start' : 'end',
        })
      } else if (!back) {
        const sx = a.x + a.width
        const sy = a.y + a.height / 2
        const tx = b.x
        const ty = b.y + b.height / 2
        const mx = (sx + tx) / 2
        // Cubic Bézier with both control points on the vertical through the middle: its midpoint is (mx, (sy+ty)/2).
        edges.push({
          uuid: p.uuid,
          title: p.title,
          from: a.uuid,
          to: b.uuid,
          d: `M${sx},${sy} C${mx},${sy} ${mx},${ty} ${tx},${ty}`,
          labelX: mx,
          labelY: (sy + ty) / 2 + nth * 16,
          back,
          anchor: 'middle',
        })
      } else {
        // Below everything: leave from the bottom of the source, come back into the bottom of the target.
        const sx = a.x + a.width / 2 + (a === b ? -a.width / 4 : 0)
        const tx = b.x + b.width / 2 + (a === b ? a.width / 4 : 0)
        const sy = a.y + a.height
        const ty = b.y + b.height
        const span = Math.abs(a.depth - b.depth)
        const dip = bottom + 26 + 18 * span + 14 * nth
        // Control points at `dip` put the curve's lowest point (t = 0.5) at 0.75·dip + 0.25·mean(sy, ty).
        const low = 0.75 * dip + 0.125 * (sy + ty)
        lowest = Math.max(lowest, low + 14)
        edges.push({
          uuid: p.uuid,
          title: p.title,
          from: a.uuid,
          to: b.uuid,
          d: `M${sx},${sy} C${sx},${dip} ${tx},${dip} ${tx},${ty}`,
          labelX: (sx + tx) / 2,
          labelY: low,
          back,
          anchor: 'middle',
        })
      }
    }
  }
  const columns = layers.length
  return { width: 2 * margin + columns * nodeWidth + (columns - 1) * gapX, height: lowest + margin, nodes, edges }
}
