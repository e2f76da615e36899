import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { findOnPath } from '../../src/render/tools.js';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';

const TODAY = ['--today', '2026-12-03'];
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function copy(from: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-multicluster-'));
  temps.push(dir);
  cpSync(path.join(REPO_ROOT, from), dir, { recursive: true });
  return dir;
}
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

describe('multi-cluster checks (built CLI)', () => {
  it('compares each cluster with its own base revision in a merge request, and --only reports per changed file', async () => {
    const dir = copy('fixtures/demo-multicluster/compliant');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'base');
    // The merge request relaxes mTLS in one cluster.
    const file = path.join(dir, 'clusters/gke-eu-2/payments.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    mode: STRICT\n', '    mode: PERMISSIVE\n'));
    const run = await runMeshguard(['check', '.', '--baseline', 'main', '--format', 'json', ...TODAY], { cwd: dir });
    const live = JSON.parse(run.stdout).findings.filter((f: any) => !f.suppressed);
    expect(live.map((f: any) => `${f.file}:${f.line} ${f.ruleId} [${f.scopes.names.join(', ')}]`)).toEqual([
      'clusters/gke-eu-1/payments.yaml:40 cluster-mtls-consistency [gke-eu-1]',
      'clusters/gke-eu-2/payments.yaml:40 cluster-mtls-consistency [gke-eu-2]',
      'clusters/gke-eu-2/payments.yaml:40 cluster-mtls-consistency [gke-eu-2]',
      'clusters/gke-eu-2/payments.yaml:40 mtls-no-downgrade [gke-eu-2]',
      // In merge-request mode the namespace-wide policy weakened on the branch is also a downgrade of the policy itself.
      'clusters/gke-eu-2/payments.yaml:40 mtls-no-downgrade [gke-eu-2]',
      'clusters/gke-us-1/payments.yaml:40 cluster-mtls-consistency [gke-us-1]',
    ]);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'head');
    const only = await runMeshguard(['check', '--only', 'clusters/gke-eu-1/payments.yaml', '--format', 'json', ...TODAY], { cwd: dir });
    expect(JSON.parse(only.stdout).findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['clusters/gke-eu-1/payments.yaml:40 cluster-mtls-consistency']);
  });

  it('refuses a configuration whose clusters repeat a name or whose control plane is no cluster, with the position', () => {
    expect(() => parseConfig('clusters:\n  - {name: a, paths: [x]}\n  - {name: a, paths: [y]}\n', '.meshguard.yaml')).toThrow(".meshguard.yaml:3:6: cluster 'a' is listed twice");
    expect(() => parseConfig('clusters:\n  - {name: a, paths: [x]}\ncontrolPlane: b\n', '.meshguard.yaml')).toThrow(".meshguard.yaml:3:1: controlPlane 'b' is not one of the clusters (a)");
  });

  it('changes nothing without clusters: configured', async () => {
    const dir = copy('fixtures/demo-multicluster/compliant');
    rmSync(path.join(dir, '.meshguard.yaml'));
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const findings = JSON.parse(run.stdout).findings;
    // One flat tree: no cluster names, no cross-cluster rule.
    expect(findings.every((f: any) => f.scopes === null && !f.ruleId.startsWith('cluster-'))).toBe(true);
  });

  it.skipIf(!findOnPath('kustomize') && !findOnPath('kubectl'))('takes Kustomize overlays as clusters: each rendered root is the cluster it is listed under', async () => {
    const dir = copy('fixtures/render/kustomize');
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'clusters:\n  - name: prod-eu\n    paths: [overlays/prod]\n  - name: staging-eu\n    paths: [overlays/staging]\n');
    const run = await runMeshguard(['check', '.', '--format', 'json', ...TODAY], { cwd: dir });
    const findings = JSON.parse(run.stdout).findings;
    const at = findings.map((f: any) => `${f.file}:${f.line} ${f.ruleId} [${f.scopes?.kind} ${f.scopes?.names.join(', ')}]`);
    expect(at).toContain('overlays/prod/replicas.yaml:7 schema-validation [cluster prod-eu]');
    expect(at).toContain('overlays/staging/hazelcast-bypass.json:6 capture-bypass-justified [cluster staging-eu]');
    expect(findings.every((f: any) => f.scopes?.kind === 'cluster')).toBe(true);
  });
});
