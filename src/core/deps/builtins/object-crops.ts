import type { AnyObjectInstance } from '../../../labels/label-options.js'
import { padBox, pixelBoxOf, type CropPadding } from '../../../vision/crops.js'
import type { Frame, PixelBox } from '../../../vision/frame.js'
import { defineDependency, makeFactory } from '../dependency.js'
import { frame, type FrameOptions } from './frame.js'
import { labelRow } from './label-row.js'

/** Options of `objectCrops()`. */
export interface ObjectCropsOptions extends FrameOptions {
  /** Only instances of these ontology objects (titles or feature hashes). @default every object */
  objects?: string[]
  /** Extra pixels around each crop, or a percentage of the object's box (`'10%'`). Clamped to the frame. @default 0 */
  padding?: CropPadding
}

/** One object instance on the frame, with the image inside its box (Python's `InstanceCrop`). */
export interface ObjectCrop {
  /** The instance in the task's label row: set its answers, change or remove it. */
  instance: AnyObjectInstance
  /** The frame number. */
  frame: number
  /** The object's box in pixels, before padding. */
  box: PixelBox
  /** The cropped image (with padding): `image.toDataUrl()`, `openaiImagePart(image)`, `image.data`... */
  image: Frame
}

/**
 * Every object instance of the task's label row on one frame, each with its cropped image, for
 * agents that classify each box (Python's `dep_object_crops`). Boxes, rotated boxes (the enclosing
 * box), polygons, polylines, points, skeletons and bitmasks are cropped; shapes without an extent on
 * the frame (cuboids, audio and text ranges, empty bitmasks) are left out.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { crops: objectCrops({ objects: ['Car'], padding: '10%' }), row: labelRow() }, async handler({ deps }) {
 *   for (const crop of deps.crops) crop.instance.setAnswer('Colour', await classifyColour(crop.image))
 *   return { pathway: 'done', labelRow: deps.row }
 * } })
 * ```
 */
export const objectCrops = makeFactory<ObjectCropsOptions, ObjectCrop[]>('objectCrops', (options = {}) => {
  const { objects, padding, ...frameOptions } = options
  padBox({ left: 0, top: 0, width: 1, height: 1 }, padding) // a bad padding fails where it is written
  return defineDependency({
    name: 'objectCrops()',
    deps: { row: labelRow(), image: frame(frameOptions) },
    requires: objects === undefined ? undefined : { objects },
    resolve({ deps }): ObjectCrop[] {
      const { row, image } = deps
      const n = image.frame
      const features =
        objects === undefined ? undefined : new Set(objects.map((o) => row.ontology.object(o).featureHash))
      const crops: ObjectCrop[] = []
      for (const instance of row.objects({ frames: n })) {
        if (features !== undefined && !features.has(instance.featureHash)) continue
        const coordinates = instance.coordinates(n)
        const box = coordinates === undefined ? undefined : pixelBoxOf(coordinates, image)
        if (box === undefined) continue
        crops.push({ instance, frame: n, box, image: image.crop(padBox(box, padding)) })
      }
      return crops
    },
  })
})
