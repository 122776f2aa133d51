import { defineErrors } from './define.js'

/**
 * The codes of the kernel's own classes (src/shared/errors.ts): BugError and InterruptedError take their
 * default texts from here. This file imports nothing but define.ts, so errors.ts can read it without a
 * cycle (the catalogue's index.ts builds errors.ts's classes).
 */
export const kernelErrors = defineErrors({
  // An unknown throwable becomes a Bug with its own message (toEncordAgentsError); these situations are
  // init's, whose template files ship inside the package.
  Bug: {
    exit: 'bug',
    hint: 'This is a bug in encord-agents. Please report it with the output of the same command run with --verbose.',
    messages: {
      packageJsonMissing: {
        message: () =>
          `The encord-agents package.json was not found above the running code: the package is incomplete.`,
      },
      templateManifestInvalid: {
        message: (p: { manifest: string; issues: string }) =>
          `The template manifest ${p.manifest} is invalid: ${p.issues}`,
      },
      templateNameEscapes: {
        message: (p: { rel: string }) =>
          `Template file name ${JSON.stringify(p.rel)} would leave the target directory.`,
      },
      templateFileEscapes: {
        message: (p: { rel: string; root: string }) =>
          `Template file ${JSON.stringify(p.rel)} would be written outside ${p.root}.`,
      },
      templateMissing: {
        message: (p: { templateName: string; source: string }) =>
          `The ${p.templateName} template is missing from ${p.source}: the package is incomplete.`,
      },
    },
  },
  /** SIGINT/SIGTERM, or a request aborted by the run's signal (encord/transport.ts). */
  Interrupted: {
    exit: 'interrupted',
    messages: {
      default: { message: () => 'Interrupted.' },
    },
  },
})
