/**
 * Keys whose numbers Encord's SDK holds as Python floats in a label row, so that
 * `pythonJson(row.toDict(), LABEL_ROW_FLOAT_KEYS)` writes `1.0` where the SDK does and the save body
 * is byte-identical to the SDK's (see src/encord/python-json.ts; the server itself does not care).
 *
 * Coordinates (`x`, `y`, `w`, `h`, `theta`, the flat `polygons` lists), `confidence`, and the video
 * unit's `data_fps`/`data_duration`. Bitmask sizes (`top`, `left`, `width`, `height`) and frame
 * ranges are integers.
 */
export const LABEL_ROW_FLOAT_KEYS: ReadonlySet<string> = new Set([
  'confidence',
  'x',
  'y',
  'w',
  'h',
  'theta',
  'polygons',
  'data_fps',
  'data_duration',
])
