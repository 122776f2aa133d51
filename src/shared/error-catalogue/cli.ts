import { defineErrors } from './define.js'

// Errors raised by src/cli (see index.ts for how entries are written and thrown).
/** What init's refusals to write through a path name: the file, its offending component and its path. */
export interface Escape {
  rel: string
  relative: string
  path: string
}
const refusing = (p: Escape) => `Refusing to write ${p.rel}: ${p.relative}`

export const cliErrors = defineErrors({
  InitWriteFailed: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { target: string; code: string | undefined; reason: string }) =>
          `Could not write ${p.target}: ${p.code ?? ''} ${p.reason}`.replace(/\s+/g, ' '),
        hint: 'Check that you may write to that folder and that the disk has room, then run init again (files already written are kept and not overwritten).',
      },
    },
  },
  UsageError: {
    exit: 'user',
    messages: {
      /** oclif's argument/flag parse error, as oclif words it. */
      default: {
        message: (p: { parserSaid: string; suggestion: string | undefined }) => p.parserSaid,
        hint: (p: { suggestion: string | undefined }) =>
          p.suggestion
            ? `Did you mean ${p.suggestion}? Run the command with --help to see its flags and examples.`
            : 'Run the command with --help to see its flags and examples.',
      },
    },
  },
  MissingTasks: {
    exit: 'user',
    messages: {
      default: {
        message: () => 'How many tasks? --tasks is required (unless --workspace).',
        hint: 'Add --tasks N, e.g. --tasks 100.',
      },
    },
  },
  WorkspaceFlags: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { flags: string[] }) =>
          `--workspace makes its own datasets and workflow: ${p.flags.join(', ')} cannot be used with it.`,
        hint: 'Leave them out (--tasks sets the number of images), or drop --workspace for a single project.',
      },
    },
  },
  AllowKeyInvalid: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { value: string }) =>
          `--allow-key ${JSON.stringify(p.value)} is not a public key or a readable file`,
        hint: 'Give a public key as 64 hex characters, an `ssh-ed25519 …` line (as in your .pub file), or the path of your key file.',
      },
    },
  },
  UnknownCommand: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { typed: string; suggestion: string | undefined }) =>
          `"${p.typed}" is not an encord-agents command.`,
        hint: (p: { typed: string; suggestion: string | undefined }) =>
          p.suggestion
            ? `Did you mean "encord-agents ${p.suggestion}"? Run encord-agents --help to see every command.`
            : 'Run encord-agents --help to see every command.',
      },
    },
  },
  UiNeedsLocal: {
    exit: 'user',
    messages: {
      default: {
        message: () => `--ui shows the dashboard of the local emulator, but this run talks to Encord.`,
        hint: `Add --local FIXTURE (or set \`local\` in the config), or leave out --ui.`,
      },
    },
  },
  MetricsPortUnavailable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { host: string; port: number; error: string }) =>
          `Cannot serve metrics on ${p.host}:${p.port}: ${p.error}.`,
        hint: (p: { error: string }) =>
          p.error === 'EADDRINUSE'
            ? 'Another process uses that port: pick another --metrics-port (0 picks a free one).'
            : 'Check --metrics-host and --metrics-port.',
      },
    },
  },
  StageNotBound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { ref: string; bound: string }) => `No agent is bound to stage ${JSON.stringify(p.ref)}.`,
        hint: (p: { ref: string; bound: string }) =>
          `Bind one with runner.stage(${JSON.stringify(p.ref)}, agent). Bound stages: ${p.bound || 'none'}.`,
      },
    },
  },
  InvalidRedisUrl: {
    exit: 'user',
    messages: {
      unparsable: {
        message: (p: { url: string; defaultUrl: string }) => `"${p.url}" is not a Redis URL.`,
        hint: (p: { url: string; defaultUrl: string }) =>
          `Write it as redis://[user:password@]host:port[/db] (rediss:// for TLS), e.g. ${p.defaultUrl}.`,
      },
      wrongProtocol: {
        message: (p: { url: string; protocol: string; defaultUrl: string }) =>
          `"${p.url}" is not a Redis URL (it starts with ${p.protocol}//).`,
        hint: (p: { url: string; protocol: string; defaultUrl: string }) =>
          `Write it as redis://host:port (rediss:// for TLS), e.g. ${p.defaultUrl}.`,
      },
    },
  },
  RedisAuthFailed: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: { shown: string; message: string }) =>
          `Redis at ${p.shown} refused the credentials: ${p.message}.`,
        hint: `Put the right user and password in the URL: redis://user:password@host:port (--redis or REDIS_URL).`,
      },
    },
  },
  RedisUnreachable: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: { shown: string; message: string; defaultUrl: string }) =>
          `Cannot reach Redis at ${p.shown}: ${p.message}.`,
        hint: (p: { shown: string; message: string; defaultUrl: string }) =>
          `Start Redis (e.g. \`redis-server --port 6379\`) or point --redis / REDIS_URL at yours. Default: ${p.defaultUrl}.`,
      },
    },
  },
  InvalidTaskSpec: {
    exit: 'user',
    messages: {
      notJson: {
        message: (p: { message: string }) => `A task spec is not valid JSON: ${p.message}.`,
        hint: `Queue the strings from stage.tasks() (or serializeTaskSpec(spec)): {"uuid": ..., "data_hash": ..., "data_title": ..., "label_branch_name": ...}.`,
      },
      fields: {
        message: (p: { problems: string[] }) => `A task spec is invalid: ${p.problems.join('; ')}.`,
        hint: `A task spec has "uuid", "data_hash", "data_title" and "label_branch_name" (the fields of Python's AgentTaskConfig).`,
      },
    },
  },
  StageNotQueued: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { stage: string; queued: string[] }) => `No queue for stage ${p.stage}.`,
        hint: (p: { stage: string; queued: string[] }) =>
          p.queued.length > 0
            ? `Queued stages: ${p.queued.join(', ')}.`
            : 'Nothing was enqueued yet: run `encord-agents enqueue` first.',
      },
    },
  },
  FileExists: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { out: string }) => `${p.out} already exists.`,
        hint: `Choose another --out, or pass --force to replace it.`,
      },
    },
  },
  DirectoryMissing: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { out: string }) => `The directory of ${p.out} does not exist.`,
      },
    },
  },
  BadPublicKey: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { key: string }) => `"${p.key}" is not a public key hex (64 hex characters).`,
        hint: `Your key id is shown by \`encord-agents init\` and in Encord under Settings → Public keys.`,
      },
    },
  },
  FixtureMissing: {
    exit: 'user',
    messages: {
      default: {
        message: () => `No fixture given, and no config with a \`local\` fixture was found.`,
        hint: `Pass a fixture file (\`encord-agents emulator start fixture.json\`), or make one with \`encord-agents emulator generate --out fixture.json --tasks 100\`.`,
      },
    },
  },
  InitPathEscape: {
    exit: 'user',
    messages: {
      symlink: {
        message: (p: Escape & { target: string }) =>
          `${refusing(p)} is a symlink (to ${p.target}). Nothing was written.`,
        hint: (p: Escape) =>
          `Remove the symlink ${p.path} (init writes only regular files of its own) or choose another directory.`,
      },
      danglingSymlink: {
        message: (p: Escape & { target: string }) =>
          `${refusing(p)} is a symlink to ${p.target}, which does not exist. Nothing was written.`,
        hint: (p: Escape) => `Remove the symlink ${p.path}, or create the folder it points to, then run init again.`,
      },
      leavesRoot: {
        message: (p: Escape & { root: string; real: string }) =>
          `${refusing(p)} leads outside ${p.root} (a symlink to ${p.real}). Nothing was written.`,
        hint: (p: Escape) => `Remove the symlink ${p.path} or choose another directory.`,
      },
      notAFolder: {
        message: (p: Escape) => `${refusing(p)} exists and is not a folder. Nothing was written.`,
        hint: (p: Escape) => `Move ${p.path} away or choose another directory.`,
      },
      notAFile: {
        message: (p: Escape) => `${refusing(p)} exists and is not a regular file. Nothing was written.`,
        hint: (p: Escape) => `Move ${p.path} away or choose another directory.`,
      },
    },
  },
  InitTargetNotADirectory: {
    exit: 'user',
    messages: {
      danglingSymlink: {
        message: (p: { shown: string; path: string; target: string }) =>
          `${p.shown} cannot be used: ${p.path} is a symlink to ${p.target}, which does not exist. Nothing was written.`,
        hint: `Create the folder it points to, remove the symlink, or choose another directory.`,
      },
      notADirectory: {
        message: (p: { shown: string; path: string }) =>
          `${p.shown} cannot be used: ${p.path} exists and is not a directory.`,
        hint: `Choose a new or existing directory.`,
      },
    },
  },
  UnknownTemplate: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { templateName: string; value: string }) =>
          `There is no template named ${JSON.stringify(p.templateName)}.`,
        hint: (p: { templateName: string; value: string }) => `Choose one of: ${p.value}.`,
      },
    },
  },
  InitWouldMixProjects: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { shown: string; what: string; name: string; bin: string; own: string | undefined }) =>
          `${p.shown} already holds ${p.what}; writing the ${p.name} template into it would mix the two. Nothing was written.`,
        hint: (p: { shown: string; what: string; name: string; bin: string; own: string | undefined }) =>
          `Create the ${p.name} project in a new directory (\`${p.bin} init my-${p.name}-agent --template ${p.name}\`)${p.own !== undefined ? `, or run \`${p.bin} init ${p.shown} --template ${p.own}\` to restore missing files of this one` : ''}.`,
      },
    },
  },
  InitPackageJsonInvalid: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { message: string }) =>
          `package.json exists but cannot be read as JSON: ${p.message}. Nothing more was written.`,
        hint: `Fix package.json (or move it away) and run init again: files already written are kept.`,
      },
    },
  },
  InitKeyUnreadable: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { LOCAL_KEY_PATH: string }) =>
          `${p.LOCAL_KEY_PATH} exists but is not a usable OpenSSH Ed25519 private key.`,
        hint: (p: { LOCAL_KEY_PATH: string }) => `Remove ${p.LOCAL_KEY_PATH} and run init again to make a fresh one.`,
      },
    },
  },
  LocalEmulatorNotShared: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { filepath: string; local: string }) =>
          `The config (${p.filepath}) uses the built-in local emulator (\`local\`), which lives inside one process: a producer and workers in other processes cannot share it.`,
        hint: (p: { filepath: string; local: string }) =>
          `Serve the fixture once with \`encord-agents emulator start ${p.local} --allow-any-key\`, export the ENCORD_DOMAIN it prints, and run again (ENCORD_DOMAIN is then used instead of \`local\`); or remove \`local\` to work on Encord.`,
      },
    },
  },
  LocalKeyNotRegistered: {
    exit: 'connection',
    messages: {
      default: {
        message: (p: { sshKeyFile: string; fixtureShown: string; publicKeyHex: string }) =>
          `The key ${p.sshKeyFile} is not a user of ${p.fixtureShown}, so the local emulator would reject every request.`,
        hint: (p: { sshKeyFile: string; fixtureShown: string; publicKeyHex: string }) =>
          `Add { "email": "you@localhost", "publicKeyHex": "${p.publicKeyHex}" } to the fixture's users, or leave out --ssh-key-file to use a key made for this run.`,
      },
    },
  },
  ProjectNotInFixture: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { projectHash: string; fromEnv: string; fixtureShown: string; hashes: string[] }) =>
          `Project ${p.projectHash}${p.fromEnv} is not in ${p.fixtureShown}.`,
        hint: (p: { projectHash: string; fromEnv: string; fixtureShown: string; hashes: string[] }) =>
          `The fixture holds: ${p.hashes.join(', ')}.${p.fromEnv ? ' Unset ENCORD_PROJECT_HASH for local runs, or' : ''} Set projectHash (or --project-hash) to one of them.`,
      },
    },
  },
})
