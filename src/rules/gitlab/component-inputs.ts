import { isPlainObject } from '../../model/gitlab/pipeline.js';
import { isReference } from '../../model/gitlab/reference.js';
import type { JsonPath } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

const INPUT_USE = /\$\[\[\s*inputs\.([A-Za-z0-9_-]+)/g;

/**
 * In a file with a `spec:` header, `$[[ inputs.x ]]` must name a declared input: GitLab refuses to
 * include the file otherwise ("unknown interpolation key"), so a typo breaks every project using it.
 */
export const gitlabComponentInputsRule: Rule = {
  meta: {
    id: 'gitlab-component-inputs',
    title: 'Interpolated inputs are declared in the spec header',
    description:
      'Every `$[[ inputs.name ]]` in a file with a `spec:` header names an input declared under `spec:inputs`; a declared input that nothing uses is reported as info.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-component-inputs'),
    tags: ['gitlab', 'component'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const spec = resource.object.spec;
    if (!isPlainObject(spec)) return;
    const declared = new Set(isPlainObject(spec.inputs) ? Object.keys(spec.inputs) : []);
    const used = new Set<string>();
    const visit = (value: unknown, path: JsonPath): void => {
      // Files merged in from includes have their own header (or none): only this file's text counts.
      if (path.length > 0 && resource.source.locate(path).file !== undefined) return;
      if (typeof value === 'string') {
        for (const match of value.matchAll(INPUT_USE)) {
          const name = match[1]!;
          used.add(name);
          if (!declared.has(name)) {
            context.report({
              path,
              messageId: 'undeclaredInput',
              message: `'$[[ inputs.${name} ]]' is not declared under spec:inputs (declared: ${[...declared].join(', ') || 'none'})`,
            });
          }
        }
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => visit(item, [...path, i]));
      } else if (isReference(value)) {
        value.segments.forEach((item, i) => visit(item, [...path, i]));
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) {
          visit(key, [...path, key]);
          visit(item, [...path, key]);
        }
      }
    };
    for (const [key, value] of Object.entries(resource.object)) {
      if (key === 'spec') continue;
      visit(key, [key]);
      visit(value, [key]);
    }
    for (const name of declared) {
      if (used.has(name)) continue;
      context.report({
        path: ['spec', 'inputs', name],
        messageId: 'unusedInput',
        severity: 'info',
        message: `input '${name}' is declared but never used as $[[ inputs.${name} ]]`,
      });
    }
  },
};
