import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';
import { expectedFindings } from '../helpers/expectations.js';
import { sarifValidator } from '../helpers/schemas.js';
import { tempDir } from '../helpers/tmp.js';

const MANIFESTS = 'fixtures/policies/manifests/apps.yaml';
const GATEKEEPER = ['fixtures/policies/gatekeeper/template.yaml', 'fixtures/policies/gatekeeper/constraint.yaml'];
const POLICY_RULES = new Set(['main-deny', 'main-deny-latest-tag', 'main-violation', 'main-warn', 'k8s-required-labels']);

/**
 * The acceptance run: a conftest policy directory (--policy) and a Gatekeeper template with its
 * constraint (found among the checked manifests) over fixtures, through the built CLI, asserted in the
 * SARIF and GitLab code-quality reports with file:line.
 */
describe('Rego policies end to end (built CLI)', () => {
  it('reports conftest and Gatekeeper findings with file:line in SARIF and code quality', async () => {
    const dir = tempDir('meshguard-policies-');
    const run = await runMeshguard([
      'check', MANIFESTS, ...GATEKEEPER,
      '--policy', 'fixtures/policies/conftest/policy',
      '--report', `sarif=${dir}/meshguard.sarif`,
      '--report', `codequality=${dir}/gl-code-quality.json`,
      '--format', 'json', '--today', '2026-11-26',
    ], { env: { MESHGUARD_CACHE_DIR: path.join(dir, 'cache') } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);

    const expected = expectedFindings(MANIFESTS).map((e) => `${MANIFESTS}:${e}`);
    const sarif = JSON.parse(readFileSync(`${dir}/meshguard.sarif`, 'utf8'));
    expect(sarifValidator()(sarif)).toBe(true);
    const sarifAt = sarif.runs[0].results
      .filter((r: any) => POLICY_RULES.has(r.ruleId) && !r.suppressions)
      .map((r: any) => `${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region.startLine}:${r.ruleId}`)
      .sort();
    expect(sarifAt).toEqual(expected.sort());
    const ruleIds = sarif.runs[0].tool.driver.rules.map((r: any) => r.id);
    for (const id of POLICY_RULES) expect(ruleIds).toContain(id);

    const codequality = JSON.parse(readFileSync(`${dir}/gl-code-quality.json`, 'utf8'));
    const cqAt = codequality
      .filter((i: any) => POLICY_RULES.has(i.check_name))
      .map((i: any) => `${i.location.path}:${i.location.lines?.begin ?? i.location.positions?.begin?.line}:${i.check_name}`)
      .sort();
    expect(cqAt).toEqual(expected.sort());
    const latest = codequality.find((i: any) => i.check_name === 'main-deny-latest-tag');
    expect(latest.description).toContain('registry.example.com/web:latest uses the latest tag');

    // The conftest exception spares legacy-batch's latest tag: listed as an exception, not failing,
    // as conftest reports it; warn rules are warnings.
    const { findings } = JSON.parse(run.stdout);
    const latestTag = findings.filter((f: any) => f.ruleId === 'main-deny-latest-tag');
    expect(latestTag.filter((f: any) => !f.suppressed).map((f: any) => f.resource.name)).toEqual(['web']);
    expect(latestTag.find((f: any) => f.resource.name === 'legacy-batch').suppressed).toEqual({
      kind: 'exception',
      justification: 'data.main.exception names "latest_tag" for this resource',
      expires: null,
    });
    const exceptedInSarif = sarif.runs[0].results.find((r: any) => r.ruleId === 'main-deny-latest-tag' && r.suppressions);
    expect(exceptedInSarif.suppressions[0]).toMatchObject({ kind: 'external', status: 'accepted' });
    expect(cqAt.some((at: string) => at.endsWith(':27:main-deny-latest-tag'))).toBe(false);
    expect(findings.find((f: any) => f.ruleId === 'main-warn').severity).toBe('warning');
    expect(findings.find((f: any) => f.ruleId === 'k8s-required-labels')).toMatchObject({ line: 4, column: 3, path: '/metadata/name', messageId: 'ns-must-have-team' });
  });

  it('runs the shipped guardrails\' Rego unit tests', async () => {
    const run = await runMeshguard(['policy', 'test', 'policies', '--verbose']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS: (\d+)\/\1\n/);
    expect(run.stdout).not.toContain('FAIL');
  });

  it('loads the libs of templates written in the code: [{engine: Rego, source: {rego, libs}}] layout', async () => {
    const run = await runMeshguard(['policy', 'verify', 'fixtures/policies/gatekeeper-code/suite.yaml']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('PASS: 3/3 assertions');
    expect(run.code).toBe(0);
  });

  it('reports a template whose Rego does not compile at its YAML line, and goes on with the run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-broken-template-'));
    try {
      const run = await runMeshguard(['check', 'fixtures/policies/gatekeeper-code/broken.yaml', 'fixtures/policies/gatekeeper-code/samples', '--format', 'json'], {
        env: { MESHGUARD_CACHE_DIR: path.join(dir, 'cache') },
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      const broken = JSON.parse(run.stdout).findings.filter((f: any) => f.ruleId === 'k8s-broken-labels');
      // Rego line 4, column 7 of the literal block whose header `rego: |` is on line 16, indented by 14.
      expect(broken).toEqual([expect.objectContaining({
        file: 'fixtures/policies/gatekeeper-code/broken.yaml', line: 20, column: 21, messageId: 'templateError',
        message: 'ConstraintTemplate k8sbrokenlabels does not compile: rego_type_error: undefined function has_label',
      })]);
      const verify = await runMeshguard(['policy', 'verify', 'fixtures/policies/gatekeeper-code/broken-suite.yaml']);
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain('undefined function has_label (rego line 4:7)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies a conftest exception defined in another file of the package', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-exceptions-'));
    try {
      const run = await runMeshguard(['check', 'fixtures/policies/conftest-exceptions/deployments.yaml', '--policy', 'fixtures/policies/conftest-exceptions/policy', '--format', 'json'], {
        env: { MESHGUARD_CACHE_DIR: path.join(dir, 'cache') },
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      const privileged = JSON.parse(run.stdout).findings.filter((f: any) => f.ruleId === 'main-deny-privileged');
      expect(privileged.map((f: any) => [f.resource.name, f.suppressed ? f.suppressed.kind : 'reported'])).toEqual([['web', 'reported'], ['node-agent', 'exception']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives policies data files with -d, laid out as conftest -d does, in check and policy test', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-data-'));
    const fixture = 'fixtures/policies/conftest-data';
    try {
      const env = { env: { MESHGUARD_CACHE_DIR: path.join(dir, 'cache') } };
      const run = await runMeshguard(['check', `${fixture}/services.yaml`, '-p', `${fixture}/policy`, '-d', `${fixture}/data`, '--format', 'json'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      const policyFindings = JSON.parse(run.stdout).findings.filter((f: any) => f.ruleId.startsWith('main-'));
      expect(policyFindings.map((f: any) => [f.ruleId, f.line, f.message])).toEqual([
        ['main-deny', 4, 'Service ssh exposes blocked port 22'],
        ['main-warn', 13, 'Service web has no known team label'],
      ]);
      const tests = await runMeshguard(['policy', 'test', `${fixture}/policy`, '--data', `${fixture}/data`]);
      expect(tests.stdout).toContain('PASS: 1/1');
      expect(tests.code).toBe(0);
      const missing = await runMeshguard(['check', `${fixture}/services.yaml`, '-p', `${fixture}/policy`, '-d', `${fixture}/nope`], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`meshguard: --data ${fixture}/nope: no such file or directory\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs Gatekeeper suites with policy verify', async () => {
    const run = await runMeshguard(['policy', 'verify', 'fixtures/policies/gatekeeper/suite.yaml']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('PASS: 3/3 assertions');
  });
});
