import { GLOBAL_KEYWORDS, isHidden } from '../../model/gitlab/pipeline.js';
import { processPipeline } from '../../model/gitlab/processed.js';
import type { JsonPath } from '../../model/types.js';
import { standaloneValidator } from '../../model/schema/standalone.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { isOpaque, schemaIssues, where } from './schema-errors.js';

// Loaded on first use (most runs have no CI file), precompiled by the build: the largest schema
// meshguard has, ~200 ms to compile (standalone.ts, where its ajv options are).
const validator = () => standaloneValidator('gitlab-ci');

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
    // GitLab validates the pipeline after includes, extends and !reference (jobs as merged), so does this.
    const processed = processPipeline(resource.object);
    const { value } = processed;
    const jobOf = (path: JsonPath): string | undefined => {
      const head = String(path[0]);
      return path.length > 0 && !GLOBAL_KEYWORDS.has(head) && !isHidden(head) ? head : undefined;
    };
    // Interpolated values are unknown until inclusion; in a job whose merged form has a gap (a
    // missing extends or !reference target), what seems to be missing may be in the gap.
    const skip = (path: JsonPath): boolean => isOpaque(value, path) || processed.touchesUnresolved(path);
    const label = (path: JsonPath): string => {
      const written = processed.written(path);
      const job = jobOf(path);
      return job && written[0] !== job ? `${where(written)} (inherited by job '${job}')` : where(path);
    };
    const validate = validator();
    if (validate(value)) return;
    const reported = new Set<string>();
    for (const issue of schemaIssues(validate.errors ?? [], value, skip, label)) {
      const job = jobOf(issue.path);
      if (job && processed.mayBeIncomplete(job) && (issue.messageId === 'missingKeyword' || issue.path.length === 1)) continue;
      const path = processed.written(issue.path);
      const key = `${path.join('/')}|${issue.message.replace(/ \(inherited by job '[^']*'\)/, '')}`;
      if (reported.has(key)) continue;
      reported.add(key);
      context.report({ ...issue, path });
    }
  },
};
