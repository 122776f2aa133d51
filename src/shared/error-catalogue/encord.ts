import { defineErrors } from './define.js'

/** The hint of every error about a private key's text (encord/auth/keys.ts). */
const ACCEPTED_KEY =
  'encord-agents accepts an unencrypted OpenSSH Ed25519 private key (a file starting with "-----BEGIN OPENSSH PRIVATE KEY-----", as made by `ssh-keygen -t ed25519`).'

/**
 * What an Encord client error's texts are made of: the throw site's own summary and hint (if it has them)
 * and the call's facts as encord/errors.ts writes them: `(getProject: GET /v2/..., HTTP 404): "server text"`.
 */
export interface EncordFacts {
  summary: string | undefined
  facts: string
  hint: string | undefined
}

const TRACE_HINT = 'If it persists, give Encord support the trace id from `--json` output (data.traceId).'

// Errors raised by src/encord (see index.ts for how entries are written and thrown).
export const encordErrors = defineErrors({
  // A private key's text. `source` says where the key came from (e.g. `ENCORD_SSH_KEY_FILE=/home/me/.ssh/id`);
  // no message ever contains the key text.
  KeyEmpty: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: { default: { message: (p: { source: string }) => `The private key is empty (${p.source})` } },
  },
  KeyIsPublic: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: {
      default: {
        message: (p: { source: string }) =>
          `This is a public key, not a private key: Encord needs the private half to sign requests (${p.source})`,
      },
    },
  },
  KeyNotEd25519: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: {
      default: {
        message: (p: { kind: string; source: string }) =>
          `This is an ${p.kind} key; Encord signs with Ed25519 keys only (${p.source})`,
      },
    },
  },
  KeyEncrypted: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: {
      default: {
        message: (p: { source: string }) => `This private key is encrypted with a passphrase (${p.source})`,
      },
    },
  },
  KeyWrongFormat: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: {
      pkcs8: {
        message: (p: { source: string }) =>
          `This is a PEM (PKCS#8) private key, not an OpenSSH one; convert it with \`ssh-keygen -p -f FILE\` or create a new key (${p.source})`,
      },
      notOpenSsh: {
        message: (p: { source: string }) => `This is not an OpenSSH private key (${p.source})`,
      },
    },
  },
  KeyTruncated: {
    exit: 'user',
    hint: ACCEPTED_KEY,
    messages: {
      noEndLine: {
        message: (p: { source: string }) => `The private key is truncated (no END line) (${p.source})`,
      },
      unreadable: {
        message: (p: { source: string }) =>
          `The private key could not be read: it is truncated or corrupted (${p.source})`,
      },
    },
  },
  KeyFileNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; source: string }) => `The private key file ${p.path} does not exist (${p.source})`,
        hint: `Set ENCORD_SSH_KEY_FILE to the path of your private key file (or ENCORD_SSH_KEY to its content). The key must be an OpenSSH Ed25519 key whose public half is registered in Encord (Settings → Public keys).`,
      },
    },
  },
  KeyFileNotAFile: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; source: string }) => `${p.path} is not a file (${p.source})`,
        hint: `Set ENCORD_SSH_KEY_FILE to the path of your private key file (or ENCORD_SSH_KEY to its content). The key must be an OpenSSH Ed25519 key whose public half is registered in Encord (Settings → Public keys).`,
      },
    },
  },
  KeyFileUnreadable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { path: string; code: string; source: string }) =>
          `The private key file ${p.path} cannot be read (${p.code}) (${p.source})`,
        hint: `Check the file permissions of the key file for the user running encord-agents.`,
      },
    },
  },
  KeyIsPath: {
    exit: 'user',
    messages: {
      default: {
        message: () => `ENCORD_SSH_KEY holds a file path, not a private key`,
        hint: `Put the path in ENCORD_SSH_KEY_FILE instead (ENCORD_SSH_KEY is for the key text itself), and unset ENCORD_SSH_KEY.`,
      },
    },
  },
  KeyMissing: {
    exit: 'user',
    messages: {
      default: {
        message: () => `No Encord private key is configured`,
        hint: `Set ENCORD_SSH_KEY_FILE to the path of your private key file (or ENCORD_SSH_KEY to its content). The key must be an OpenSSH Ed25519 key whose public half is registered in Encord (Settings → Public keys).`,
      },
    },
  },
  DomainInvalid: {
    exit: 'user',
    hint: 'Use the API origin: https://api.encord.com (default), https://api.us.encord.com (US), or http://127.0.0.1:PORT for the local emulator.',
    messages: {
      notAUrl: {
        message: (p: { source: string; raw: string }) => `${p.source} is not a URL: ${JSON.stringify(p.raw)}`,
      },
      notHttp: {
        message: (p: { source: string; protocol: string }) => `${p.source} must be an http(s) URL, not ${p.protocol}`,
      },
      hasPath: {
        message: (p: { source: string; raw: string }) =>
          `${p.source} must be a bare origin without a path or query: ${JSON.stringify(p.raw)}`,
      },
      webApp: {
        message: (p: { source: string; hostname: string }) =>
          `${p.source} points at the Encord web app (${p.hostname}), not the API`,
      },
    },
  },
  // The Encord client's errors (encord/errors.ts: EncordAuthenticationError, ...). The message is a summary of
  // what happened (the entry's, or one the throw site gives for its case) followed by the call's facts (endpoint,
  // HTTP status, legacy code, attempts) and what the server said; a throw site may give its own hint too.
  EncordAuthentication: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts) => `${p.summary ?? 'Encord did not accept the SSH key'} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          'Check that the private key (ENCORD_SSH_KEY or ENCORD_SSH_KEY_FILE) is the one whose public key is registered in Encord ' +
            '(Settings → Public keys), that ENCORD_DOMAIN is the deployment your account lives on (https://api.encord.com or https://api.us.encord.com), ' +
            "and that this machine's clock is correct.",
      },
    },
  },
  EncordPermission: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts) => `${p.summary ?? 'Encord refused access'} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          "Ask an admin of the project (or of the storage folder) to give the key's user access, or use a key of a user who has it.",
      },
    },
  },
  EncordNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: EncordFacts) => `${p.summary ?? 'Encord has no such resource'} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          "Check the hash/uuid (copy it from the Encord app URL), that the key's user can see it, and that ENCORD_DOMAIN is the right deployment (US projects live on https://api.us.encord.com).",
      },
    },
  },
  EncordRateLimited: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts & { retryAfterSeconds: number | null }) =>
          `${p.summary ?? 'Encord is rate-limiting this key'} ${p.facts}`,
        hint: (p: EncordFacts & { retryAfterSeconds: number | null }) =>
          p.hint ??
          `Too many requests: ${
            p.retryAfterSeconds !== null
              ? `wait ${Math.ceil(p.retryAfterSeconds)} s (the server's Retry-After) and run again`
              : 'wait a minute and run again'
          }, or lower the concurrency / task batch size.`,
      },
    },
  },
  EncordServer: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts) => `${p.summary ?? 'Encord reported an error'} ${p.facts}`,
        hint: (p: EncordFacts) => p.hint ?? `This is on Encord's side; try again later. ${TRACE_HINT}`,
      },
    },
  },
  EncordNetwork: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts & { origin: string | undefined; networkCode: string | null }) =>
          `${p.summary ?? `Could not talk to Encord${p.origin ? ` at ${p.origin}` : ''}${p.networkCode ? ` (${p.networkCode})` : ''}`} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          'Check the network connection, any proxy or firewall, and ENCORD_DOMAIN. Timeouts can be raised with the client option `timeoutMs`.',
      },
    },
  },
  EncordProtocol: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: EncordFacts) =>
          `${p.summary ?? 'Encord sent a response this client does not understand'} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          'Check that ENCORD_DOMAIN points at the API (https://api.encord.com or https://api.us.encord.com, not the app at app.encord.com) and that no proxy rewrites responses. ' +
            TRACE_HINT,
      },
    },
  },
  EncordInvalidArguments: {
    exit: 'user',
    messages: {
      default: {
        message: (p: EncordFacts) => `${p.summary ?? 'Encord rejected the request as invalid'} ${p.facts}`,
        hint: (p: EncordFacts) =>
          p.hint ??
          'Check the values passed to this call (pathway names, label rows, priorities between 0 and 1, ...).',
      },
    },
  },
})
