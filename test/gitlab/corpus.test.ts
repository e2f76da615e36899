import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { lintPipelineObject, parseCorpusFile } from './helpers.js';

/**
 * GitLab's own schema fixtures (spec/frontend/editor/schema/ci/{yaml,json}_tests), used the way GitLab's
 * ci_schema_spec.js uses them: every top-level key is validated on its own as `{ key: value }`; in the
 * four `workflow/auto_cancel/*` files each value is a whole pipeline ("global" mode). Positive cases must
 * produce no gitlab-ci-schema finding, negative cases at least one gitlab-* error.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/gitlab-ci');
const present = existsSync(CORPUS);

const GLOBAL_MODE = /(^|\/)workflow\/auto_cancel\//;
/**
 * Files written as "case name -> whole document" although GitLab's spec wraps them per key (SOURCE.md):
 * they are also checked in global mode, which is what their comments describe.
 */
const INTENT_GLOBAL = ['yaml_tests/negative_tests/spec_inputs.yml', 'yaml_tests/negative_tests/job_inputs.yml'];
/**
 * Global-mode cases a one-file linter cannot reject, with the GitLab behaviour behind each. Per-key mode
 * (GitLab's) still rejects them.
 */
const INTENT_EXCEPTIONS: Record<string, string> = {
  'yaml_tests/negative_tests/spec_inputs.yml#trigger_invalid_input':
    "the downstream project's input types live in that project's spec: GitLab rejects the value when it creates the downstream pipeline",
};

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? corpusFiles(full) : /\.(ya?ml|json)$/.test(name) ? [full] : [];
  });
}

const counts = { positive: { clean: 0, total: 0 }, negative: { rejected: 0, total: 0 }, intent: { rejected: 0, total: 0 }, files: 0 };

describe.skipIf(!present)('GitLab CI schema corpus (../shared/corpus/gitlab-ci)', () => {
  const files = present ? corpusFiles(CORPUS).map((f) => path.relative(CORPUS, f).split(path.sep).join('/')).sort() : [];

  for (const file of files) {
    const positive = file.includes('/positive_tests/');
    it(`${positive ? 'accepts' : 'rejects'} ${file}`, () => {
      const document = parseCorpusFile(readFileSync(path.join(CORPUS, file), 'utf8'));
      const cases = Object.entries(document).map(([key, value]) => ({
        name: key,
        pipeline: GLOBAL_MODE.test(file) ? (value as Record<string, unknown>) : { [key]: value },
      }));
      counts.files++;
      const failures: string[] = [];
      for (const { name, pipeline } of cases) {
        const findings = lintPipelineObject(pipeline);
        if (positive) {
          counts.positive.total++;
          const schema = findings.filter((f) => f.ruleId === 'gitlab-ci-schema');
          if (schema.length === 0) counts.positive.clean++;
          else failures.push(`${name}: ${schema.map((f) => f.message).join('; ')}`);
        } else {
          counts.negative.total++;
          if (findings.some((f) => f.ruleId.startsWith('gitlab-') && f.severity === 'error')) counts.negative.rejected++;
          else failures.push(`${name}: not rejected`);
        }
      }
      if (INTENT_GLOBAL.includes(file)) {
        for (const [name, value] of Object.entries(document)) {
          if (INTENT_EXCEPTIONS[`${file}#${name}`]) continue;
          counts.intent.total++;
          const findings = lintPipelineObject(value as Record<string, unknown>);
          if (findings.some((f) => f.ruleId.startsWith('gitlab-') && f.severity === 'error')) counts.intent.rejected++;
          else failures.push(`${name} (as a whole document): not rejected`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('reads every corpus file through the real loader without a crash', async () => {
    const config = { ...DEFAULT_CONFIG, gitlabCi: ['**/*.yml', '**/*.json'] };
    const result = await runCheck({ root: CORPUS, inputs: ['.'], config, today: '2026-11-26' });
    expect(result.findings.filter((f) => f.ruleId === 'internal-error' || f.ruleId === 'yaml-syntax')).toEqual([]);
    expect(result.resources).toBeGreaterThan(100);
  });

  afterAll(() => {
    const c = counts;
    console.log(
      `GitLab corpus: ${c.files} files; positive cases clean ${c.positive.clean}/${c.positive.total}; ` +
        `negative cases rejected ${c.negative.rejected}/${c.negative.total}; ` +
        `negative whole-document cases rejected ${c.intent.rejected}/${c.intent.total} ` +
        `(${Object.keys(INTENT_EXCEPTIONS).length} explained exception); no file skipped`,
    );
  });
});

if (!present) {
  describe('GitLab CI schema corpus', () => {
    it.skip('skipped: ../shared/corpus/gitlab-ci is not present', () => {});
  });
}
