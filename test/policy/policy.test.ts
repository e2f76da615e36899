import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { matches } from '../../src/policy/gatekeeper.js';
import { readOpaBundle } from '../../src/policy/bundle.js';
import { loadPolicyRules } from '../../src/policy/index.js';
import { runPolicyBuild } from '../../src/rego/cli.js';
import { createAdmissionReviewer } from '../../src/server/admission.js';
import { runPolicyCommand } from '../../src/cli/policy.js';
import { tempTree } from '../helpers/tmp.js';


const workspace = (files: Record<string, string>): string => tempTree(files, 'meshguard-policy-');

const NATIVE = `# METADATA
# title: Services name their owner
# description: Every Service carries an owner label.
# related_resources:
#   - ref: https://example.com/owner
# custom:
#   id: service-owner
#   severity: warning
#   kinds: [Service]
package platform.owner

import rego.v1

deny contains {"msg": sprintf("Service %s has no owner label", [input.metadata.name]), "path": "/metadata/labels", "messageId": "noOwner"} if {
	not input.metadata.labels.owner
}

deny contains {"msg": "NodePort", "path": ["spec", "type"], "severity": "error"} if input.spec.type == "NodePort"
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  type: NodePort
`;

describe('Rego policies as rules', () => {
  it('turns METADATA into rule metadata and {msg, path} into exact positions', async () => {
    const dir = workspace({ 'policy/owner.rego': NATIVE, 'svc.yaml': SERVICE });
    const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config: { ...DEFAULT_CONFIG, policies: ['policy'] }, rules: [], today: '2026-11-26' });
    const meta = result.rules.find((m) => m.id === 'service-owner');
    expect(meta).toMatchObject({ title: 'Services name their owner', severity: 'warning', helpUri: 'https://example.com/owner', appliesTo: { family: 'kubernetes', kinds: ['Service'] } });
    const at = result.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}/${f.messageId} ${f.severity} ${f.message}`);
    expect(at).toEqual(['5:3 service-owner/noOwner warning Service web has no owner label', '8:3 service-owner/deny error NodePort']);
  });

  it('passes rule options from .meshguard.yaml as data.meshguard.options, validated against custom.options', async () => {
    const policy = `# METADATA
# title: Services use an allowed type
# custom:
#   id: service-type
#   kinds: [Service]
#   options:
#     type: object
#     properties:
#       allowed: {type: array, items: {type: string}}
#     additionalProperties: false
package platform.type

import rego.v1

allowed := object.get(data.meshguard.options, ["service-type", "allowed"], ["ClusterIP"])

deny contains {"msg": sprintf("type %s is not one of %v", [input.spec.type, allowed]), "path": ["spec", "type"]} if {
	not input.spec.type in allowed
}
`;
    const dir = workspace({ 'policy/type.rego': policy, 'svc.yaml': SERVICE });
    const run = (rules: Record<string, unknown>) => runCheck({ root: dir, inputs: ['svc.yaml'], config: { ...DEFAULT_CONFIG, policies: ['policy'], rules: rules as never }, today: '2026-11-26' });
    const messages = async (rules: Record<string, unknown>) => (await run(rules)).findings.filter((f) => f.ruleId === 'service-type').map((f) => `${f.line}:${f.column} ${f.message}`);
    expect(await messages({})).toEqual(['8:3 type NodePort is not one of ["ClusterIP"]']);
    expect(await messages({ 'service-type': { options: { allowed: ['ClusterIP', 'NodePort'] } } })).toEqual([]);
    expect(await messages({ 'service-type': { options: { allowed: ['LoadBalancer'] } } })).toEqual(['8:3 type NodePort is not one of ["LoadBalancer"]']);
    await expect(run({ 'service-type': { options: { alowed: ['NodePort'] } } })).rejects.toThrow(/unknown option 'alowed' in 'rules\.service-type\.options'/);
  });

  it('honours waivers and severity settings like for TypeScript rules', async () => {
    const waived = SERVICE.replace('  labels:\n', '  annotations:\n    waive.meshguard.io/service-owner: "legacy service (OPS-1); expires=2030-01-01"\n  labels:\n');
    const dir = workspace({ 'policy/owner.rego': NATIVE, 'svc.yaml': waived });
    const config = { ...DEFAULT_CONFIG, policies: ['policy/*.rego'], rules: { 'service-owner': { severity: 'info' as const } } };
    const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config, today: '2026-11-26' });
    const own = result.findings.filter((f) => f.ruleId === 'service-owner');
    expect(own).toHaveLength(2);
    expect(own.every((f) => f.suppressed?.kind === 'waiver' && f.severity === 'info')).toBe(true);
    expect(result.findings.filter((f) => f.ruleId === 'waiver')).toEqual([]);
  });

  it('caches compiled modules by content', async () => {
    const dir = workspace({ 'policy/owner.rego': NATIVE });
    const cacheDir = path.join(dir, 'cache');
    const first = await loadPolicyRules({ root: dir, patterns: ['policy'], cacheDir });
    const entries = readdirSync(cacheDir).sort();
    expect(entries.filter((e) => e.endsWith('.wasm'))).toHaveLength(1);
    const second = await loadPolicyRules({ root: dir, patterns: ['policy'], cacheDir });
    expect(second.map((r) => r.meta)).toEqual(first.map((r) => r.meta));
    expect(readdirSync(cacheDir).sort()).toEqual(entries);
    writeFileSync(path.join(dir, 'policy/owner.rego'), NATIVE.replace('has no owner label', 'lacks an owner label'));
    await loadPolicyRules({ root: dir, patterns: ['policy'], cacheDir });
    expect(readdirSync(cacheDir).filter((e) => e.endsWith('.wasm'))).toHaveLength(2);
  });

  it('loads precompiled modules by their entrypoints (conftest names)', async () => {
    const dir = workspace({ 'src/main.rego': 'package main\nimport rego.v1\nwarn contains "no replicas" if not input.spec.replicas\n' });
    const built = await runPolicyBuild([path.join(dir, 'src'), '-e', 'main/warn', '-o', path.join(dir, 'policy.wasm')]);
    expect(built.exitCode).toBe(0);
    const rules = await loadPolicyRules({ root: dir, patterns: ['policy.wasm'], cacheDir: false });
    expect(rules.map((r) => [r.meta.id, r.meta.severity])).toEqual([['main-warn', 'warning']]);
  });

  it('loads OPA bundles (tar.gz): their wasm modules, with their data files under data', async () => {
    const policy = 'package main\nimport rego.v1\ndeny contains msg if {\n\tnot input.spec.type in data.platform.network.allowed_types\n\tmsg := sprintf("type %s is not allowed", [input.spec.type])\n}\n';
    const dir = workspace({ 'src/main.rego': policy, 'svc.yaml': SERVICE });
    const bundle = path.join(dir, 'bundle');
    // A module path past the 100 bytes of a tar header's name field needs a long-name record.
    const modules = path.join(bundle, 'modules', 'a-directory-name-long-enough-to-need-a-long-name-record/'.repeat(3));
    mkdirSync(modules, { recursive: true });
    mkdirSync(path.join(bundle, 'platform', 'network'), { recursive: true });
    expect((await runPolicyBuild([path.join(dir, 'src'), '-e', 'main/deny', '-o', path.join(modules, 'policy.wasm')])).exitCode).toBe(0);
    writeFileSync(path.join(bundle, '.manifest'), JSON.stringify({ revision: 'r1', roots: [''] }));
    const findings = async (allowed: string[], format: string) => {
      writeFileSync(path.join(bundle, 'platform', 'network', 'data.json'), JSON.stringify({ allowed_types: allowed }));
      execFileSync('tar', ['-czf', path.join(dir, `${format}.tar.gz`), `--format=${format}`, '-C', bundle, '.']);
      const rules = await loadPolicyRules({ root: dir, patterns: [`${format}.tar.gz`], cacheDir: false });
      const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config: DEFAULT_CONFIG, rules, today: '2026-11-26' });
      return result.findings.filter((f) => f.ruleId === 'main-deny').map((f) => f.message);
    };
    // Both long-name encodings real tools write: GNU tar's `L` records and PAX (Go's archive/tar, hence opa build).
    for (const format of ['gnu', 'pax']) {
      expect(await findings(['ClusterIP'], format)).toEqual(['type NodePort is not allowed']);
      expect(await findings(['ClusterIP', 'NodePort'], format)).toEqual([]);
    }

    writeFileSync(path.join(dir, 'broken.tar.gz'), 'not a bundle');
    await expect(loadPolicyRules({ root: dir, patterns: ['broken.tar.gz'], cacheDir: false })).rejects.toThrow(/cannot read the bundle broken.tar.gz: not a gzip file/);
    expect(() => readOpaBundle(gzipSync(Buffer.alloc(1_000_000)), 100_000)).toThrow(/inflates to more than 100000 bytes: refused/);
    writeFileSync(path.join(dir, 'text.tar.gz'), gzipSync('x'.repeat(2048)));
    await expect(loadPolicyRules({ root: dir, patterns: ['text.tar.gz'], cacheDir: false })).rejects.toThrow(/not a tar archive \(bad header checksum at byte 0\)/);
  });

  it('evaluates every package in one module: an undefined rule leaves the others their findings', async () => {
    const dir = workspace({
      'p/main.rego': 'package main\nimport rego.v1\ndeny := "deployments only" if input.kind == "Deployment"\n',
      'p/other.rego': 'package other\nimport rego.v1\ndeny contains msg if {\n\tinput.kind == "Service"\n\tmsg := sprintf("service %s", [input.metadata.name])\n}\n',
      'svc.yaml': SERVICE,
    });
    const rules = await loadPolicyRules({ root: dir, patterns: ['p'], namespaces: ['*'], cacheDir: false });
    const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config: DEFAULT_CONFIG, rules, today: '2026-11-26' });
    expect(result.findings.filter((f) => f.ruleId.startsWith('main-') || f.ruleId.startsWith('other-')).map((f) => `${f.ruleId}: ${f.message}`)).toEqual(['other-deny: service web']);
  });

  it('reports a rule that fails the shared evaluation once per rule, naming the failing rule', async () => {
    const dir = workspace({
      'p/main.rego': 'package main\nimport rego.v1\ndeny contains "main finding" if input.kind == "Service"\n',
      'p/bad.rego': 'package bad\nimport rego.v1\ndeny := "a" if input.kind == "Service"\n\ndeny := "b" if input.kind == "Service"\n',
      'svc.yaml': SERVICE,
    });
    const rules = await loadPolicyRules({ root: dir, patterns: ['p'], namespaces: ['*'], cacheDir: false });
    const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config: DEFAULT_CONFIG, rules, today: '2026-11-26' });
    const crashes = result.findings.filter((f) => f.ruleId === 'internal-error');
    expect(crashes.map((f) => f.message.replace(/:.*$/s, ''))).toEqual(["rule 'bad-deny' failed on this resource", "rule 'main-deny' failed on this resource"]);
    for (const crash of crashes) expect(crash.message).toMatch(/p\/bad\.rego:\d+:\d+: eval_conflict_error/);
  });

  it('combine mode gives policies every resource at once', async () => {
    const policy = 'package main\nimport rego.v1\ndeny contains {"msg": sprintf("%d Services", [count(input)]), "resource": {"kind": "Service", "name": "b"}} if count(input) > 1\n';
    const dir = workspace({ 'p/main.rego': policy, 'a.yaml': SERVICE, 'b.yaml': SERVICE.replace('name: web', 'name: b') });
    const result = await runCheck({ root: dir, inputs: ['a.yaml', 'b.yaml'], config: DEFAULT_CONFIG, rules: [], policies: ['p'], combine: true, today: '2026-11-26' });
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual(['b.yaml:4 2 Services']);
  });

  it('matches Gatekeeper constraints by kinds, namespaces and label selectors', () => {
    const { resources } = parseSourceText({
      path: 'tree.yaml',
      text: `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sX
metadata: {name: c}
spec:
  match:
    kinds: [{apiGroups: ["apps"], kinds: ["Deployment"]}]
    excludedNamespaces: ["kube-*"]
    labelSelector: {matchExpressions: [{key: tier, operator: In, values: [web]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: shop, labels: {tier: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: kube-system, labels: {tier: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: c, namespace: shop, labels: {tier: db}}
---
apiVersion: v1
kind: Service
metadata: {name: d, namespace: shop, labels: {tier: web}}
`,
    }, DEFAULT_CONFIG);
    const [constraint, ...others] = resources;
    const inventory = new Inventory(resources);
    expect(others.map((r) => matches(constraint!, r, inventory))).toEqual([true, false, false, false]);
  });

  it('the admission webhook runs the shipped Rego guardrails', () => {
    const review = createAdmissionReviewer({ today: '2026-11-26' });
    const outcome = review({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u1', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { 'istio-injection': 'true' } } } },
    });
    expect(outcome.outcome).toBe('denied');
    expect(outcome.findings.map((f) => f.ruleId)).toContain('injection-labels');
  });

  it('policy build writes a manifest so precompiled native policies keep their METADATA', async () => {
    const dir = workspace({ 'policy/owner.rego': NATIVE, 'svc.yaml': SERVICE });
    const built = await runPolicyCommand(['build', 'policy', '-e', 'platform/owner/deny', '-o', 'owner.wasm'].map((a, i) => (i === 1 || i === 5 ? path.join(dir, a) : a)), dir);
    expect(built.exitCode).toBe(0);
    const result = await runCheck({ root: dir, inputs: ['svc.yaml'], config: DEFAULT_CONFIG, rules: [], policies: ['owner.wasm'], today: '2026-11-26' });
    expect(result.findings.map((f) => `${f.ruleId} ${f.severity} ${f.messageId}`)).toEqual(['service-owner warning noOwner', 'service-owner error deny']);
  });

  it('policy test fails (exit 1) on a failing or erroring test', async () => {
    const dir = workspace({ 'p/a.rego': 'package a\nimport rego.v1\nx := 1\n', 'p/a_test.rego': 'package a_test\nimport rego.v1\ntest_ok if data.a.x == 1\ntest_bad if data.a.x == 2\ntodo_later if false\n' });
    const run = await runPolicyCommand(['test', 'p', '--verbose'], dir);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('data.a_test.test_ok: PASS');
    expect(run.stdout).toContain('data.a_test.test_bad: FAIL');
    expect(run.stdout).toMatch(/PASS: 1\/3\nFAIL: 1\/3\nSKIPPED: 1\/3/);
  });
});
