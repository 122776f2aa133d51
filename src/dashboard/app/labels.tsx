import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { decodeRleCounts, rleCountsToMask } from '../../labels/bitmask.js'
import type { DrawnObject, Geometry, LabelView, ObjectChange, UnitView } from '../label-view.js'
import { urls, type DataUnit } from './api.js'

/**
 * A data unit's media with the labels of one frame drawn over it. The overlay is an SVG whose user
 * units are the frame's pixels, laid exactly over the image or video (both fill a box with the
 * frame's aspect ratio), so normalised coordinates scale by width and height.
 */
export function LabelCanvas(props: {
  projectHash: string
  dataUnit: DataUnit
  unit: UnitView
  frame: number
  caption: string
  changes?: Map<string, ObjectChange>
  highlight?: string
  testId: string
}) {
  const { projectHash, dataUnit, unit, frame, changes, highlight } = props
  const isVideo = (unit.mimeType ?? dataUnit.fileType ?? '').startsWith('video/') || dataUnit.dataType === 'VIDEO'
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null)
  const [missing, setMissing] = useState(false)
  const width = unit.width ?? dataUnit.width ?? natural?.w ?? 640
  const height = unit.height ?? dataUnit.height ?? natural?.h ?? 480
  const src = urls.media(projectHash, dataUnit.dataHash, unit.unitHash)
  const video = useRef<HTMLVideoElement>(null)
  const fps = unit.fps ?? dataUnit.fps ?? 25
  // Names and points keep a readable size on screen whatever the media's size: measure the box.
  const box = useRef<HTMLDivElement>(null)
  const [shownWidth, setShownWidth] = useState(0)
  useEffect(() => {
    if (!box.current) return
    const observer = new ResizeObserver((entries) => setShownWidth(entries[0].contentRect.width))
    observer.observe(box.current)
    return () => observer.disconnect()
  }, [])
  const px = shownWidth > 0 ? width / shownWidth : Math.max(width, height) / 600

  useEffect(() => {
    // Show the middle of the frame's display interval, so rounding never lands on the neighbour.
    if (video.current && video.current.readyState >= 1) video.current.currentTime = (frame + 0.5) / fps
  }, [frame, fps])

  const objects = unit.objects[frame] ?? []
  return (
    <figure class="canvas" data-testid={props.testId}>
      <div
        ref={box}
        class={`stage-box${missing ? ' missing' : ''}`}
        style={{ aspectRatio: `${width} / ${height}`, width: `min(100%, ${((62 * width) / height).toFixed(2)}vh)` }}
      >
        {isVideo ? (
          <video
            ref={video}
            class="media"
            src={src}
            muted
            preload="auto"
            playsInline
            onLoadedMetadata={(e) => {
              const v = e.currentTarget
              setNatural({ w: v.videoWidth, h: v.videoHeight })
              v.currentTime = (frame + 0.5) / fps
            }}
            onError={() => setMissing(true)}
          />
        ) : (
          <img
            class="media"
            src={src}
            alt={unit.title}
            onLoad={(e) => setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
            onError={() => setMissing(true)}
          />
        )}
        {missing && <span class="no-media">no media for this item</span>}
        <svg
          class="overlay"
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          data-width={width}
          data-height={height}
        >
          {objects.map((o, i) => (
            <Shape
              key={`${o.objectHash}-${i}`}
              object={o}
              width={width}
              height={height}
              px={px}
              change={changes?.get(o.objectHash)}
              highlighted={highlight === o.objectHash}
            />
          ))}
        </svg>
      </div>
      <figcaption>{props.caption}</figcaption>
    </figure>
  )
}

/** `px`: the size of one screen pixel in the frame's pixels. */
function Shape(props: {
  object: DrawnObject
  width: number
  height: number
  px: number
  change?: ObjectChange
  highlighted: boolean
}) {
  const { object: o, width: W, height: H, px } = props
  const g = o.geometry
  const at = anchor(g, W, H, px)
  // Keep the name inside the picture (a polyline starting at the top-left corner, a box at the edge).
  const label =
    at && ([Math.min(Math.max(at[0], 2 * px), W - 30 * px), Math.min(Math.max(at[1], 13 * px), H - 2 * px)] as const)
  return (
    <g
      class={`label-object${props.change ? ` ${props.change}` : ''}${props.highlighted ? ' highlighted' : ''}`}
      data-object-hash={o.objectHash}
      data-shape={o.shape}
      data-name={o.name}
      style={{ color: o.color }}
    >
      <title>{`${o.name} (${o.shape})${o.confidence !== null ? ` · confidence ${o.confidence}` : ''}`}</title>
      {draw(g, W, H, px, o.color)}
      {label && (
        <text x={label[0]} y={label[1]} font-size={13 * px} class="object-name">
          {o.name}
        </text>
      )}
    </g>
  )
}

function draw(g: Geometry, W: number, H: number, px: number, color: string) {
  const r = 4 * px
  switch (g.kind) {
    case 'box':
      return <rect class="shape" x={g.x * W} y={g.y * H} width={g.w * W} height={g.h * H} />
    case 'rotated-box': {
      const cx = (g.x + g.w / 2) * W
      const cy = (g.y + g.h / 2) * H
      return (
        <rect
          class="shape"
          x={g.x * W}
          y={g.y * H}
          width={g.w * W}
          height={g.h * H}
          transform={`rotate(${g.theta} ${cx} ${cy})`}
        />
      )
    }
    case 'polygon':
      return (
        <path
          class="shape"
          fill-rule="evenodd"
          d={g.polygons
            .flatMap((rings) => rings.map((ring) => `M${ring.map(([x, y]) => `${x * W},${y * H}`).join(' L')} Z`))
            .join(' ')}
        />
      )
    case 'polyline':
      return <polyline class="shape line" points={g.points.map(([x, y]) => `${x * W},${y * H}`).join(' ')} />
    case 'point':
      return <circle class="shape point" cx={g.x * W} cy={g.y * H} r={r} />
    case 'skeleton':
      return (
        <g>
          {g.points.map((p, i) => (
            <circle key={i} class="shape point" cx={p.x * W} cy={p.y * H} r={r}>
              <title>{p.name}</title>
            </circle>
          ))}
        </g>
      )
    case 'bitmask':
      return <Bitmask g={g} color={color} />
    default:
      return null
  }
}

function Bitmask(props: { g: Extract<Geometry, { kind: 'bitmask' }>; color: string }) {
  const { g, color } = props
  const href = useMemo(() => maskImage(g, color), [g.rleString, g.width, g.height, color])
  if (!href) return null
  return (
    <image
      class="shape mask"
      href={href}
      x={g.left}
      y={g.top}
      width={g.width}
      height={g.height}
      preserveAspectRatio="none"
    />
  )
}

/** A bitmask as a PNG data URL: set pixels in the object's colour, half transparent. */
function maskImage(g: Extract<Geometry, { kind: 'bitmask' }>, color: string): string | null {
  try {
    const mask = rleCountsToMask(decodeRleCounts(g.rleString), g.width * g.height)
    const canvas = document.createElement('canvas')
    canvas.width = g.width
    canvas.height = g.height
    const ctx = canvas.getContext('2d')
    if (!ctx) return null
    const image = ctx.createImageData(g.width, g.height)
    const [r, gr, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16) || 0)
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue
      image.data.set([r, gr, b, 140], i * 4)
    }
    ctx.putImageData(image, 0, 0)
    return canvas.toDataURL('image/png')
  } catch {
    return null
  }
}

/** Where an object's name goes: above its top-left corner (or at its first point). */
function anchor(g: Geometry, W: number, H: number, px: number): [number, number] | null {
  const lift = 4 * px
  switch (g.kind) {
    case 'box':
    case 'rotated-box':
      return [g.x * W, g.y * H - lift]
    case 'polygon': {
      const p = g.polygons[0][0][0]
      return [p[0] * W, p[1] * H - lift]
    }
    case 'polyline':
      return [g.points[0][0] * W, g.points[0][1] * H - lift]
    case 'point':
      return [g.x * W + lift, g.y * H - lift]
    case 'skeleton':
      return [g.points[0].x * W, g.points[0].y * H - lift]
    case 'bitmask':
      return [g.left, g.top + lift * 3]
    default:
      return null
  }
}

/** The objects and classifications of a version, with their answers, beside the picture. */
export function LabelList(props: {
  view: LabelView
  changes?: Map<string, ObjectChange>
  onHover?: (objectHash: string | undefined) => void
}) {
  const { view, changes } = props
  return (
    <div class="label-list">
      <h4>Objects ({view.objects.length})</h4>
      {view.objects.length === 0 && <p class="muted">none</p>}
      <ul>
        {view.objects.map((o) => {
          const frames = Object.values(o.frames).flat()
          return (
            <li
              key={o.objectHash}
              data-object-hash={o.objectHash}
              onMouseEnter={() => props.onHover?.(o.objectHash)}
              onMouseLeave={() => props.onHover?.(undefined)}
            >
              <span class="swatch" style={{ background: o.color }} />
              <b>{o.name}</b> <span class="muted">{o.shape.replace(/_/g, ' ')}</span>
              {changes?.get(o.objectHash) && changes.get(o.objectHash) !== 'same' && (
                <span class={`badge ${changes.get(o.objectHash)}`}>{changes.get(o.objectHash)}</span>
              )}
              <div class="meta">
                {o.confidence !== null && <span>confidence {o.confidence}</span>}
                {o.createdBy && <span>by {o.createdBy}</span>}
                {o.manualAnnotation === false && <span>automatic</span>}
                {frames.length > 1 && <span>frames {compactFrames(frames)}</span>}
              </div>
              {o.answers.length > 0 && (
                <ul class="answers">
                  {o.answers.map((a, i) => (
                    <li key={i}>
                      {a.name}: <b>{a.value}</b>
                      {a.frames ? <span class="muted"> (frames {a.frames})</span> : null}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          )
        })}
      </ul>
      <h4>Classifications ({view.classifications.length})</h4>
      {view.classifications.length === 0 && <p class="muted">none</p>}
      <ul>
        {view.classifications.map((c) => (
          <li key={c.classificationHash} data-classification-hash={c.classificationHash}>
            <b>{c.name}</b>
            {c.answers.length === 0 && <span class="muted"> (no answer)</span>}
            {c.answers.map((a, i) => (
              <span key={i}>
                {a.name !== c.name ? `, ${a.name}` : ''}: <b class="answer">{a.value}</b>
              </span>
            ))}
            {c.createdBy && <div class="meta">by {c.createdBy}</div>}
          </li>
        ))}
      </ul>
      {view.problems.length > 0 && (
        <details class="problems">
          <summary>{view.problems.length} label(s) could not be drawn</summary>
          <ul>
            {view.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}

export function compactFrames(frames: number[]): string {
  const sorted = [...new Set(frames)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; i++) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}–${sorted[j]}`)
    i = j
  }
  return parts.join(', ')
}
