import { defineErrors } from './define.js'

// Errors raised by src/labels (see index.ts for how entries are written and thrown).
export const labelsErrors = defineErrors({
  BitmaskSizeMismatch: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { name: string; frame: number; width: number; height: number; width2: number; height2: number }) =>
          `Bitmask for object ${p.name} on frame ${p.frame} is ${p.width}×${p.height}, but the frame is ${p.width2}×${p.height2}.`,
        hint: `A bitmask covers the whole frame: build it with the frame width and height.`,
      },
    },
  },
  InvalidAnswer: {
    exit: 'user',
    messages: {
      wrongValue: {
        message: (p: { type: string; name: string; path: string; why: string; hint?: string }) =>
          `Invalid answer for ${p.type} attribute ${p.name} (${p.path}): ${p.why}.`,
        hint: (p: { hint?: string }) => p.hint,
      },
      optionOfNoAttribute: {
        message: (p: { label: string; owner: string }) =>
          `Option ${p.label} is not an option of any attribute of ${p.owner}.`,
        hint: `Take the option from this object or classification, e.g. \`instance.ontologyObject.attribute(...).option(...)\`.`,
      },
      whichAttribute: {
        message: (p: { owner: string; value: string }) =>
          `Cannot tell which attribute of ${p.owner} the answer ${p.value} is for.`,
        hint: `Name the attribute: setAnswer(attribute, value).`,
      },
      severalAttributesOfType: {
        message: (p: { owner: string; type: string; value: string; candidates: number | string; names: string }) =>
          `Cannot tell which attribute of ${p.owner} the ${p.type} answer ${p.value} is for: it has ${p.candidates} ${p.type} attributes${p.names}.`,
        hint: `Name the attribute: setAnswer(attribute, value).`,
      },
      dynamicWithoutFrames: {
        message: (p: { name: string; path: string; title: string }) =>
          `Dynamic attribute ${p.name} (${p.path}) needs frames, and object ${p.title} is on none.`,
      },
      notInSchema: {
        message: (p: { problems: string[] }) =>
          `The answer does not match the ontology schema: ${p.problems.join('; ')}.`,
        hint: `Give the model the schema (\`schema.jsonSchema\`) as its structured output format, and send it these problems to correct its answer.`,
      },
      atPath: {
        message: (p: { path: string; message: string }) => `${p.path}: ${p.message}`,
      },
      optionOfOtherAttribute: {
        message: (p: {
          label: string
          path: string
          type: string
          name: string
          attributePath: string
          options: string
        }) =>
          `Option ${p.label} (${p.path}) is not an option of ${p.type} attribute ${p.name} (${p.attributePath}). Options: ${p.options}.`,
      },
      schemaFilter: {
        message: (p: { kind: string }) =>
          `\`${p.kind}\` of ontologySchema must be a list of titles or feature hashes, or true/false.`,
      },
    },
  },
  InvalidCoordinates: {
    exit: 'user',
    messages: {
      bitmask: {
        message: (p: { why: string }) => `Invalid bitmask: ${p.why}.`,
        hint: `Build bitmasks with \`Bitmask.fromMask(pixels, { width, height })\` using the frame size.`,
      },
      object: {
        message: (p: { shape: string; name: string; why: string; hint?: string }) =>
          `Invalid coordinates for ${p.shape} object ${p.name}: ${p.why}.`,
        hint: (p: { hint?: string }) =>
          p.hint ?? 'Geometry is normalised: x and w are fractions of the width, y and h of the height (0 to 1).',
      },
      range: {
        message: (p: { bad: number[] }) =>
          `A range is [start, end] with integers 0 ≤ start ≤ end; got ${JSON.stringify(p.bad)}.`,
      },
      htmlRange: {
        message: (p: { bad: string }) =>
          `An HTML range is { start: { xpath, offset }, end: { xpath, offset } }; got ${p.bad}.`,
      },
    },
  },
  FrameAlreadyLabelled: {
    exit: 'user',
    messages: {
      classification: {
        message: (p: { title: string; hash: string; taken: string }) =>
          `Classification ${p.title} (${p.hash}) is already on frame(s) ${p.taken}.`,
        hint: `Pass { overwrite: true } to replace its metadata there.`,
      },
      object: {
        message: (p: { title: string; hash: string; taken: string }) =>
          `Object ${p.title} (${p.hash}) already has coordinates on frame(s) ${p.taken}.`,
        hint: `Pass { overwrite: true } to replace them, or use annotation(frame).update(...).`,
      },
    },
  },
  WrongShape: {
    exit: 'user',
    messages: {
      coordinatesOfOtherShape: {
        message: (p: { name: string; shape: string; expected: string; input: string }) =>
          `Object ${p.name} is a ${p.shape} object; it takes ${p.expected}, got ${p.input}.`,
      },
      notARangeShape: {
        message: (p: { title: string; shape: string }) =>
          `Object ${p.title} is a ${p.shape} object: only audio and text objects are placed by ranges.`,
        hint: `Use setForFrames(coordinates, { frames }).`,
      },
      noModelCoordinates: {
        message: (p: { value: string }) =>
          `A model cannot give coordinates of ${p.value}: the schema has coordinates for bounding boxes, rotated boxes, polygons, polylines and points.`,
        hint: `Leave these objects out, or pass { coordinates: false } to have the model name objects and answer their attributes only.`,
      },
      notThisShape: {
        message: (p: { name: string; shape: string; wanted: string }) =>
          `Object ${p.name} is a ${p.shape} object, not a ${p.wanted} object.`,
        hint: (p: { name: string; shape: string; wanted: string }) =>
          `Use the method for ${p.shape} objects, or pick an object of shape ${p.wanted}.`,
      },
    },
  },
  InvalidPriority: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { value: number }) => `Priority must be a number in [0, 1], got ${JSON.stringify(p.value)}.`,
      },
    },
  },
  NotAWorkflowProject: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { dataTitle: string }) =>
          `Cannot set the priority of ${p.dataTitle}: it is not in a workflow stage (priorities exist only for tasks of workflow projects).`,
      },
      /** Validation issue (core/runner/validate.ts): the project to run on has no workflow. */
      validation: {
        message: (p: { project: string; projectType: string }) =>
          `Project "${p.project}" is a ${p.projectType} project; task agents only work on workflow projects with agent stages.`,
        hint: 'Use a workflow project (create one from a workflow template in Encord).',
      },
    },
  },
  InvalidInstance: {
    exit: 'user',
    messages: {
      objectInOtherRow: {
        message: (p: { title: string; hash: string; dataTitle: string }) =>
          `Object ${p.title} (${p.hash}) already belongs to the label row of ${p.dataTitle}.`,
        hint: `Remove it there first, or make a new instance.`,
      },
      objectNotInOntology: {
        message: (p: { title: string; featureHash: string }) =>
          `Object ${p.title} (featureHash ${p.featureHash}) is not an object of this label row's ontology.`,
        hint: `Make instances from \`row.ontology.object(...)\`.`,
      },
      objectOnNoFrame: {
        message: (p: { title: string; hash: string }) => `Object ${p.title} (${p.hash}) is on no frame.`,
        hint: `Call setForFrames(coordinates, { frames }) (audio and text objects: setRanges) first.`,
      },
      objectHashTaken: {
        message: (p: { hash: string }) => `This label row already has an object with hash ${p.hash}.`,
        hint: `Pass { force: true } to replace it.`,
      },
      classificationInOtherRow: {
        message: (p: { title: string; hash: string }) =>
          `Classification ${p.title} (${p.hash}) already belongs to another label row.`,
      },
      classificationNotInOntology: {
        message: (p: { title: string; featureHash: string }) =>
          `Classification ${p.title} (featureHash ${p.featureHash}) is not a classification of this label row's ontology.`,
      },
      classificationOnNoFrame: {
        message: (p: { title: string; hash: string }) => `Classification ${p.title} (${p.hash}) is on no frame.`,
        hint: `Call setForFrames({ frames }) first.`,
      },
      objectOnFramesAndRanges: {
        message: (p: { title: string; hash: string }) =>
          `Object ${p.title} (${p.hash}) is on frames; an object is placed by frames or by ranges, not both.`,
      },
    },
  },
  ClassificationFramesOverlap: {
    exit: 'user',
    messages: {
      globalInstanceExists: {
        message: (p: { title: string; classificationHash: string }) =>
          `Global classification ${p.title} is already in this label row (instance ${p.classificationHash}).`,
        hint: `Change its answer with setAnswer, or pass { force: true } to replace it.`,
      },
      globalAlreadyAdded: {
        message: (p: { title: string }) => `Global classification ${p.title} is already in this label row.`,
        hint: `Pass { force: true } to replace it.`,
      },
      framesTaken: {
        message: (p: { title: string; overlap: string; classificationHash: string }) =>
          `Classification ${p.title} is already on frame(s) ${p.overlap} of this label row (instance ${p.classificationHash}); a classification can be on a frame only once.`,
        hint: `Change the existing instance, remove it, or pass { force: true } to take those frames from it.`,
      },
    },
  },
  InvalidAnnotation: {
    exit: 'user',
    messages: {
      notADate: {
        message: (p: { what: string; value: string }) => `${p.what} ${p.value} is not a date.`,
        hint: `Pass a Date or an ISO-8601 string.`,
      },
      confidence: {
        message: (p: { value: string }) => `Confidence must be a number in [0, 1], got ${p.value}.`,
      },
    },
  },
  UnknownOntologyFeature: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { kind: string; title: string; featureHash: string }) =>
          `The ${p.kind} ${JSON.stringify(p.title)} (featureHash ${p.featureHash}) is not in the ontology, so it can be read and removed but not changed.`,
        hint: `The ontology changed after this label was made; edit it in Encord or remove it.`,
      },
    },
  },
  AnswerAlreadySet: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { owner: string; name: string; path: string }) =>
          `${p.owner} already has an answer to ${p.name} (${p.path}).`,
        hint: `Pass { overwrite: true } to replace it, or clearAnswer() first.`,
      },
    },
  },
  OntologyFeatureNotFound: {
    exit: 'user',
    messages: {
      /** A lookup by title or feature hash (labels/ontology-lookup.ts), with what exists and the closest title. */
      noSuchFeature: {
        message: (p: {
          what: string
          input: string
          where: string
          kinds: string
          titles: string
          suggestion: string | undefined
        }) =>
          `No ${p.what} ${JSON.stringify(p.input)} ${p.where}. ${p.kinds}: ${p.titles}.` +
          (p.suggestion ? ` Did you mean ${JSON.stringify(p.suggestion)}?` : ''),
        hint: 'Use a title or feature hash of the ontology; list them with `ontology.describe()`.',
      },
      optionOfAttributeWithoutOptions: {
        message: (p: { type: string; name: string; path: string; option: string }) =>
          `${p.type} attribute ${p.name} (${p.path}) has no options, so it has no option ${p.option}.`,
      },
      pathPastAttributeWithoutOptions: {
        message: (p: { type: string; name: string; path: string; next: string }) =>
          `${p.type} attribute ${p.name} (${p.path}) has no options, so the path cannot continue with ${JSON.stringify(p.next)}.`,
      },
      pathEndsAtOption: {
        message: (p: { label: string; path: string }) =>
          `The path ends at option ${p.label} (${p.path}); an attribute path must end at an attribute.`,
        hint: `Use \`.option(...)\` on the attribute to get an option.`,
      },
      attributeOfOtherHolder: {
        message: (p: { name: string; path: string; holder: string; attributes: string }) =>
          `Attribute ${p.name} (${p.path}) is not an attribute of ${p.holder}. Attributes: ${p.attributes}.`,
        hint: `Take the attribute from the same object or classification, e.g. \`instance.ontologyObject.attribute(...)\`.`,
      },
      classificationWithoutOptions: {
        message: (p: { title: string; type: string }) =>
          `Classification ${p.title} is a ${p.type} question and has no options.`,
      },
    },
  },
  OntologyInvalid: {
    exit: 'user',
    messages: {
      missingKey: {
        message: (p: { where: string; key: string }) => `The ontology is malformed: ${p.where} has no "${p.key}".`,
        hint: `Pass the ontology structure as returned by Encord (objects, classifications, skeleton_templates).`,
      },
      classificationWithoutAttribute: {
        message: (p: { featureHash: string }) =>
          `The ontology is malformed: classification ${p.featureHash} has no attribute.`,
      },
      notAnObject: {
        message: () => `The ontology structure must be an object with "objects" and "classifications".`,
      },
    },
  },
  OntologyFeatureAmbiguous: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { what: string; input: string; where: string; list: string }) =>
          `${p.what} ${JSON.stringify(p.input)} ${p.where} is ambiguous: ${p.list}.`,
        hint: `Pass the feature hash instead of the title, or the feature object itself.`,
      },
    },
  },
  LabelRowInvalid: {
    exit: 'user',
    messages: {
      noDataUnits: {
        message: () => `The label row JSON is malformed: it has no "data_units" object.`,
        hint: `Pass the label row dict as the API returns it (with data_units, object_answers, classification_answers).`,
      },
      labelsNotOnAFrame: {
        message: (p: { hash: string; key: string }) =>
          `The label row JSON is malformed: data unit ${p.hash} has labels under ${JSON.stringify(p.key)}, which is not a frame.`,
      },
      objectWithoutHash: {
        message: (p: { frame: number }) =>
          `The label row JSON is malformed: an object on frame ${p.frame} has no "objectHash".`,
      },
      classificationWithoutHash: {
        message: (p: { frame: number }) =>
          `The label row JSON is malformed: a classification on frame ${p.frame} has no "classificationHash".`,
      },
    },
  },
  ReadOnlyLabels: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { what: string; row: string }) =>
          `Cannot put ${p.what} on frames: labels of ${p.row} data are read-only in this version (they are kept as they are when saving).`,
      },
    },
  },
})
