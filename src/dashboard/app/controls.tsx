/** A filter's drop-down: the empty value (`any`, e.g. "any status") first, then each option as its own text. */
export function FilterSelect(props: {
  value: string
  onChange: (value: string) => void
  label: string
  any: string
  options: string[]
}) {
  return (
    <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} aria-label={props.label}>
      <option value="">{props.any}</option>
      {props.options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  )
}
