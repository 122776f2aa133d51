import { defineErrors } from './define.js'

// Errors raised by src/emulator (see index.ts for how entries are written and thrown).
export const emulatorErrors = defineErrors({
  FixtureInvalid: {
    exit: 'user',
    messages: {
      schema: {
        message: (p: { source: string; shown: string[] }) =>
          `The emulator fixture ${p.source} is not valid:\n${p.shown.join('\n')}`,
        hint: `See docs/fixture-format.md for the format, or make a fresh one with \`encord-agents emulator generate --out FILE\`.`,
      },
      notJson: {
        message: (p: { file: string; message: string }) =>
          `The emulator fixture ${p.file} is not valid JSON: ${p.message}`,
      },
    },
  },
  FixtureNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { file: string }) => `The emulator fixture ${p.file} does not exist.`,
        hint: `Give the path of a fixture JSON file, or make one with \`encord-agents emulator generate --out FILE\`.`,
      },
    },
  },
  FixtureNotAFile: {
    exit: 'user',
    messages: {
      notARegularFile: {
        message: (p: { file: string; path: string }) =>
          `${p.file}${p.path} is not a regular file: a fixture is only written to a file.`,
        hint: `Choose a file path (new, or a fixture file to replace).`,
      },
      symlinkLoop: {
        message: (p: { file: string }) => `${p.file} is a loop of symlinks.`,
        hint: `Point it at a file, or choose another path.`,
      },
    },
  },
  GenerateBadTasks: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { count: number }) => `tasks must be an integer from 0 to 5,000,000 (got ${p.count})`,
      },
      workspaceImageCount: {
        message: (p: { max: number; images: number }) =>
          `The images dataset holds 0 to ${p.max.toLocaleString('en')} images (got ${p.images})`,
      },
    },
  },
  GenerateBadStages: {
    exit: 'user',
    messages: {
      emptyTitle: {
        message: () => `Stage titles must not be empty`,
      },
      reservedTitle: {
        message: (p: { title: string }) =>
          `"${p.title}" is a reserved stage title (Start, Review 1 and Complete are generated)`,
      },
      listedTwice: {
        message: (p: { title: string }) => `Stage "${p.title}" is listed twice`,
      },
    },
  },
  GenerateBadDataType: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { dataType: string; GENERATED_DATA_TYPES: readonly string[] }) =>
          `Unknown data type "${p.dataType}" (use one of ${[...p.GENERATED_DATA_TYPES, 'mixed'].join(', ')})`,
      },
    },
  },
  EmulatorBadKey: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { key: string }) => `allowKeys: "${p.key}" is not a 64-hex Ed25519 public key`,
      },
    },
  },
  EmulatorBadFaults: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { message: string }) => `Invalid fault configuration: ${p.message}`,
      },
    },
  },
  EmulatorPortInUse: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { port: undefined | number; host: string }) => `Port ${p.port} on ${p.host} is already in use.`,
        hint: `Pick another port with --port, or 0 for a free one.`,
      },
    },
  },
  EmulatorBadHost: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { host: string; code: string }) => `Cannot listen on ${p.host}: ${p.code}.`,
      },
    },
  },
})
