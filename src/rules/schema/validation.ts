import { checkSchema } from '../../model/schema/validate.js';
import type { Severity } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

type UnknownFields = 'error' | 'warning' | 'ignore';

/**
 * The API server rejects wrong types and enum values, and silently drops unknown fields (or rejects them
 * under `kubectl --validate=strict`): a typo such as `replica:` or `mtls.mode: strict` is lost without a word.
 * Built-in kinds are checked against Kubernetes 1.36, Istio kinds against Istio 1.29, custom resources
 * against the CRDs found among the checked files (docs/schemas.md).
 */
export const schemaValidationRule: Rule = {
  meta: {
    id: 'schema-validation',
    title: 'Resources must match their schema',
    description:
      'Every Kubernetes, Istio and custom resource is validated against its schema: unknown fields (typos), wrong types, ' +
      'values outside an enum and missing required fields are reported on the exact line.',
    severity: 'error',
    helpUri: ruleDocsUri('schema-validation'),
    tags: ['schema'],
    appliesTo: { family: 'kubernetes' },
    optionsSchema: {
      type: 'object',
      properties: {
        unknownFields: { enum: ['error', 'warning', 'ignore'], description: 'How to report fields the schema does not know (default error).' },
      },
      additionalProperties: false,
    },
  },
  check(resource, context) {
    const result = checkSchema(resource, context.inventory);
    if (!result) return;
    const crdRef = result.schema.crd?.crd ?? resource;
    const unknownFields = (context.options.unknownFields as UnknownFields | undefined) ?? 'error';
    for (const problem of result.problems) {
      let severity: Severity | undefined;
      if (problem.messageId === 'unknownField') {
        if (unknownFields === 'ignore') continue;
        if (unknownFields === 'warning') severity = 'warning';
      }
      context.report({
        path: problem.path,
        messageId: problem.messageId,
        message: problem.message,
        ...(severity ? { severity } : {}),
        // Custom resources: the CRD whose schema says so is the other half of the finding.
        ...(result.schema.crd ? { related: [{ apiVersion: crdRef.apiVersion, kind: crdRef.kind, name: crdRef.name }] } : {}),
      });
    }
  },
};
