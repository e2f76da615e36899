import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { indentFlowContinuations, parseGitlabYaml } from '../../src/load/gitlab/libyaml.js';
import { parseGitlabDuration } from '../../src/model/gitlab/duration.js';
import { expressionProblem } from '../../src/model/gitlab/expression.js';
import type { Finding } from '../../src/model/types.js';

/**
 * Minimal reproductions of the false findings seen on real pipelines (issue 13, classes 1-12), each in
 * the shape of the real case, and of GitLab's processing order: YAML 1.1 load, includes, extends,
 * !reference, then validation of the merged jobs.
 */
let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'meshguard-gitlab-order-'));
  dirs.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

async function lint(files: Record<string, string>, inputs = ['.gitlab-ci.yml'], gitlabCi: string[] = []): Promise<Finding[]> {
  const result = await runCheck({ root: repo(files), inputs, config: { ...DEFAULT_CONFIG, gitlabCi }, today: '2026-11-26' });
  return result.findings;
}

const errors = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line} ${f.ruleId}/${f.messageId}`);

describe('issue 13 false-positive classes', () => {
  it('1. a flow sequence whose ] is less indented than its key loads (libyaml accepts it), with exact lines', async () => {
    const text = [
      'test-backends:', //            1
      '  parallel:', //               2
      '    matrix:', //               3
      '      - BACKEND: [', //        4
      '          "openssl",', //      5
      '          "gcrypt"', //        6
      '      ]', //                   7
      '  script:', //                 8
      '    - ./configure --with=$BACKEND', // 9
      '  timeout: 3 dayz', //         10
      '',
    ].join('\n');
    const findings = await lint({ '.gitlab-ci.yml': text });
    expect(errors(findings)).toEqual(['.gitlab-ci.yml:10 gitlab-duration/unreadable']);
    expect(findings.find((f) => f.ruleId === 'gitlab-duration')?.column).toBe(3);
  });

  it('1. YAML 1.1 as Psych reads it: yes/on are booleans, y stays a string, << merges, dates stay strings', () => {
    const { documents, problems } = parseGitlabYaml('.base: &base\n  interruptible: yes\njob:\n  <<: *base\n  allow_failure: on\n  variables:\n    ANSWER: y\n    DAY: 2024-01-01\n');
    expect(problems).toEqual([]);
    expect(documents[0]!.value).toMatchObject({ job: { interruptible: true, allow_failure: true, variables: { ANSWER: 'y', DAY: '2024-01-01' } } });
  });

  it('1. only leading spaces inside flow collections change when relaxing indentation', () => {
    const text = 'a:\n  b: [\n    1,\n  ]\n  c: |\n    [\n  d: x\n';
    expect(indentFlowContinuations(text)).toBe('a:\n  b: [\n    1,\n   ]\n  c: |\n    [\n  d: x\n');
  });

  it('2. nested lists in needs, rules and cache (aliases, !reference to lists holding !reference) are flattened', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': [
        'stages: [build, test]',
        '.x86-needs: &x86-needs',
        '  - build',
        '.empty-needs: &empty-needs',
        '  -',
        '.base-rules:',
        '  rules:',
        '    - if: $CI_COMMIT_TAG',
        '.more-rules:',
        '  rules:',
        '    - !reference [.base-rules, rules]',
        '    - when: manual',
        '.cache:',
        '  cache:',
        '    - key: one',
        '      paths: [a/]',
        'build:',
        '  stage: build',
        '  script: make',
        'test:',
        '  stage: test',
        '  script: make test',
        '  needs:',
        '    - *x86-needs',
        '    - *empty-needs',
        '  rules:',
        '    - !reference [.more-rules, rules]',
        '    - if: $CI_MERGE_REQUEST_IID',
        '  cache:',
        '    - !reference [.cache, cache]',
        '    - key: two',
        '      paths: [b/]',
        '',
      ].join('\n'),
    });
    expect(errors(findings)).toEqual([]);
  });

  it('3. boolean variable values are valid', async () => {
    expect(errors(await lint({ '.gitlab-ci.yml': 'variables:\n  FF_TIMESTAMPS: true\njob:\n  variables:\n    OMP_PROC_BIND: false\n  script: make\n' }))).toEqual([]);
  });

  it('4. null means not set: parallel, variables, image, needs, a variable value, a key dropped from a template', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': [
        '.base:',
        '  image: alpine:3.20',
        '  variables:',
        '    KEEP: "1"',
        '  cache:',
        '    paths:',
        'job:',
        '  extends: .base',
        '  image:',
        '  parallel: null',
        '  needs:',
        '  variables:',
        '    EMPTY:',
        '  script: make',
        'other:',
        '  variables:',
        '  script: make',
        '',
      ].join('\n'),
    });
    expect(errors(findings)).toEqual([]);
  });

  it('5. a template from an include meshguard cannot read is unknown: no error derived from it', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': [
        'include:',
        '  - project: GNOME/citemplates',
        '    file: flatpak/flatpak_ci_initiative.yml',
        'stages: [check, build, deploy]',
        'nightly:',
        '  extends: .publish_nightly',
        'flatpak:',
        '  stage: build',
        '  script:',
        '    - !reference [.flatpak_script, script]',
        '',
      ].join('\n'),
    });
    expect(errors(findings)).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'gitlab-extends' || f.ruleId === 'gitlab-reference').map((f) => f.severity)).toEqual(['info', 'info']);
  });

  it('6. jobs are validated after the extends merge (trigger: inputs inheriting project)', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': '.qa:\n  trigger:\n    project: group/qa\n    strategy: depend\nqa-full:\n  extends: .qa\n  trigger:\n    inputs:\n      edition: ce\n',
    });
    expect(errors(findings)).toEqual([]);
  });

  it('7. needs naming one instance of a parallel:matrix job', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': [
        'stages: [build, test]',
        'build-win:',
        '  stage: build',
        '  script: make',
        '  parallel:',
        '    matrix:',
        '      - ARCH: [x86_64-w64-mingw32, i686-w64-mingw32]',
        'test-win64:',
        '  stage: test',
        '  script: make test',
        '  needs: ["build-win: [x86_64-w64-mingw32]"]',
        'test-missing:',
        '  stage: test',
        '  script: make test',
        '  needs: ["build-mac: [arm64]"]',
        '',
      ].join('\n'),
    });
    expect(errors(findings)).toEqual(['.gitlab-ci.yml:15 gitlab-needs/unknownJob']);
  });

  it('8. a !reference to a key the target has only through extends resolves (extends comes first)', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': '.base:\n  script: [make]\n.child:\n  extends: .base\njob:\n  script:\n    - !reference [.child, script]\n',
    });
    expect(errors(findings)).toEqual([]);
  });

  it('9. keywords GitLab accepts: retry:when runner_interrupted, artifacts:reports:lsif, entrypoint: []', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': [
        'default:',
        '  retry:',
        '    max: 2',
        '    when: [runner_system_failure, runner_interrupted]',
        'code_navigation:',
        '  image:',
        '    name: sourcegraph/lsif-go:v1.9.3',
        '    entrypoint: []',
        '  script: lsif-go',
        '  artifacts:',
        '    reports:',
        '      lsif: dump.lsif',
        '',
      ].join('\n'),
    });
    expect(errors(findings)).toEqual([]);
  });

  it('10. a duplicate key is a warning naming the lost value, and the file is still checked (last value wins)', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': 'job:\n  script: make\n  timeout: 1 hour\n  timeout: 3 dayz\n',
    });
    const duplicate = findings.find((f) => f.messageId === 'DUPLICATE_KEY');
    expect(duplicate).toMatchObject({ severity: 'warning', line: 4 });
    expect(duplicate?.message).toContain('"1 hour"');
    expect(errors(findings)).toEqual(['.gitlab-ci.yml:4 gitlab-duration/unreadable']);
  });

  it('11. hidden jobs with a colon or a space in their key, used through anchors, are used', async () => {
    const findings = await lint({
      '.gitlab-ci.yml': '".build linux": &build-linux\n  image: alpine:3.20\n.test:unit: &test-unit\n  variables: {A: "1"}\njob:\n  <<: [*build-linux, *test-unit]\n  script: make\n',
    });
    expect(findings.filter((f) => f.ruleId === 'gitlab-unused-template')).toEqual([]);
  });

  it('12. a GitLab-hosted macOS runner image is not a container image to pin', async () => {
    const findings = await lint({ '.gitlab-ci.yml': 'build:\n  image: macos-26-xcode-26\n  tags: [saas-macos-medium-m1]\n  script: xcodebuild\n' });
    expect(findings.filter((f) => f.ruleId === 'gitlab-image-pinned')).toEqual([]);
  });
});

describe('include-only libraries', () => {
  it('a CI fragment library named by gitlabCi is said once, not drowned in stage errors', async () => {
    const findings = await lint({ 'ci/lib.yml': 'lint:\n  stage: check\n  script: make lint\npackage:\n  stage: package\n  script: make package\n' }, ['ci/lib.yml'], ['ci/*.yml']);
    expect(errors(findings)).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'gitlab-stage').map((f) => `${f.severity}/${f.messageId}`)).toEqual(['info/includeOnly']);
  });

  it('a root .gitlab-ci.yml with undeclared stages is still an error', async () => {
    const findings = await lint({ '.gitlab-ci.yml': 'lint:\n  stage: check\n  script: make lint\n' });
    expect(errors(findings)).toEqual(['.gitlab-ci.yml:2 gitlab-stage/undeclaredStage']);
  });
});

describe('GitLab duration and expression grammars', () => {
  it('reads durations as ChronicDuration does', () => {
    const ok = ['1 week', '3 days', '1h 30m', '90', '1:30:00', '2 hours and 20 min', '1.5h', 'one day', 'day'];
    const bad = ['1 wek', '3 dayz', '0 minutes', 'soon'];
    expect(ok.filter((d) => !parseGitlabDuration(d).ok)).toEqual([]);
    expect(bad.filter((d) => parseGitlabDuration(d).ok)).toEqual([]);
  });

  it('accepts GitLab expressions and says why a broken one fails', () => {
    const ok = ['$A', '$A == "x"', "$A != 'x' && ($B || $C == null)", '$A =~ /^v\\d+$/i', '${A}=="x"'];
    expect(ok.filter((e) => expressionProblem(e) !== undefined)).toEqual([]);
    expect(expressionProblem('$A = "x"')).toContain("'='");
    expect(expressionProblem('$A == main')).toContain("'main'");
    expect(expressionProblem('($A')).toContain('parenthesis');
    expect(expressionProblem('$A ==')).toContain('needs a value');
  });
});
