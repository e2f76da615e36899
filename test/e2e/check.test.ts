import { readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { sarifValidator } from '../helpers/schemas.js';
import { tempDir } from '../helpers/tmp.js';

const TODAY = ['--today', '2026-11-26'];
const WAIVER_BAD = 'fixtures/rules/waiver/bad.yaml';

function tempRepo(): string {
  return tempDir('meshguard-e2e-');
}

describe('meshguard check (built CLI)', () => {
  it('prints stylish findings grouped by file with line:column, and exits 1', async () => {
    const run = await runMeshguard(['check', 'fixtures/rules/waiver', ...TODAY]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`${WAIVER_BAD}\n`);
    expect(run.stdout).toMatch(/^\s+17:5\s+error\s+waiver for 'injection-labels' expired on 2020-06-30/m);
    expect(run.stdout).toMatch(/7 problems \(7 errors, 0 warnings, 0 infos\), 1 suppressed/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('reports exact positions across multi-document files in JSON', async () => {
    const run = await runMeshguard(['check', WAIVER_BAD, '--format', 'json', ...TODAY]);
    const { findings, summary } = JSON.parse(run.stdout);
    const at = findings.map((f: any) => `${f.file}:${f.line}:${f.column} ${f.ruleId}/${f.messageId} ${f.resource.kind}/${f.resource.name}`);
    expect(at).toEqual([
      `${WAIVER_BAD}:6:5 injection-labels/badNamespaceValue Namespace/legacy`,
      `${WAIVER_BAD}:8:5 waiver/missingReason Namespace/legacy`,
      `${WAIVER_BAD}:15:5 injection-labels/badNamespaceValue Namespace/legacy-two`,
      `${WAIVER_BAD}:17:5 waiver/expired Namespace/legacy-two`,
      `${WAIVER_BAD}:18:5 waiver/unknownRule Namespace/legacy-two`,
      `${WAIVER_BAD}:25:5 injection-labels/badNamespaceValue Namespace/legacy-three`,
      `${WAIVER_BAD}:27:5 waiver/badExpiry Namespace/legacy-three`,
    ]);
    expect(findings[0]).toMatchObject({ endLine: 6, path: '/metadata/labels/istio-injection', suppressed: false });
    expect(summary).toMatchObject({ errors: 7 });
  });

  it('keeps waived findings as suppressed and does not fail on them', async () => {
    const run = await runMeshguard(['check', 'fixtures/rules/waiver/good.yaml', '--format', 'json', ...TODAY]);
    expect(run.code).toBe(0);
    const { findings } = JSON.parse(run.stdout);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'injection-labels', line: 7, suppressed: { kind: 'waiver', justification: 'owned by the vendor chart until the 2099 migration', expires: '2099-01-01' } });
  });

  it('emits SARIF 2.1.0 that validates against the official schema, with regions and suppressions', async () => {
    const run = await runMeshguard(['check', 'fixtures/rules/waiver', '--format', 'sarif', ...TODAY]);
    const log = JSON.parse(run.stdout);
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = log.runs[0].results;
    const expired = results.find((r: any) => r.message.text.includes('expired on 2020-06-30'));
    expect(expired.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: WAIVER_BAD }, region: { startLine: 17, startColumn: 5 } });
    const suppressed = results.filter((r: any) => r.suppressions?.length);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0].suppressions[0]).toMatchObject({ kind: 'inSource' });
    const ruleIds = log.runs[0].tool.driver.rules.map((r: any) => r.id);
    expect(ruleIds).toEqual(expect.arrayContaining(['injection-labels', 'waiver', 'yaml-syntax']));
  });

  it('writes several report formats in one run', async () => {
    const dir = tempRepo();
    const run = await runMeshguard([
      'check', 'fixtures/rules', ...TODAY, '--format', 'json',
      '--report', `codequality=${dir}/gl-code-quality.json`,
      '--report', `junit=${dir}/reports/junit.xml`,
      '--report', `sarif=${dir}/meshguard.sarif`,
    ]);
    expect(run.code).toBe(1);
    const stdoutFindings = JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed);

    const quality = JSON.parse(readFileSync(`${dir}/gl-code-quality.json`, 'utf8'));
    expect(quality).toHaveLength(stdoutFindings.length);
    expect(new Set(quality.map((q: any) => q.fingerprint)).size).toBe(quality.length);
    for (const issue of quality) {
      expect(issue.location.path).not.toMatch(/^(\.\/|\/)/);
      expect(Number.isInteger(issue.location.lines.begin)).toBe(true);
    }

    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(`${dir}/reports/junit.xml`, 'utf8'));
    expect(Number(junit.testsuites['@_failures'])).toBeGreaterThan(0);
    expect(sarifValidator()(JSON.parse(readFileSync(`${dir}/meshguard.sarif`, 'utf8')))).toBe(true);
  });

  it('code quality fingerprints are stable when lines move', async () => {
    const dir = tempRepo();
    const original = readFileSync(path.join(REPO_ROOT, WAIVER_BAD), 'utf8');
    writeFileSync(path.join(dir, 'm.yaml'), original);
    const before = JSON.parse((await runMeshguard(['check', 'm.yaml', '--format', 'codequality', ...TODAY], { cwd: dir })).stdout);
    writeFileSync(path.join(dir, 'm.yaml'), `# a comment\n# and another\n${original}`);
    const after = JSON.parse((await runMeshguard(['check', 'm.yaml', '--format', 'codequality', ...TODAY], { cwd: dir })).stdout);
    expect(after.map((q: any) => q.fingerprint)).toEqual(before.map((q: any) => q.fingerprint));
    expect(after.map((q: any) => q.location.lines.begin)).toEqual(before.map((q: any) => q.location.lines.begin + 2));
  });

  it('honours --fail-on', async () => {
    expect((await runMeshguard(['check', WAIVER_BAD, '--fail-on', 'none', ...TODAY])).code).toBe(0);
    expect((await runMeshguard(['check', 'fixtures/malformed/helm-template.yaml', ...TODAY])).code).toBe(0);
    expect((await runMeshguard(['check', 'fixtures/malformed/helm-template.yaml', '--fail-on', 'warning', ...TODAY])).code).toBe(1);
  });

  it('reports only findings in the named files with --only, using the whole tree as context', async () => {
    const dir = tempRepo();
    cpSync(path.join(REPO_ROOT, 'fixtures/rules/waiver'), dir, { recursive: true });
    const run = await runMeshguard(['check', '--only', 'good.yaml', '--format', 'json', ...TODAY], { cwd: dir });
    const { findings } = JSON.parse(run.stdout);
    expect(new Set(findings.map((f: any) => f.file))).toEqual(new Set(['good.yaml']));
    expect(run.code).toBe(0);
  });

  it('survives the malformed-input set: a finding per file, no stack trace', async () => {
    const run = await runMeshguard(['check', 'fixtures/malformed', '--format', 'json', ...TODAY]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const files = new Set(JSON.parse(run.stdout).findings.map((f: any) => f.file));
    expect(files.size).toBe(12);
    expect(run.stdout).not.toMatch(/at .*\.js:\d+:\d+/);
  });
});

describe('unusable arguments exit 2 with a message', () => {
  it.each([
    [['check', '--format', 'xml'], /unknown format 'xml'/],
    [['check', 'no/such/dir'], /no such file or directory: no\/such\/dir/],
    [['check', '--report', 'sarif'], /--report expects FORMAT=PATH/],
    [['check', '--fail-on', 'sometimes'], /--fail-on must be/],
    [['check', '--bogus'], /^meshguard: unknown option --bogus \(see 'meshguard help check'\)\n$/],
    [['check', '--formt', 'json'], /^meshguard: unknown option --formt \(did you mean --format\?\)\n$/],
    [['chek'], /^meshguard: unknown command 'chek' \(did you mean check\?\)\n$/],
    [['check', '--today', '2027-13-45'], /^meshguard: --today must be a date as YYYY-MM-DD, got '2027-13-45'\n$/],
    [['check', '--today', '2027-02-29'], /--today must be a date/],
    [['check', '--format'], /^meshguard: option --format needs a value <fmt>\n$/],
    [['check', '--only'], /--only needs the changed files/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('meshguard %j', async (args, message) => {
    const run = await runMeshguard(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+:\d+/);
    // One line naming the problem: no help dump, no internal error.
    expect(run.stderr).toMatch(/^meshguard: [^\n]+\n$/);
    expect(run.stderr).not.toContain('internal error');
    expect(run.stdout).toBe('');
  });

  it('points at the offending key of a bad configuration', async () => {
    const dir = tempRepo();
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'include: ["**/*.yaml"]\nmesh:\n  rootNamespace: istio-system\n  injectByDefualt: true\n');
    const run = await runMeshguard(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("meshguard: .meshguard.yaml:4:3: unknown key 'injectByDefualt' in 'mesh'\n");
  });

  it('rejects an unknown rule in the configuration', async () => {
    const dir = tempRepo();
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'rules:\n  no-such-rule: off\n');
    writeFileSync(path.join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
    const run = await runMeshguard(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown rule 'no-such-rule'");
  });
});

describe('meshguard rules / init', () => {
  it('lists rules as text, json and markdown', async () => {
    const text = await runMeshguard(['rules']);
    expect(text.stdout).toMatch(/^injection-labels\s+error\s+Sidecar injection switches must be unambiguous$/m);
    const json = JSON.parse((await runMeshguard(['rules', '--format', 'json'])).stdout);
    expect(json.find((r: any) => r.id === 'waiver')).toMatchObject({ severity: 'error', helpUri: expect.stringMatching(/docs\/rules\/waiver\.md$/) });
    expect((await runMeshguard(['rules', '--format', 'markdown'])).stdout).toContain('| [`yaml-syntax`]');
  });

  it('writes a starter configuration that meshguard accepts, and will not overwrite it', async () => {
    const dir = tempRepo();
    mkdirSync(path.join(dir, 'k8s'));
    writeFileSync(path.join(dir, 'k8s/ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
    expect((await runMeshguard(['init'], { cwd: dir })).code).toBe(0);
    expect((await runMeshguard(['init'], { cwd: dir })).code).toBe(2);
    const run = await runMeshguard(['check'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('inputs outside the working directory', () => {
  it('checks a directory given by absolute path outside the repository', async () => {
    const dir = tempDir('meshguard-outside-');
    mkdirSync(path.join(dir, 'team'));
    writeFileSync(path.join(dir, 'team/ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    istio-injection: "true"\n');
    const run = await runMeshguard(['check', dir, '--format', 'json']);
    const { findings, summary } = JSON.parse(run.stdout);
    expect(summary.files).toBe(1);
    expect(findings[0]).toMatchObject({ ruleId: 'injection-labels', line: 6 });
  });

  it('says so, with exit 2, when a directory or glob holds nothing to check', async () => {
    const dir = tempDir('meshguard-empty-');
    const empty = await runMeshguard(['check', dir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no files to check in');
    const glob = await runMeshguard(['check', 'fixtures/**/*.nothing']);
    expect(glob.code).toBe(2);
    expect(glob.stderr).toContain('no files match fixtures/**/*.nothing');
  });
});

describe("meshguard's own manifests", () => {
  it('the webhook deployment, the component and the project pipeline pass every rule', async () => {
    const run = await runMeshguard(['check', 'deploy', 'templates', '.gitlab-ci.yml', '--format', 'json', '--fail-on', 'info']);
    expect(JSON.parse(run.stdout).findings).toEqual([]);
    expect(run.code).toBe(0);
  });
});
