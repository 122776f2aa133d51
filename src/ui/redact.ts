/**
 * Last line of defence against printing key material. Deep code never puts keys in messages; this
 * scrubs anything that still looks like one before it reaches a terminal, a log or `--json`.
 */
// A BEGIN marker followed by a key body (base64, or PEM headers such as "Proc-Type: 4,ENCRYPTED"):
// a sentence that merely names the marker ("a file starting with -----BEGIN ...-----") is left alone.
const PEM_BLOCK =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?=\s*[A-Za-z0-9+/:,\- ]{16})[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g
const OPENSSH_BODY = /b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=\s]*/g // base64 of "openssh-key-v1", the private key body

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text.replace(PEM_BLOCK, '[redacted private key]').replace(OPENSSH_BODY, '[redacted private key]')
  // A key given as text through the environment: never echo it back, even partially.
  const inline = env.ENCORD_SSH_KEY?.trim()
  if (inline && inline.length >= 16) {
    out = out.split(inline).join('[redacted private key]')
    for (const line of inline.split(/\r?\n/)) {
      const body = line.trim()
      if (body.length >= 16 && !body.startsWith('-----')) out = out.split(body).join('[redacted]')
    }
  }
  return out
}

/** Deep-redact a JSON-able value (strings only are rewritten). */
export function redactJson<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (typeof value === 'string') return redact(value, env) as T
  if (Array.isArray(value)) return value.map((v) => redactJson(v, env)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactJson(v, env)
    return out as T
  }
  return value
}
