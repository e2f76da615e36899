import { extendsOf, isPlainObject, pipelineFacts, templatesOf } from '../../model/gitlab/pipeline.js';
import { isReference } from '../../model/gitlab/reference.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/** A hidden job nobody extends, references or aliases is dead configuration. */
export const gitlabUnusedTemplateRule: Rule = {
  meta: {
    id: 'gitlab-unused-template',
    title: 'Hidden jobs are templates that something uses',
    description:
      'A hidden job (`.name:`) never runs; it exists to be extended, `!reference`d or aliased. One that nothing uses is usually a job someone disabled by adding a dot, or a leftover.',
    severity: 'info',
    helpUri: ruleDocsUri('gitlab-unused-template'),
    tags: ['gitlab', 'hygiene'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const pipeline = resource.object;
    const used = new Set<string>(pipelineFacts(pipeline).anchoredKeys);
    const visit = (value: unknown): void => {
      if (isReference(value)) {
        if (typeof value.segments[0] === 'string') used.add(value.segments[0]);
      } else if (Array.isArray(value)) {
        value.forEach(visit);
      } else if (isPlainObject(value)) {
        Object.values(value).forEach(visit);
      }
    };
    for (const job of Object.values(pipeline)) {
      if (isPlainObject(job)) for (const parent of extendsOf(job)) used.add(parent);
      visit(job);
    }
    for (const [name] of templatesOf(pipeline)) {
      if (used.has(name)) continue;
      context.report({
        path: [name],
        messageId: 'unusedTemplate',
        message: `hidden job '${name}' is not extended, referenced or aliased anywhere in the pipeline: it never runs`,
      });
    }
  },
};
