import { extendsOf, isPlainObject, GLOBAL_KEYWORDS, resolveJob, unverifiableNote } from '../../model/gitlab/pipeline.js';
import type { ReportDescriptor } from '../../model/types.js';
import { processPipeline } from '../../model/gitlab/processed.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/** `extends` targets must exist and the chain must end (GitLab refuses cycles and > 11 levels). */
export const gitlabExtendsRule: Rule = {
  meta: {
    id: 'gitlab-extends',
    title: 'extends must name existing jobs, without cycles, at most 11 levels deep',
    description: 'Every `extends` target exists in the merged pipeline (includes merged), is a map, no chain loops, and no chain is deeper than GitLab\'s 11 levels.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-extends'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const value = resource.object;
    const note = unverifiableNote(resource.object);
    for (const [name, job] of Object.entries(value)) {
      if (GLOBAL_KEYWORDS.has(name) || !isPlainObject(job) || extendsOf(job).length === 0) continue;
      for (const problem of resolveJob(value, name).problems) context.report(soften(problem, note));
    }
  },
};

/** `!reference` targets must exist, without cycles, at most 10 levels of nesting. */
export const gitlabReferenceRule: Rule = {
  meta: {
    id: 'gitlab-reference',
    title: '!reference tags must point at existing keys, without cycles, at most 10 levels deep',
    description: 'Every `!reference [.job, key]` resolves in the merged pipeline, is a list of keys, does not reference itself, and nests at most 10 levels.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-reference'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const note = unverifiableNote(resource.object);
    for (const problem of processPipeline(resource.object).referenceProblems) context.report(soften(problem, note));
  },
};

/** A missing target is only certain when every include was read. */
export function soften(problem: ReportDescriptor, note: string | undefined): ReportDescriptor {
  if (!note || problem.messageId !== 'unknownTarget') return problem;
  return { ...problem, severity: 'info', message: `${problem.message}${note}` };
}
