import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { parseSourceText } from '../../src/load/index.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A throwaway repository with the given files (text by path). */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'meshguard-gitlab-'));
  dirs.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

async function check(root: string, inputs: string[] = ['.'], gitlabCi: string[] = []): Promise<string[]> {
  const result = await runCheck({ root, inputs, config: { ...DEFAULT_CONFIG, gitlabCi }, today: '2026-11-26' });
  return result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`);
}

describe('GitLab CI loading', () => {
  it('reports YAML errors of an included file in that file, through yaml-syntax', async () => {
    const root = repo({
      '.gitlab-ci.yml': 'include:\n  - local: ci/jobs.yml\nbuild:\n  script: make\n',
      'ci/jobs.yml': 'test:\n  script: make test\ntest:\n  script: again\n',
    });
    expect(await check(root, ['.gitlab-ci.yml'])).toEqual(['ci/jobs.yml:3 yaml-syntax/DUPLICATE_KEY']);
  });

  it('understands !reference without an unknown-tag warning, and rejects a !reference that is not a list', async () => {
    const root = repo({ '.gitlab-ci.yml': '.a:\n  script: [make]\nb:\n  script: !reference [.a, script]\nc:\n  script: !reference .a\n' });
    expect(await check(root)).toEqual(['.gitlab-ci.yml:6 yaml-syntax/TAG_RESOLVE_FAILED']);
  });

  it('never reads a local include that leaves the repository through a symbolic link', async () => {
    const outside = repo({ 'secret.yml': 'leak:\n  script: cat /etc/shadow\n' });
    const root = repo({ '.gitlab-ci.yml': 'include:\n  - local: ci/linked.yml\nbuild:\n  script: make\n' });
    mkdirSync(path.join(root, 'ci'));
    symlinkSync(path.join(outside, 'secret.yml'), path.join(root, 'ci/linked.yml'));
    expect(await check(root, ['.gitlab-ci.yml'])).toEqual(['.gitlab-ci.yml:2 gitlab-include/escapesRepository']);
  });

  it('lints files that include each other once, reporting the circle where it closes', async () => {
    const root = repo({
      'ci/a.yml': 'include:\n  - local: ci/b.yml\njob-a:\n  script: make\n',
      'ci/b.yml': 'include:\n  - local: ci/a.yml\njob-b:\n  script: make\n',
    });
    const result = await runCheck({ root, inputs: ['ci'], config: { ...DEFAULT_CONFIG, gitlabCi: ['ci/*.yml'] }, today: '2026-11-26' });
    expect(result.resources).toBe(1);
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`)).toEqual(['ci/b.yml:2 gitlab-include/cycle']);
  });

  it('leaves $[[ inputs.x ]] opaque in a component and validates its spec header', async () => {
    const root = repo({
      'templates/lint.yml': [
        'spec:',
        '  inputs:',
        '    stage: { default: test }',
        '    shards: { type: number, default: "two" }',
        '    image: { default: "node:20.19.0" }',
        '---',
        'lint:',
        '  stage: $[[ inputs.stage ]]',
        '  parallel: $[[ inputs.shards ]]',
        '  image: $[[ inputs.image ]]',
        '  script: make lint',
        '',
      ].join('\n'),
    });
    expect(await check(root, ['templates/lint.yml'], ['templates/*.yml'])).toEqual(['templates/lint.yml:4 gitlab-ci-schema/wrongType']);
  });

  it('parseSourceText reads a CI text on its own as one pipeline (header under spec, no includes followed)', () => {
    const text = 'spec:\n  inputs:\n    stage: { default: test }\n---\ninclude:\n  - local: ci/x.yml\njob:\n  stage: $[[ inputs.stage ]]\n  script: !reference [.t, script]\n';
    const { resources, problems } = parseSourceText({ path: '.gitlab-ci.yml', text }, DEFAULT_CONFIG);
    expect(problems).toEqual([]);
    expect(resources).toHaveLength(1);
    expect(Object.keys(resources[0]!.object)).toEqual(['include', 'job', 'spec']);
    expect(resources[0]!.source.locate(['spec', 'inputs', 'stage']).line).toBe(3);
    expect(resources[0]!.source.locate(['job', 'script']).line).toBe(9);
  });

  it('reports a CI file that is not a map where it starts', async () => {
    const root = repo({ '.gitlab-ci.yml': '# comment\n- build\n- test\n' });
    expect(await check(root)).toEqual(['.gitlab-ci.yml:2 gitlab-ci-schema/wrongType']);
  });
});
