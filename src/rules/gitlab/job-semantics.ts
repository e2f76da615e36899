import { parseGitlabDuration, SECONDS_PER_MONTH, SECONDS_PER_WEEK } from '../../model/gitlab/duration.js';
import { expressionProblem } from '../../model/gitlab/expression.js';
import { hasInterpolation, isPlainObject, unverifiableNote } from '../../model/gitlab/pipeline.js';
import { processPipeline } from '../../model/gitlab/processed.js';
import type { JsonPath } from '../../model/types.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

/** GitLab's limit on the jobs one `parallel:matrix` generates (docs: ci/yaml "parallel:matrix"). */
export const MAX_MATRIX_JOBS = 200;
/** GitLab's limit on `cache:key:files` (10 only behind the increase_ci_cache_key_files_limit flag, off by default). */
export const MAX_CACHE_KEY_FILES = 2;

/** Reports each written location once: a template's mistake is met in every job that extends it. */
function once(context: RuleContext): (descriptor: Parameters<RuleContext['report']>[0]) => void {
  const seen = new Set<string>();
  return (descriptor) => {
    const key = `${(descriptor.path ?? []).join('/')}|${descriptor.messageId}`;
    if (seen.has(key)) return;
    seen.add(key);
    context.report(descriptor);
  };
}

/** Job-level rules GitLab applies to the merged job, which no JSON Schema expresses. */
export const gitlabJobRule: Rule = {
  meta: {
    id: 'gitlab-job',
    title: 'Jobs are what GitLab accepts once merged',
    description:
      'After includes, extends and !reference: a job has script, run or trigger (not trigger with script); `when: delayed` ' +
      'comes with `start_in` and `start_in` only with it; `parallel:matrix` makes at most 200 jobs; `cache:key:files` lists at most 2 files.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-job'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const processed = processPipeline(resource.object);
    const report = once(context);
    const at = (path: JsonPath): JsonPath => processed.written(path);
    for (const [name, job] of processed.jobs) {
      const partial = processed.partial.has(name);
      const has = (key: string): boolean => job[key] !== undefined;
      if (has('trigger') && (has('script') || has('run'))) {
        const key = has('script') ? 'script' : 'run';
        report({ path: at([name, 'trigger']), messageId: 'triggerWithScript', message: `job '${name}' has both trigger and ${key}: a trigger job runs no script, GitLab refuses the pipeline` });
      }
      if (!has('script') && !has('run') && !has('trigger') && !partial) {
        // An include meshguard cannot read may define the same job, and GitLab merges the two.
        const note = processed.mayBeIncomplete(name) ? unverifiableNote(resource.object) : undefined;
        report({
          path: [name],
          messageId: 'noScript',
          message: note
            ? `job '${name}' has none of script, run or trigger here,${note.replace(/^ unless/, ' which is fine if')} defines it too`
            : `job '${name}' has none of script, run or trigger (after extends): GitLab refuses the pipeline; hide it with a leading dot if it is a template`,
          ...(note ? { severity: 'info' as const } : {}),
        });
      }
      checkDelayed(job, [name], job.rules !== undefined, at, report, name);
      if (Array.isArray(job.rules)) {
        job.rules.forEach((rule, i) => {
          if (isPlainObject(rule)) checkDelayed(rule, [name, 'rules', i], false, at, report, name);
        });
      }
      const matrix = isPlainObject(job.parallel) ? job.parallel.matrix : undefined;
      if (Array.isArray(matrix)) {
        const count = matrixSize(matrix);
        if (count > MAX_MATRIX_JOBS) {
          report({
            path: at([name, 'parallel', 'matrix']),
            messageId: 'matrixTooLarge',
            message: `job '${name}': parallel:matrix makes ${count} jobs, more than GitLab's ${MAX_MATRIX_JOBS}`,
          });
        }
      }
      const caches = Array.isArray(job.cache) ? job.cache : job.cache === undefined ? [] : [job.cache];
      caches.forEach((entry, i) => {
        const files = isPlainObject(entry) && isPlainObject(entry.key) ? entry.key.files : undefined;
        if (!Array.isArray(files) || files.length <= MAX_CACHE_KEY_FILES) return;
        const path: JsonPath = Array.isArray(job.cache) ? [name, 'cache', i, 'key', 'files'] : [name, 'cache', 'key', 'files'];
        report({
          path: at(path),
          messageId: 'tooManyCacheKeyFiles',
          message: `job '${name}': cache:key:files lists ${files.length} files; GitLab allows ${MAX_CACHE_KEY_FILES} (10 only where the increase_ci_cache_key_files_limit feature flag is on)`,
        });
      });
    }
  },
};

function checkDelayed(
  holder: Record<string, unknown>,
  path: JsonPath,
  hasRules: boolean,
  at: (path: JsonPath) => JsonPath,
  report: (d: Parameters<RuleContext['report']>[0]) => void,
  name: string,
): void {
  const where = path.length > 1 ? `job '${name}' rules[${String(path[2])}]` : `job '${name}'`;
  const delayed = holder.when === 'delayed';
  if (delayed && holder.start_in === undefined) {
    report({ path: at([...path, 'when']), messageId: 'delayedWithoutStartIn', message: `${where}: when: delayed needs start_in (e.g. start_in: 30 minutes)` });
  } else if (!delayed && holder.start_in !== undefined) {
    const why = hasRules ? 'with rules, start_in belongs in the rule that sets when: delayed' : 'start_in only goes with when: delayed';
    report({ path: at([...path, 'start_in']), messageId: 'startInWithoutDelayed', message: `${where}: ${why}` });
  }
}

/** Jobs a matrix makes: per entry, the product of its list lengths; entries add up. */
export function matrixSize(matrix: readonly unknown[]): number {
  return matrix.reduce<number>((sum, entry) => {
    if (!isPlainObject(entry)) return sum;
    return sum + Object.values(entry).reduce<number>((product, v) => product * (Array.isArray(v) ? Math.max(v.length, 1) : 1), 1);
  }, 0);
}

/** Durations GitLab parses when it reads the configuration. */
export const gitlabDurationRule: Rule = {
  meta: {
    id: 'gitlab-duration',
    title: 'Durations are ones GitLab can read',
    description:
      '`artifacts:expire_in`, `timeout` and `start_in` are durations GitLab parses (`3 days`, `1h 30m`, `90 minutes`, `never` for expire_in); ' +
      'an unknown word or a zero total makes GitLab refuse the pipeline; `start_in` is at most a week, `timeout` at most a month.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-duration'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const processed = processPipeline(resource.object);
    const report = once(context);
    const check = (value: unknown, path: JsonPath, keyword: string, limit?: { seconds: number; label: string }): void => {
      if (typeof value !== 'string' || hasInterpolation(value)) return;
      if (keyword === 'artifacts:expire_in' && value.trim().toLowerCase() === 'never') return;
      const reading = parseGitlabDuration(value);
      if (!reading.ok) {
        report({ path: processed.written(path), messageId: 'unreadable', message: `${keyword} '${value}' ${reading.reason}: GitLab cannot read it as a duration` });
      } else if (limit && reading.seconds > limit.seconds) {
        report({ path: processed.written(path), messageId: 'tooLong', message: `${keyword} '${value}' is longer than GitLab's limit of ${limit.label}` });
      }
    };
    const holders: [JsonPath, unknown][] = [[['default'], processed.value.default], ...processed.jobs.map(([n, j]): [JsonPath, unknown] => [[n], j])];
    for (const [path, holder] of holders) {
      if (!isPlainObject(holder)) continue;
      if (isPlainObject(holder.artifacts)) check(holder.artifacts.expire_in, [...path, 'artifacts', 'expire_in'], 'artifacts:expire_in');
      check(holder.timeout, [...path, 'timeout'], 'timeout', { seconds: SECONDS_PER_MONTH, label: '1 month' });
      check(holder.start_in, [...path, 'start_in'], 'start_in', { seconds: SECONDS_PER_WEEK, label: '1 week' });
      if (Array.isArray(holder.rules)) {
        holder.rules.forEach((rule, i) => {
          if (isPlainObject(rule)) check(rule.start_in, [...path, 'rules', i, 'start_in'], 'start_in', { seconds: SECONDS_PER_WEEK, label: '1 week' });
        });
      }
    }
  },
};

/** `rules:if` expressions that GitLab's expression parser refuses. */
export const gitlabRulesIfRule: Rule = {
  meta: {
    id: 'gitlab-rules-if',
    title: 'rules:if expressions parse',
    description:
      'Every `if:` of job, workflow and include rules is a valid CI/CD variable expression: variables, quoted strings, /regex/, null, ' +
      '`==` `!=` `=~` `!~`, `&&` `||` and parentheses; GitLab refuses the pipeline otherwise.',
    severity: 'error',
    helpUri: ruleDocsUri('gitlab-rules-if'),
    tags: ['gitlab', 'semantics'],
    appliesTo: { family: 'gitlab-ci' },
  },
  check(resource, context) {
    const processed = processPipeline(resource.object);
    const report = once(context);
    const checkRules = (rules: unknown, path: JsonPath): void => {
      if (!Array.isArray(rules)) return;
      rules.forEach((rule, i) => {
        if (!isPlainObject(rule) || typeof rule.if !== 'string' || hasInterpolation(rule.if)) return;
        const problem = expressionProblem(rule.if);
        if (problem) report({ path: processed.written([...path, i, 'if']), messageId: 'invalidExpression', message: `rules:if '${rule.if}': ${problem}` });
      });
    };
    const { value } = processed;
    if (isPlainObject(value.workflow)) checkRules(value.workflow.rules, ['workflow', 'rules']);
    const includes = Array.isArray(value.include) ? value.include : [];
    includes.forEach((entry, i) => {
      if (isPlainObject(entry)) checkRules(entry.rules, ['include', i, 'rules']);
    });
    for (const [name, job] of processed.jobs) checkRules(job.rules, [name, 'rules']);
  },
};
