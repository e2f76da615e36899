import { Ajv } from 'ajv';
import { readJsonAsset } from '../../assets.js';
import { resolveReferences } from '../../model/gitlab/reference.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { isOpaque, schemaIssues } from './schema-errors.js';

// GitLab's own schema test compiles with the same leniency (strictTypes/strictTuples off, matching
// properties allowed): `patternProperties` for hidden keys overlaps the job `additionalProperties`.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowMatchingProperties: true });
export const validateGitlabCi = ajv.compile(readJsonAsset('schemas/gitlab-ci.schema.json'));

export const gitlabCiSchemaRule: Rule = {
  meta: {
    id: 'gitlab-ci-schema',
    title: 'GitLab CI keywords must have the structure GitLab accepts',
    description:
      'Validates the merged pipeline (includes merged, !reference resolved) against meshguard\'s JSON Schema of the CI keyword ' +
      'reference: unknown keywords, wrong types, values outside the allowed set, missing required keywords.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-ci-schema'),
    tags: ['gitlab', 'schema'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const { value, unresolved } = resolveReferences(resource.object);
    if (validateGitlabCi(value)) return;
    // Broken !reference tags are gitlab-reference's; interpolated values are unknown until inclusion.
    const skip = (path: readonly (string | number)[]): boolean =>
      [...unresolved].some((u) => path.join('/') === u || path.join('/').startsWith(`${u}/`)) || isOpaque(value, path);
    for (const issue of schemaIssues(validateGitlabCi.errors ?? [], value, skip)) context.report(issue);
  },
};
