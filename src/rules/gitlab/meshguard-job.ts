import { isPlainObject, jobsOf, pipelineFacts, resolveJob, whereDefined } from '../../model/gitlab/pipeline.js';
import { resolveReferences } from '../../model/gitlab/reference.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

const DEFAULT_JOB_PATTERN = '^meshguard';

/**
 * The guardrails only protect a merge request if meshguard runs in its pipeline and can fail it.
 * Jobs without `rules`/`only` never run in merge-request pipelines (GitLab adds them to branch
 * pipelines only), and `allow_failure` turns a red check into a warning nobody reads.
 */
export const gitlabMeshguardJobRule: Rule = {
  meta: {
    id: 'gitlab-meshguard-job',
    title: 'meshguard runs in merge-request pipelines and can fail them',
    description:
      'The meshguard job (name matching `jobPattern`, or a script running `meshguard check`) runs in merge-request pipelines and does not set allow_failure; with `required: true` the job must exist.',
    severity: 'warning',
    helpUri: ruleDocsUri('gitlab-meshguard-job'),
    tags: ['gitlab', 'policy'],
    appliesTo: { family: 'gitlab-ci' },
    optionsSchema: {
      type: 'object',
      properties: {
        jobPattern: { type: 'string', description: 'Regular expression matching the meshguard job name.' },
        required: { type: 'boolean', description: 'Report pipelines that have no meshguard job at all.' },
      },
      additionalProperties: false,
    },
  },
  check(resource, context) {
    const pattern = new RegExp(typeof context.options.jobPattern === 'string' ? context.options.jobPattern : DEFAULT_JOB_PATTERN);
    const { value } = resolveReferences(resource.object);
    const jobs = jobsOf(value)
      .map(([name]) => ({ name, job: resolveJob(value, name).job }))
      .filter(({ name, job }) => pattern.test(name) || runsMeshguard(job));

    if (jobs.length === 0) {
      // The component's job lives in the included file, which meshguard does not fetch.
      const viaComponent = pipelineFacts(resource.object).opaqueIncludes.some((ref) => /meshguard/i.test(ref));
      if (context.options.required === true && !viaComponent) {
        context.report({ path: [], messageId: 'missing', message: 'no meshguard job in this pipeline: include the meshguard component so merge requests are checked' });
      }
      return;
    }
    for (const { name, job } of jobs) {
      if (!runsInMergeRequests(job)) {
        context.report({
          path: whereDefined(value, name, ['rules']) ?? whereDefined(value, name, ['only']) ?? [name],
          messageId: 'notInMergeRequests',
          message: `job '${name}' does not run in merge-request pipelines: add a rule such as if: $CI_PIPELINE_SOURCE == "merge_request_event"`,
        });
      }
      if (job.allow_failure === true || isPlainObject(job.allow_failure)) {
        context.report({
          path: whereDefined(value, name, ['allow_failure']) ?? [name],
          messageId: 'allowFailure',
          message: `job '${name}' sets allow_failure: its findings cannot block a merge request`,
        });
      }
    }
  },
};

function runsMeshguard(job: Readonly<Record<string, unknown>>): boolean {
  const lines = [job.script].flat(10);
  return lines.some((line) => typeof line === 'string' && /\bmeshguard\b[^\n]*\bcheck\b/.test(line));
}

/** Whether some path through `rules`/`only` puts the job in a merge-request pipeline. */
function runsInMergeRequests(job: Readonly<Record<string, unknown>>): boolean {
  if (Array.isArray(job.rules)) {
    return job.rules.flat(10).some((rule) => {
      if (!isPlainObject(rule) || rule.when === 'never') return false;
      if (rule.if === undefined) return true;
      return typeof rule.if === 'string' && /merge_request_event|CI_MERGE_REQUEST_|\$\[\[/.test(rule.if);
    });
  }
  const only = job.only;
  if (Array.isArray(only)) return only.includes('merge_requests');
  if (isPlainObject(only) && Array.isArray(only.refs)) return only.refs.includes('merge_requests');
  return false;
}
