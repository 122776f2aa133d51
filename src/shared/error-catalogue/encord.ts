import { defineErrors } from './define.js'

/** The hint of every error about a private key's text (encord/auth/keys.ts). */
const ACCEPTED_KEY =
  'encord-agents accepts an unencrypted OpenSSH Ed25519 private key (a file starting with "-----BEGIN OPENSSH PRIVATE KEY-----", as made by `ssh-keygen -t ed25519`).'

/**
 * The facts every Encord client error's message ends with, written by encord/errors.ts: the call (endpoint,
 * HTTP status, legacy code, attempts) and what the server said, `(getProject: GET /v2/..., HTTP 404): "text"`.
 */
export interface EncordCallFacts {
  call: string
}

/**
 * A message of an Encord client error: a summary of what happened (a template over the situation's own facts),
 * then the call's facts. `hint` replaces the code's hint for this situation. The result is NoInfer: else
 * defineErrors' `MessageSpec<any>` would make P `any` for a summary without facts, and any fact would compile.
 */
function onCall<P extends object = Record<never, never>>(
  summary: (p: P) => string,
  hint?: string | ((p: P) => string),
): NoInfer<{ message: (p: P & EncordCallFacts) => string; hint?: string | ((p: P) => string) }> {
  const message = (p: P & EncordCallFacts): string => `${summary(p)} ${p.call}`
  return hint === undefined ? { message } : { message, hint }
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
  // The Encord client's errors (encord/errors.ts: EncordAuthenticationError, ...), thrown as
  // `new EncordNotFoundError('project', { projectHash }, { call, ... })`, or with the call alone for `default`.
  // Each message is a summary of what happened followed by the call's facts (onCall).
  EncordAuthentication: {
    exit: 'connection',
    hint:
      'Check that the private key (ENCORD_SSH_KEY or ENCORD_SSH_KEY_FILE) is the one whose public key is registered in Encord ' +
      '(Settings → Public keys), that ENCORD_DOMAIN is the deployment your account lives on (https://api.encord.com or https://api.us.encord.com), ' +
      "and that this machine's clock is correct.",
    messages: {
      default: onCall(() => 'Encord did not accept the SSH key'),
      unknownKey: onCall(() => 'Encord does not know this SSH key'),
    },
  },
  EncordPermission: {
    exit: 'connection',
    hint: "Ask an admin of the project (or of the storage folder) to give the key's user access, or use a key of a user who has it.",
    messages: {
      default: onCall(() => 'Encord refused access'),
      operationNotAllowed: onCall(() => 'Encord does not allow this operation'),
      mediaRefused: onCall(
        () => 'The media server refused the download',
        'Signed URLs expire: fetch the storage item again with signUrl to get a fresh one.',
      ),
    },
  },
  EncordNotFound: {
    exit: 'user',
    hint: "Check the hash/uuid (copy it from the Encord app URL), that the key's user can see it, and that ENCORD_DOMAIN is the right deployment (US projects live on https://api.us.encord.com).",
    messages: {
      default: onCall(() => 'Encord has no such resource'),
      project: onCall(
        (p: { projectHash: string }) => `Project ${p.projectHash} was not found`,
        "Check the project hash (the uuid in the project URL of the Encord app), that the key's user is a member of the project, and that ENCORD_DOMAIN is the deployment the project lives on (US: https://api.us.encord.com).",
      ),
      ontology: onCall(
        (p: { ontologyHash: string; projectHash: string }) =>
          `The ontology ${p.ontologyHash} of project ${p.projectHash} was not found`,
        "Check that the key's user can see the project's ontology.",
      ),
      stage: onCall(
        (p: { stageUuid: string; projectHash: string }) =>
          `Stage ${p.stageUuid} of project ${p.projectHash} was not found`,
        'Check the stage uuid against `encord-agents list-stages`.',
      ),
      storageItem: onCall(
        (p: { itemUuid: string }) => `Storage item ${p.itemUuid} was not found`,
        "Check the uuid and that the key's user can see its storage folder.",
      ),
      // `shown` is the first few of the list (client.ts preview()), `count` its length.
      storageItems: onCall(
        (p: { shown: string; count: number; wanted: number }) =>
          `Failed to get the storage items for: ${p.shown} (${p.count} of ${p.wanted} missing)`,
        "The items may have been deleted, or the key's user has no access to their storage folder.",
      ),
      noLabelRows: onCall((p: { projectHash: string }) => `Encord found no label rows in project ${p.projectHash}`),
      noneCreated: onCall(() => 'Encord created no label rows'),
      noneOfLabelRows: onCall(
        (p: { shown: string; count: number }) => `Encord found none of ${p.count} label row(s): ${p.shown}`,
      ),
      labelRowsMissing: onCall(
        (p: { shown: string; count: number }) =>
          `Encord returned no label row for ${p.count} label hash(es): ${p.shown}`,
      ),
      downloadScheme: onCall(
        (p: { protocol: string }) => `Cannot download a ${p.protocol} URL`,
        'Only http(s) signed URLs can be downloaded; ask for a signed URL (signUrl / signUrls).',
      ),
      downloadWrite: onCall(
        (p: { path: string; code: string | null }) =>
          `Cannot write the download to ${p.path}${p.code ? ` (${p.code})` : ''}`,
        'Check that the folder exists and is writable, and that the disk has space.',
      ),
    },
  },
  EncordRateLimited: {
    exit: 'connection',
    messages: {
      default: onCall(
        (_: { retryAfterSeconds: number | null }) => 'Encord is rate-limiting this key',
        (p) =>
          `Too many requests: ${
            p.retryAfterSeconds !== null
              ? `wait ${Math.ceil(p.retryAfterSeconds)} s (the server's Retry-After) and run again`
              : 'wait a minute and run again'
          }, or lower the concurrency / task batch size.`,
      ),
    },
  },
  EncordServer: {
    exit: 'connection',
    hint: `This is on Encord's side; try again later. ${TRACE_HINT}`,
    messages: {
      default: onCall(() => 'Encord reported an error'),
      unexpectedStatus: onCall((p: { status: number }) => `Encord answered with an unexpected HTTP ${p.status}`),
      unknownCode: onCall((p: { legacyCode: string }) => `Encord reported an error of type ${p.legacyCode}`),
      saveUnconfirmed: onCall(() => 'Encord did not confirm saving the label rows'),
    },
  },
  EncordNetwork: {
    exit: 'connection',
    hint: 'Check the network connection, any proxy or firewall, and ENCORD_DOMAIN. Timeouts can be raised with the client option `timeoutMs`.',
    messages: {
      default: onCall(
        (p: { origin: string | undefined; networkCode: string | null }) =>
          `Could not talk to Encord${p.origin ? ` at ${p.origin}` : ''}${p.networkCode ? ` (${p.networkCode})` : ''}`,
      ),
      downloadBrokeOff: onCall(() => 'The download broke off'),
    },
  },
  EncordProtocol: {
    exit: 'connection',
    hint:
      'Check that ENCORD_DOMAIN points at the API (https://api.encord.com or https://api.us.encord.com, not the app at app.encord.com) and that no proxy rewrites responses. ' +
      TRACE_HINT,
    messages: {
      noContent: onCall(() => 'Encord answered 204 No Content where a result was expected'),
      notJson: onCall(() => 'Encord sent a response that is not JSON'),
      noEnvelope: onCall(() => 'Encord sent JSON without the {status, response} envelope'),
      // `issues`: the first few problems zod found, `path: message; ...`.
      unknownShape: onCall(
        (p: { what: string; issues: string }) =>
          `Encord sent ${p.what} in a shape this client does not understand (${p.issues})`,
      ),
      samePageToken: onCall(() => 'Encord returned the same page token twice while listing tasks'),
      clientMetadata: onCall(
        (p: { itemUuid: string }) => `The client metadata of storage item ${p.itemUuid} is not valid JSON`,
      ),
      labelRowsMissing: onCall(
        (p: { shown: string; count: number }) =>
          `Encord did not return label rows for ${p.count} data unit(s): ${p.shown}`,
      ),
    },
  },
  EncordInvalidArguments: {
    exit: 'user',
    hint: 'Check the values passed to this call (pathway names, label rows, priorities between 0 and 1, ...).',
    messages: {
      default: onCall(() => 'Encord rejected the request as invalid'),
      methodNotAllowed: onCall(() => 'Encord does not allow this method here'),
      tooLarge: onCall(() => 'The request was too large for Encord', 'Send fewer items per request.'),
      corruptedLabel: onCall(
        () => 'Encord rejected a label row as corrupted',
        'The label row does not match the ontology or the media (e.g. a frame past the end of a video); fix the labels the agent writes.',
      ),
      resourceExists: onCall(() => 'The resource already exists in Encord'),
      multiLabelLimit: onCall(() => 'Too many label rows in one request'),
      // Refused by the client before sending:
      bundleSize: onCall(
        (p: { name: string; value: number }) => `bundles.${p.name} must be a positive integer, not ${p.value}`,
      ),
      branchAndAllBranches: onCall(() => 'branchName and includeAllLabelBranches cannot be used together'),
      otherLabelHash: onCall(
        (p: { labelHash: string; own: unknown }) =>
          `The label row for ${p.labelHash} carries another label_hash (${String(p.own)})`,
      ),
      priority: onCall(
        (p: { priority: unknown; dataHash: string }) =>
          `Priority ${String(p.priority)} for data unit ${p.dataHash} is not a number between 0 and 1`,
      ),
      pathwayChoice: onCall(
        (p: { taskUuid: string }) =>
          `The action for task ${p.taskUuid} needs exactly one of pathwayUuid or pathwayName`,
      ),
      twoPathways: onCall(
        (p: { taskUuid: string }) => `Task ${p.taskUuid} is sent along two different pathways in one call`,
      ),
    },
  },
})
