import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMeshguard } from '../helpers/cli.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-issue14-'));
  created.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  write(dir, files);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
}

// The open NetworkPolicy has been there for months; it only matters once a port bypasses the sidecar.
const NAMESPACE =
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cache\n  labels:\n    istio-injection: enabled\n---\n' +
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: redis\n  namespace: cache\nspec:\n  podSelector:\n    matchLabels: {app: redis}\n  policyTypes: [Ingress]\n  ingress:\n    - ports:\n        - port: 6379\n';
const CACHE =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: redis\n  namespace: cache\nspec:\n  selector:\n    matchLabels: {app: redis}\n  template:\n    metadata:\n      labels: {app: redis}\n' +
  '      annotations:\n        traffic.sidecar.istio.io/excludeInboundPorts: "6379"\n        meshguard.io/capture-bypass-reason: "Redis cluster bus announces pod IPs (CACHE-12)"\n' +
  '    spec:\n      containers:\n        - name: redis\n          image: registry.example.com/redis:7.2\n          ports: [{containerPort: 6379}]\n';

describe('pre-commit (--only): a finding the staged file causes on an unchanged file (issue 14, item 12)', () => {
  it('is reported, with the staged file as its related location in every format', async () => {
    const dir = repository({ 'k8s/ns.yaml': NAMESPACE });
    write(dir, { 'k8s/cache.yaml': CACHE });
    git(dir, 'add', 'k8s/cache.yaml');

    const run = await runMeshguard(['check', '--only', 'k8s/cache.yaml', '--format', 'json'], { cwd: dir });
    const findings = JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed);
    const exposure = findings.find((f: any) => f.ruleId === 'capture-bypass-bulkhead');
    // The open rule is in ns.yaml (line 18: the ingress rule without `from`), the bypass that makes it matter in cache.yaml.
    expect(exposure).toMatchObject({ messageId: 'admitsEveryone', file: 'k8s/ns.yaml', line: 18 });
    expect(exposure.related).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'cache', name: 'redis', file: 'k8s/cache.yaml', line: 4, column: 3 },
    ]);
    expect(run.code).toBe(1);
    // Findings that neither sit on nor point at the staged file stay out (the namespace's missing Sidecar).
    expect(findings.every((f: any) => f.file === 'k8s/cache.yaml' || f.related.some((r: any) => r.file === 'k8s/cache.yaml'))).toBe(true);

    const sarif = JSON.parse((await runMeshguard(['check', '--only', 'k8s/cache.yaml', '--format', 'sarif'], { cwd: dir })).stdout);
    const result = sarif.runs[0].results.find((r: any) => r.ruleId === 'capture-bypass-bulkhead');
    expect(result.relatedLocations).toEqual([
      {
        id: 0,
        physicalLocation: { artifactLocation: { uri: 'k8s/cache.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 4, startColumn: 3 } },
        message: { text: 'Deployment/cache/redis' },
      },
    ]);
    const quality = JSON.parse((await runMeshguard(['check', '--only', 'k8s/cache.yaml', '--format', 'codequality'], { cwd: dir })).stdout);
    expect(quality.find((i: any) => i.check_name === 'capture-bypass-bulkhead').description).toContain('(related: Deployment/cache/redis at k8s/cache.yaml:4:3)');
  });

  it('is not reported when the staged file has nothing to do with it', async () => {
    const dir = repository({ 'k8s/ns.yaml': NAMESPACE, 'k8s/cache.yaml': CACHE });
    write(dir, { 'k8s/other.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: cache\ndata: {}\n' });
    const run = await runMeshguard(['check', '--only', 'k8s/other.yaml', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(run.stdout).findings).toEqual([]);
    expect(run.code).toBe(0);
  });
});

describe('merge request (--baseline): a namespace policy downgraded with its only workload (issue 14, item 10)', () => {
  const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    istio-injection: enabled\n---\n';
  const ledger = (podLabels: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\n  namespace: payments\nspec:\n  selector:\n    matchLabels: {app: ledger}\n  template:\n    metadata:\n      labels:\n        app: ledger\n${podLabels}    spec:\n      containers: [{name: ledger, image: registry.example.com/ledger:1.0}]\n`;
  const policy = (mode: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: payments\nspec:\n  mtls:\n    mode: ${mode}\n`;

  it('reports the policy itself as weaker than at the base, besides the lost sidecar', async () => {
    const dir = repository({ 'k8s/payments.yaml': namespace + ledger(''), 'k8s/mtls.yaml': policy('STRICT') });
    git(dir, 'checkout', '-qb', 'feature');
    write(dir, { 'k8s/payments.yaml': namespace + ledger('        sidecar.istio.io/inject: "false"\n'), 'k8s/mtls.yaml': policy('PERMISSIVE') });
    git(dir, 'commit', '-qam', 'ledger leaves the mesh, payments goes PERMISSIVE');

    const run = await runMeshguard(['check', 'k8s', '--baseline', 'main', '--format', 'json'], { cwd: dir });
    const live = JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed && f.ruleId === 'mtls-no-downgrade');
    const weakened = live.find((f: any) => f.messageId === 'weakerThanBase');
    expect(weakened).toMatchObject({ file: 'k8s/mtls.yaml', line: 8 });
    expect(weakened.message).toContain("namespace payments was STRICT (namespace-wide PeerAuthentication payments/default) at the base revision");
    expect(live.some((f: any) => f.messageId === 'lostSidecar' && f.file === 'k8s/payments.yaml')).toBe(true);
    expect(run.code).toBe(1);
  });

  it('stays quiet when the policy keeps its mode', async () => {
    const dir = repository({ 'k8s/payments.yaml': namespace + ledger(''), 'k8s/mtls.yaml': policy('STRICT') });
    git(dir, 'checkout', '-qb', 'feature');
    write(dir, { 'k8s/mtls.yaml': `# reviewed\n${policy('STRICT')}` });
    git(dir, 'commit', '-qam', 'comment only');
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'main', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed && f.ruleId === 'mtls-no-downgrade')).toEqual([]);
  });
});
