/**
 * The JSON Schemas of the vector files (draft 2020-12), generated with the vectors so that they
 * cannot drift: `envelope.schema.json` (the §3.4 envelope, with the closed error-code list of
 * spec/01-errors.md) and one `<type>.schema.json` per type that fixes `type` and the names of the
 * `in` fields and of a valid test's outputs.
 *
 * @module
 */
import { E2EE_CODES } from '../../reference/src/errors/index.js';
import { SCHEMA_VERSION } from './envelope.js';
import type { VectorType } from './vector-type.js';

const HEX = '^(?:[0-9a-f]{2})*$';

/** The envelope schema. */
export function envelopeSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'envelope.schema.json',
    title: 'Sealfold vector file (conformance-design §3.4)',
    type: 'object',
    required: [
      'schema',
      'schemaVersion',
      'suiteVersion',
      'type',
      'source',
      'header',
      'notes',
      'numberOfTests',
      'testGroups',
    ],
    additionalProperties: false,
    properties: {
      schema: { type: 'string', pattern: '^[a-z0-9-]+\\.schema\\.json$' },
      schemaVersion: { const: SCHEMA_VERSION },
      suiteVersion: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
      type: { type: 'string', pattern: '^[a-z0-9-]+$' },
      source: {
        type: 'object',
        required: ['generator', 'version', 'commit'],
        additionalProperties: false,
        properties: {
          generator: { type: 'string' },
          version: { type: 'string' },
          commit: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
      header: { type: 'array', items: { type: 'string' } },
      notes: { type: 'object', additionalProperties: { $ref: '#/$defs/note' } },
      numberOfTests: { type: 'integer', minimum: 1 },
      testGroups: { type: 'array', minItems: 1, items: { $ref: '#/$defs/group' } },
    },
    $defs: {
      requirementId: { type: 'string', pattern: '^E2EE-[A-Z]+-\\d{3}$' },
      note: {
        type: 'object',
        required: ['bugType', 'description', 'requirements'],
        additionalProperties: false,
        properties: {
          bugType: {
            enum: [
              'BASIC',
              'AUTH_BYPASS',
              'MALFORMED_INPUT',
              'CAN_OF_WORMS',
              'LEGACY',
              'TOLERANCE',
              'POLICY',
              'ROLLBACK',
              'CONFUSED_DEPUTY',
            ],
          },
          description: { type: 'string', minLength: 1 },
          requirements: { type: 'array', items: { $ref: '#/$defs/requirementId' } },
        },
      },
      group: {
        type: 'object',
        required: ['params', 'tests'],
        additionalProperties: false,
        properties: {
          params: { type: 'object' },
          tests: { type: 'array', minItems: 1, items: { $ref: '#/$defs/test' } },
        },
      },
      test: {
        type: 'object',
        required: ['id', 'tcId', 'comment', 'flags', 'requirements', 'in', 'expect'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9-]+/[A-Za-z0-9._-]+$' },
          tcId: { type: 'integer', minimum: 1 },
          comment: { type: 'string' },
          flags: {
            type: 'array',
            items: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
            uniqueItems: true,
          },
          requirements: { type: 'array', minItems: 1, items: { $ref: '#/$defs/requirementId' } },
          in: { type: 'object', patternProperties: { Hex$: { type: 'string', pattern: HEX } } },
          expect: { $ref: '#/$defs/expect' },
        },
      },
      expect: {
        oneOf: [
          { type: 'object', required: ['result'], properties: { result: { const: 'valid' } } },
          {
            type: 'object',
            required: ['result', 'error'],
            additionalProperties: false,
            properties: { result: { const: 'invalid' }, error: { enum: [...E2EE_CODES] } },
          },
          { type: 'object', required: ['result'], properties: { result: { const: 'acceptable' } } },
        ],
      },
    },
  };
}

/** The schema of one type's file. */
export function typeSchema(t: VectorType): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${t.type}.schema.json`,
    title: `Sealfold ${t.type} vectors`,
    allOf: [{ $ref: 'envelope.schema.json' }],
    properties: {
      schema: { const: `${t.type}.schema.json` },
      type: { const: t.type },
      testGroups: {
        items: {
          properties: {
            tests: {
              items: {
                properties: {
                  id: { type: 'string', pattern: `^${t.type}/` },
                  in: { propertyNames: { enum: [...t.inFields] } },
                  expect: {
                    if: { properties: { result: { enum: ['valid', 'acceptable'] } } },
                    then: { propertyNames: { enum: ['result', ...t.outFields] } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
