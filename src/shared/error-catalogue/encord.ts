import { defineErrors } from './define.js'

// Errors raised by src/encord (see index.ts for how entries are written and thrown).
export const encordErrors = defineErrors({
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
      url: {
        message: (p: { source: string; raw: string }) => `${p.source} is not a URL: ${JSON.stringify(p.raw)}`,
      },
      httpSUrl: {
        message: (p: { source: string; protocol: string }) => `${p.source} must be an http(s) URL, not ${p.protocol}`,
      },
      bareOriginWithout: {
        message: (p: { source: string; raw: string }) =>
          `${p.source} must be a bare origin without a path or query: ${JSON.stringify(p.raw)}`,
      },
      pointsEncordWeb: {
        message: (p: { source: string; hostname: string }) =>
          `${p.source} points at the Encord web app (${p.hostname}), not the API`,
      },
    },
  },
})
