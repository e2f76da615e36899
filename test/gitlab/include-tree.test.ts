import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { loadWorkspace } from '../../src/load/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TREE = 'fixtures/gitlab/include-tree';
const MAIN = `${TREE}/.gitlab-ci.yml`;
const BUILD = `${TREE}/ci/build.yml`;
const BASE = `${TREE}/ci/nested/base.yml`;

/** Every finding of the three-file tree, in the file and on the line where it is written. */
const EXPECTED = [
  `${MAIN}:3:5 gitlab-include/localMissing`,
  `${MAIN}:4:5 gitlab-include/escapesRepository`,
  `${MAIN}:5:5 gitlab-include/opaque`,
  `${MAIN}:12:1 gitlab-duplicate-job/definedTwice`,
  `${MAIN}:19:26 gitlab-needs/unknownJob`,
  `${BUILD}:14:5 gitlab-ci-schema/badFormat`,
  `${BUILD}:15:3 gitlab-extends/unknownTarget`,
  `${BASE}:6:3 gitlab-image-pinned/missingTag`,
  `${BASE}:8:3 gitlab-reference/unknownTarget`,
  `${BASE}:10:1 gitlab-unused-template/unusedTemplate`,
  `${BASE}:14:3 gitlab-stage/undeclaredStage`,
].sort();

function located(findings: readonly { file: string; line: number; column: number; ruleId: string; messageId: string }[]): string[] {
  return findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}/${f.messageId}`).sort();
}

describe('a multi-file include tree', () => {
  it('reports each problem in the file and line where it is written', async () => {
    const result = await runCheck({ root: ROOT, inputs: [MAIN], config: DEFAULT_CONFIG, today: '2026-11-26' });
    expect(located(result.findings)).toEqual(EXPECTED);
    expect(result.resources).toBe(1);
    // The component include is not fetched: a missing job or template may come from it.
    const unknownJob = result.findings.find((f) => f.messageId === 'unknownJob')!;
    expect(unknownJob.severity).toBe('info');
    expect(unknownJob.message).toContain("unless it comes from '$CI_SERVER_FQDN/meshguard/meshguard/meshguard@1.0.0'");
    expect(result.findings.find((f) => f.ruleId === 'gitlab-extends')!.severity).toBe('info');
    expect(result.findings.find((f) => f.ruleId === 'gitlab-ci-schema')!.severity).toBe('error');
  });

  it('merges as GitLab does: nested includes first, maps deep-merged, the main file last', async () => {
    const { resources } = await loadWorkspace([MAIN], ROOT, DEFAULT_CONFIG);
    const pipeline = resources[0]!.object as Record<string, Record<string, unknown>>;
    expect(pipeline.variables).toEqual({ LOG_LEVEL: 'info', REGION: 'eu' });
    // `compile` from ci/build.yml, with the main file's keys winning one by one.
    expect(pipeline.compile).toEqual({ stage: 'build', script: 'make compile', image: 'node:20.19.0' });
    expect(Object.keys(pipeline)).toEqual(expect.arrayContaining(['.deploy-base', 'unit', 'smoke', 'deploy', 'include']));
    const locate = resources[0]!.source.locate;
    expect(locate(['compile', 'stage'])).toMatchObject({ file: BUILD, line: 5 });
    expect(locate(['compile', 'image'])).toMatchObject({ line: 14 });
    expect(locate(['compile', 'image']).file).toBeUndefined();
    expect(locate(['variables', 'REGION'])).toMatchObject({ file: BASE, line: 3 });
    expect(locate(['variables', 'LOG_LEVEL'])).toMatchObject({ line: 10 });
  });

  it('lints included files once, inside their pipeline, when the directory is checked', async () => {
    for (const gitlabCi of [[], [`${TREE}/**/*.yml`]]) {
      const config = { ...DEFAULT_CONFIG, gitlabCi, reportNonKubernetes: true };
      const result = await runCheck({ root: ROOT, inputs: [TREE], config, today: '2026-11-26' });
      expect(located(result.findings)).toEqual(EXPECTED);
      expect(result.resources).toBe(1);
    }
  });
});

describe('a child pipeline (trigger: include: a repository file)', () => {
  const CHILD_TREE = 'fixtures/gitlab/child-pipeline';
  it('is linted as a pipeline of its own, not read as Kubernetes YAML', async () => {
    const result = await runCheck({ root: ROOT, inputs: [CHILD_TREE], config: DEFAULT_CONFIG, today: '2026-11-26' });
    // Its !reference resolves (no yaml-syntax warning), and its misspelled keyword is caught where it is written.
    expect(located(result.findings)).toEqual([`${CHILD_TREE}/ci/child.yml:12:3 gitlab-ci-schema/unknownKeyword`]);
    expect(result.resources).toBe(2);
  });
});
