import path from 'node:path';
import { hasInterpolation, isPlainObject, stageList, stageOf, unverifiableNote } from '../../model/gitlab/pipeline.js';
import { processPipeline } from '../../model/gitlab/processed.js';
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
    const processed = processPipeline(resource.object);
    const { value } = processed;
    const stages = stageList(value);
    // An unfetched include may declare `stages` when the files meshguard read do not.
    const note = value.stages === undefined ? unverifiableNote(resource.object) : undefined;
    const undeclared = processed.jobs.filter(([name, job]) => {
      const stage = stageOf(job);
      // A job whose template is unknown may get its stage there.
      if (job.stage === undefined && processed.partial.has(name)) return false;
      return !hasInterpolation(stage) && !stages.includes(stage);
    });
    if (undeclared.length === 0) return;
    const library = includeOnlyLibrary(resource, value);
    if (library) {
      const used = [...new Set(undeclared.map(([, job]) => stageOf(job)))];
      context.report({
        path: [],
        messageId: 'includeOnly',
        severity: 'info',
        message: `${library}, and its jobs use stages it does not declare (${used.join(', ')}): read as a library of jobs meant to be included, whose stages the including pipeline declares`,
      });
      return;
    }
    const declared = stages.filter((s) => s !== '.pre' && s !== '.post').join(', ');
    for (const [name, job] of undeclared) {
      const stage = stageOf(job);
      context.report({
        path: job.stage === undefined ? [name] : processed.written([name, 'stage']),
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

/**
 * Why a CI file reads as a library of fragments for other pipelines to include rather than a
 * pipeline of its own: a component (a `spec:` header), or a file other than `.gitlab-ci.yml` that
 * declares no `stages` (it is linted because a `gitlabCi` glob names it, not because it runs).
 */
function includeOnlyLibrary(resource: { source: { file: string } }, pipeline: Record<string, unknown>): string | undefined {
  if (pipeline.spec !== undefined) return 'this file is a component (it has a spec: header)';
  if (pipeline.stages === undefined && path.posix.basename(resource.source.file) !== '.gitlab-ci.yml') {
    return `${path.posix.basename(resource.source.file)} is not a .gitlab-ci.yml and declares no stages`;
  }
  return undefined;
}

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
    const processed = processPipeline(resource.object);
    const { value } = processed;
    const stages = stageList(value);
    const jobs = new Map(processed.jobs);
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
        const path = processed.written(typeof entry === 'string' ? [name, 'needs', i] : [name, 'needs', i, 'job']);
        const target = jobs.get(need.job) ?? matrixInstanceOf(need.job, jobs);
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
        const path = processed.written([name, 'dependencies', i]);
        const target = jobs.get(dependency) ?? matrixInstanceOf(dependency, jobs);
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

/**
 * `build: [x86_64, debug]` names one instance of a `parallel:matrix` job (docs: ci/yaml "needs:parallel:matrix"
 * and the generated job names): the instance runs where its job runs.
 */
function matrixInstanceOf(name: string, jobs: ReadonlyMap<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  const match = /^(.+?):\s*\[.*\]$/.exec(name);
  if (!match) return undefined;
  const job = jobs.get(match[1]!);
  return job && isPlainObject(job.parallel) && job.parallel.matrix !== undefined ? job : undefined;
}

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
    const processed = processPipeline(resource.object);
    for (const [name, job] of processed.jobs) {
      if (job.rules === undefined || job.rules === null) continue;
      const filters = (['only', 'except'] as const).filter((k) => job[k] !== undefined && job[k] !== null);
      if (filters.length === 0) continue;
      context.report({
        path: processed.written([name, 'rules']),
        messageId: 'rulesWithOnlyExcept',
        message: `job '${name}' combines rules with ${filters.join(' and ')} (possibly through extends): GitLab rejects the pipeline; express the conditions as rules`,
      });
    }
  },
};
