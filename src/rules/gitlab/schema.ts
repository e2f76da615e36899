import { Ajv, type ValidateFunction } from 'ajv';
import { readJsonAsset } from '../../assets.js';
import { extendsOf, isHidden, jobsOf, resolveJob, whereDefined } from '../../model/gitlab/pipeline.js';
import { resolveReferences } from '../../model/gitlab/reference.js';
import type { JsonPath } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { isOpaque, schemaIssues, where } from './schema-errors.js';

// GitLab's own schema test compiles with the same leniency (strictTypes/strictTuples off, matching
// properties allowed): `patternProperties` for hidden keys overlaps the job `additionalProperties`.
// Compiled on first use: most runs have no CI file, and this is the largest schema meshguard compiles.
let compiled: { pipeline: ValidateFunction; job: ValidateFunction } | undefined;
function validators(): { pipeline: ValidateFunction; job: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowMatchingProperties: true });
    const schema = readJsonAsset<{ $id: string }>('schemas/gitlab-ci.schema.json');
    const pipeline = ajv.compile(schema);
    compiled = { pipeline, job: ajv.getSchema(`${schema.$id}#/definitions/job`)! };
  }
  return compiled;
}

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
    // Broken !reference tags are gitlab-reference's; interpolated values are unknown until inclusion.
    const skip = (path: JsonPath): boolean =>
      [...unresolved].some((u) => path.join('/') === u || path.join('/').startsWith(`${u}/`)) || isOpaque(value, path);
    const validateGitlabCi = validators().pipeline;
    if (!validateGitlabCi(value)) {
      for (const issue of schemaIssues(validateGitlabCi.errors ?? [], value, skip)) context.report(issue);
    }

    // Hidden jobs are not validated as written (GitLab accepts anything there), but GitLab validates
    // each job after extends: what a template gives a job is checked there and reported at the template.
    const reported = new Set<string>();
    for (const [name, raw] of jobsOf(value)) {
      if (extendsOf(raw).length === 0) continue;
      const merged = resolveJob(value, name).job;
      if (validators().job(merged)) continue;
      const label = (path: JsonPath): string => `${where(whereDefined(value, name, path) ?? [name, ...path])} (inherited by job '${name}')`;
      for (const issue of schemaIssues(validators().job.errors ?? [], merged, () => false, label)) {
        const path = whereDefined(value, name, issue.path) ?? [name, ...issue.path];
        const key = `${path.join('/')}|${issue.messageId}`;
        if (!isHidden(String(path[0])) || reported.has(key) || skip(path)) continue;
        reported.add(key);
        context.report({ ...issue, path });
      }
    }
  },
};
