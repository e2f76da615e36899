import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MeshguardConfig } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { actualFindings, expectedFindings } from '../helpers/expectations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function withRules(rules: MeshguardConfig['rules']): MeshguardConfig {
  return { ...DEFAULT_CONFIG, rules };
}

describe('schema rules over whole directories', () => {
  it('finds nothing in a valid tree of built-in, Istio and custom kinds', async () => {
    const inputs = ['good.yaml', 'crd-pair/crd.yaml'].map((f) => `fixtures/rules/schema-validation/${f}`);
    inputs.push('fixtures/rules/schema-unknown-kind/good.yaml', 'fixtures/rules/schema-deprecated-api/good.yaml');
    const result = await runCheck({ root: ROOT, inputs, config: DEFAULT_CONFIG, today: '2026-11-26' });
    expect(result.resources).toBe(24);
    // The mesh guardrails have opinions on these objects too; this test is about schemas.
    expect(result.findings.filter((f) => f.ruleId.startsWith('schema-'))).toEqual([]);
  });

  it('validates custom resources against a CRD from the same directory, in the same run', async () => {
    const dir = 'fixtures/rules/schema-validation/crd-pair';
    const result = await runCheck({ root: ROOT, inputs: [dir], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const expected = [...expectedFindings(path.join(ROOT, dir, 'crd.yaml')), ...expectedFindings(path.join(ROOT, dir, 'widgets.yaml'))];
    expect(actualFindings(result.findings.filter((f) => f.file.endsWith('widgets.yaml'))).sort()).toEqual(expected.sort());
    const colour = result.findings.find((f) => f.messageId === 'unknownField');
    expect(colour).toMatchObject({
      file: `${dir}/widgets.yaml`,
      line: 32,
      column: 3,
      path: '/spec/colour',
      message: "unknown field 'colour' in Widget spec (did you mean 'color'?)",
      related: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com' }],
    });
  });

  it('without the CRD the same custom resources are only noted as unvalidated', async () => {
    const file = 'fixtures/rules/schema-validation/crd-pair/widgets.yaml';
    const result = await runCheck({ root: ROOT, inputs: [file], config: DEFAULT_CONFIG, today: '2026-11-26' });
    expect(result.findings.map((f) => [f.ruleId, f.messageId, f.severity])).toEqual([
      ['schema-unknown-kind', 'noSchema', 'info'],
      ['schema-unknown-kind', 'noSchema', 'info'],
      ['schema-unknown-kind', 'noSchema', 'info'],
    ]);
  });

  it('reports typos, enums and types with exact positions and readable messages', async () => {
    const file = 'fixtures/rules/schema-validation/bad.yaml';
    const result = await runCheck({ root: ROOT, inputs: [file], config: DEFAULT_CONFIG, today: '2026-11-26' });
    const byLine = new Map(result.findings.map((f) => [f.line, f]));
    expect(byLine.get(8)).toMatchObject({
      column: 3,
      messageId: 'unknownField',
      path: '/spec/replica',
      message: "unknown field 'replica' in Deployment spec (did you mean 'replicas'?)",
    });
    expect(byLine.get(40)).toMatchObject({
      column: 5,
      messageId: 'invalidEnum',
      path: '/spec/mtls/mode',
      message: "spec.mtls.mode must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got 'strict' (values are case-sensitive)",
    });
    expect(byLine.get(25)).toMatchObject({
      column: 15,
      messageId: 'wrongType',
      message: 'spec.template.spec.containers[0].env[0].value must be a string, got integer 8080 (quote it: "8080")',
    });
    expect(byLine.get(89)).toMatchObject({ messageId: 'missingField', path: '/spec/selector', message: "missing required field 'selector' in StatefulSet spec" });
  });

  it('unknownFields: warning softens only the unknown-field findings; ignore drops them', async () => {
    const file = 'fixtures/rules/schema-validation/bad.yaml';
    const warn = await runCheck({ root: ROOT, inputs: [file], config: withRules({ 'schema-validation': { options: { unknownFields: 'warning' } } }) });
    const unknown = warn.findings.filter((f) => f.messageId === 'unknownField');
    expect(unknown.length).toBe(4);
    expect(new Set(unknown.map((f) => f.severity))).toEqual(new Set(['warning']));
    expect(warn.findings.find((f) => f.messageId === 'invalidEnum')?.severity).toBe('error');
    const ignore = await runCheck({ root: ROOT, inputs: [file], config: withRules({ 'schema-validation': { options: { unknownFields: 'ignore' } } }) });
    expect(ignore.findings.filter((f) => f.messageId === 'unknownField')).toEqual([]);
    expect(ignore.findings.length).toBe(warn.findings.length - 4);
  });

  it('judges API versions against the configured Kubernetes version', async () => {
    const bad = 'fixtures/rules/schema-deprecated-api/bad.yaml';
    const old = await runCheck({ root: ROOT, inputs: [bad], config: withRules({ 'schema-deprecated-api': { options: { kubernetesVersion: '1.24' } } }) });
    expect(old.findings.filter((f) => f.ruleId === 'schema-deprecated-api').map((f) => [f.line, f.messageId, f.severity])).toEqual([
      [2, 'deprecatedApi', 'warning'], // policy/v1beta1 PDB: deprecated 1.21, removed 1.25
      [10, 'deprecatedApi', 'warning'], // autoscaling/v2beta2: deprecated 1.23, removed 1.26
      [16, 'removedApi', 'error'], // extensions/v1beta1 Ingress: removed 1.22
      [22, 'deprecatedApi', 'warning'], // batch/v1beta1 CronJob: removed 1.25
    ]);
    const good = 'fixtures/rules/schema-deprecated-api/good.yaml';
    const older = await runCheck({ root: ROOT, inputs: [good], config: withRules({ 'schema-deprecated-api': { options: { kubernetesVersion: '1.20' } } }) });
    expect(older.findings.map((f) => [f.line, f.messageId])).toEqual([
      [2, 'notYetServed'],
      [13, 'notYetServed'],
      [25, 'notYetServed'],
    ]);
    expect(older.findings[1]?.message).toBe('autoscaling/v2 HorizontalPodAutoscaler is served from Kubernetes 1.23 on, but the target is 1.20');
  });

  it('rejects a malformed kubernetesVersion when the config loads', async () => {
    await expect(
      runCheck({ root: ROOT, inputs: [], config: withRules({ 'schema-deprecated-api': { options: { kubernetesVersion: 'v1.30' } } }) }),
    ).rejects.toThrow(/kubernetesVersion/);
  });
});

describe('schema-unknown-kind severities', () => {
  it('warns on a near miss of a known kind, notes the rest', async () => {
    const file = 'fixtures/rules/schema-unknown-kind/bad.yaml';
    const result = await runCheck({ root: ROOT, inputs: [file], config: DEFAULT_CONFIG, today: '2026-11-26' });
    expect(result.findings.map((f) => [f.line, f.messageId, f.severity])).toEqual([
      [2, 'noSchema', 'info'],
      [11, 'unknownKind', 'warning'],
      [17, 'unknownKind', 'info'],
    ]);
  });
});
