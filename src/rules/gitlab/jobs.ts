import { hasInterpolation, isPlainObject, jobsOf, resolveJob, stageList, stageOf, unverifiableNote, whereDefined } from '../../model/gitlab/pipeline.js';
import { resolveReferences } from '../../model/gitlab/reference.js';
import type { JsonPath } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/** Each job's stage must be declared (GitLab: "chosen stage does not exist"). */
export const gitlabStageRule: Rule = {
  meta: {
    id: 'gitlab-stage',
    title: 'Every job runs in a declared stage',
    description: 'A job\'s `stage` (after extends; `test` when unset) is listed in `stages`, or is one of GitLab\'s defaults (.pre, build, test, deploy, .post) when `stages` is not set.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-stage'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const { value } = resolveReferences(resource.object);
    const stages = stageList(value);
    // An unfetched include may declare `stages` when the files meshguard read do not.
    const note = value.stages === undefined ? unverifiableNote(resource.object) : undefined;
    for (const [name] of jobsOf(value)) {
      const job = resolveJob(value, name).job;
      const stage = stageOf(job);
      if (hasInterpolation(stage) || stages.includes(stage)) continue;
      const declared = stages.filter((s) => s !== '.pre' && s !== '.post').join(', ');
      context.report({
        path: whereDefined(value, name, ['stage']) ?? [name],
        messageId: 'undeclaredStage',
        message:
          (typeof job.stage === 'string'
            ? `job '${name}' runs in stage '${stage}', which is not declared in stages (${declared})`
            : `job '${name}' has no stage, so it runs in 'test', which stages does not declare (${declared})`) + (note ?? ''),
        ...(note ? { severity: 'info' as const } : {}),
      });
    }
  },
};

/** `needs` and `dependencies` must name jobs that exist and run no later (GitLab rejects both). */
export const gitlabNeedsRule: Rule = {
  meta: {
    id: 'gitlab-needs',
    title: 'needs and dependencies name existing jobs of earlier (or the same) stages',
    description:
      'Each `needs` entry names a job of the pipeline (unless `optional: true`) in an earlier or the same stage; each `dependencies` entry names a job of an earlier stage (the same stage only if it is also in `needs`).',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-needs'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const { value } = resolveReferences(resource.object);
    const stages = stageList(value);
    const jobs = new Map(jobsOf(value).map(([name]) => [name, resolveJob(value, name).job]));
    const stageIndex = (job: Record<string, unknown>): number => stages.indexOf(stageOf(job));
    const note = unverifiableNote(resource.object);
    const missing = note ? { severity: 'info' as const } : {};

    for (const [name, job] of jobs) {
      const own = stageIndex(job);
      const needed = new Set<string>();
      const needs = Array.isArray(job.needs) ? job.needs : [];
      needs.forEach((entry, i) => {
        const need = typeof entry === 'string' ? { job: entry } : isPlainObject(entry) ? entry : undefined;
        // Cross-project and parent-pipeline needs point outside this file.
        if (!need || typeof need.job !== 'string' || 'pipeline' in need || 'project' in need || hasInterpolation(need.job)) return;
        needed.add(need.job);
        const path: JsonPath = typeof entry === 'string' ? [name, 'needs', i] : [name, 'needs', i, 'job'];
        const target = jobs.get(need.job);
        if (!target) {
          if (need.optional === true) return;
          context.report({
            path,
            messageId: 'unknownJob',
            message: `job '${name}' needs '${need.job}', which is not a job of this pipeline${note ?? ''} (add optional: true if it only exists sometimes)`,
            ...missing,
          });
        } else if (own >= 0 && stageIndex(target) > own) {
          context.report({ path, messageId: 'laterStage', message: `job '${name}' (stage '${stageOf(job)}') needs '${need.job}', which runs later (stage '${stageOf(target)}')` });
        }
      });
      const dependencies = Array.isArray(job.dependencies) ? job.dependencies : [];
      dependencies.forEach((dependency, i) => {
        if (typeof dependency !== 'string' || hasInterpolation(dependency)) return;
        const path: JsonPath = [name, 'dependencies', i];
        const target = jobs.get(dependency);
        if (!target) {
          context.report({ path, messageId: 'unknownDependency', message: `job '${name}' depends on '${dependency}', which is not a job of this pipeline${note ?? ''}`, ...missing });
          return;
        }
        const theirs = stageIndex(target);
        if (own >= 0 && (theirs > own || (theirs === own && !needed.has(dependency)))) {
          context.report({
            path,
            messageId: 'dependencyNotEarlier',
            message: `job '${name}' (stage '${stageOf(job)}') depends on '${dependency}' (stage '${stageOf(target)}'): dependencies must come from earlier stages`,
          });
        }
      });
    }
  },
};

/** `rules` cannot be combined with `only`/`except` (GitLab: "may not be used with rules"). */
export const gitlabRulesOnlyExceptRule: Rule = {
  meta: {
    id: 'gitlab-rules-only-except',
    title: 'A job uses rules or only/except, not both',
    description: 'After extends, a job that has `rules` must not also have `only` or `except`: GitLab refuses the pipeline.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-rules-only-except'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const { value } = resolveReferences(resource.object);
    for (const [name] of jobsOf(value)) {
      const job = resolveJob(value, name).job;
      if (job.rules === undefined || job.rules === null) continue;
      const filters = (['only', 'except'] as const).filter((k) => job[k] !== undefined && job[k] !== null);
      if (filters.length === 0) continue;
      context.report({
        path: whereDefined(value, name, ['rules']) ?? [name],
        messageId: 'rulesWithOnlyExcept',
        message: `job '${name}' combines rules with ${filters.join(' and ')} (possibly through extends): GitLab rejects the pipeline; express the conditions as rules`,
      });
    }
  },
};
