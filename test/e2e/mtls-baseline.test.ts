import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runMeshguard } from '../helpers/cli.js';
import { expectedFindings } from '../helpers/expectations.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    istio-injection: enabled\n`;
const deployment = (name: string, ns: string, extraPodLabels = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels:\n      app: ${name}\n` +
  `  template:\n    metadata:\n      labels:\n        app: ${name}\n${extraPodLabels}    spec:\n      containers:\n        - name: app\n          image: registry.example.com/${name}:1.0\n` +
  `          ports:\n            - containerPort: 8080\n            - containerPort: 5701\n`;
const pa = (name: string, ns: string, body: string) =>
  `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${body}`;

const MESH = pa('default', 'istio-system', '  mtls:\n    mode: STRICT\n');
const PAYMENTS_BASE = `${namespace('payments')}---\n${deployment('ledger', 'payments')}`;
const PAYMENTS_HEAD =
  `${PAYMENTS_BASE}---\n` +
  pa('ledger-hazelcast', 'payments', '  selector:\n    matchLabels:\n      app: ledger\n  portLevelMtls:\n    5701:\n      mode: DISABLE\n');
const SEARCH_BASE = `${namespace('search')}---\n${deployment('indexer', 'search')}---\n${pa('indexer', 'search', '  selector:\n    matchLabels:\n      app: indexer\n  mtls:\n    mode: STRICT\n')}`;
const SEARCH_HEAD = `${namespace('search')}---\n${deployment('indexer', 'search')}`;
const BATCH_BASE = `${namespace('batch')}---\n${deployment('reporter', 'batch')}`;
const BATCH_HEAD = `${namespace('batch')}---\n${deployment('reporter', 'batch', '        sidecar.istio.io/inject: "false"\n')}`;

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

/** A real repository: `main` with a STRICT mesh, a feature branch that weakens it three ways. */
function makeRepository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-mtls-baseline-'));
  git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(path.join(dir, 'k8s'));
  writeFileSync(path.join(dir, 'k8s/mesh.yaml'), MESH);
  writeFileSync(path.join(dir, 'k8s/payments.yaml'), PAYMENTS_BASE);
  writeFileSync(path.join(dir, 'k8s/search.yaml'), SEARCH_BASE);
  writeFileSync(path.join(dir, 'k8s/batch.yaml'), BATCH_BASE);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base: STRICT everywhere');
  git(dir, 'checkout', '-qb', 'feature');
  writeFileSync(path.join(dir, 'k8s/payments.yaml'), PAYMENTS_HEAD);
  writeFileSync(path.join(dir, 'k8s/search.yaml'), SEARCH_HEAD);
  writeFileSync(path.join(dir, 'k8s/batch.yaml'), BATCH_HEAD);
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'head: weaker');
  return dir;
}

describe('mtls-no-downgrade in merge-request mode (real git repository)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeRepository();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports each regression against the base revision as new, at its head file:line', async () => {
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'main', '--format', 'json'], { cwd: dir });
    expect(run.stderr).toBe('');
    const { findings } = JSON.parse(run.stdout);
    const regressions = findings
      .filter((f: any) => f.ruleId === 'mtls-no-downgrade' && ['weakerThanBase', 'strictPolicyRemoved', 'lostSidecar'].includes(f.messageId))
      .map((f: any) => ({ at: `${f.file}:${f.line}`, messageId: f.messageId, suppressed: Boolean(f.suppressed), message: f.message }));
    expect(regressions.map((r: any) => [r.at, r.messageId, r.suppressed])).toEqual([
      [`k8s/batch.yaml:${lineOf(BATCH_HEAD, 'sidecar.istio.io/inject')}`, 'lostSidecar', false],
      [`k8s/payments.yaml:${lineOf(PAYMENTS_HEAD, 'mode: DISABLE')}`, 'weakerThanBase', false],
      [`k8s/search.yaml:${lineOf(SEARCH_HEAD, '      labels:\n        app: indexer')}`, 'strictPolicyRemoved', false],
    ]);
    const [lost, weaker, removed] = regressions;
    expect(lost.message).toContain('Deployment batch/reporter');
    expect(weaker.message).toContain('Deployment payments/ledger port 5701 was STRICT (mesh-wide PeerAuthentication istio-system/default)');
    expect(removed.message).toContain(`STRICT workload PeerAuthentication search/indexer (k8s/search.yaml:${lineOf(SEARCH_BASE, 'kind: PeerAuthentication') + 2}`);
    expect(removed.message).toContain('Deployment search/indexer is now STRICT');
    // Messages name the ref the user compared with.
    expect(weaker.message).toContain("weaker than at the merge request's base (main)");
    expect(removed.message).toContain("at the merge request's base (main)) was removed");

    // Everything else meshguard finds in this small tree was already there at the base: suppressed.
    const live = findings.filter((f: any) => !f.suppressed).map((f: any) => `${f.file}:${f.line} ${f.messageId}`);
    expect(live.sort()).toEqual(
      [
        ...regressions.map((r: any) => `${r.at} ${r.messageId}`),
        // The static check sees the same port entry as weaker than the mesh-wide policy.
        `k8s/payments.yaml:${lineOf(PAYMENTS_HEAD, 'mode: DISABLE')} portDowngrade`,
      ].sort(),
    );
    expect(run.code).toBe(1);
  });

  it('runs none of this without --baseline', async () => {
    const run = await runMeshguard(['check', 'k8s', '--format', 'json'], { cwd: dir });
    const { findings } = JSON.parse(run.stdout);
    expect(findings.filter((f: any) => ['weakerThanBase', 'strictPolicyRemoved', 'lostSidecar'].includes(f.messageId))).toEqual([]);
  });

  it('passes a merge request that changes nothing about mTLS', async () => {
    const run = await runMeshguard(['check', 'k8s', '--baseline', 'HEAD', '--format', 'json'], { cwd: dir });
    const { findings } = JSON.parse(run.stdout);
    expect(findings.filter((f: any) => !f.suppressed)).toEqual([]);
  });
});

/**
 * The integrated platform as a merge request: `main` holds fixtures/platform/good, the branch turns it into
 * fixtures/platform/bad. Every planted problem is new, and the two planted mTLS relaxations are also reported
 * as weaker than the base: the payments namespace policy (STRICT -> PERMISSIVE) and Hazelcast's port 5701.
 */
describe('the platform tree as a merge request (good -> bad)', () => {
  it('reports every planted problem as new, plus the two mTLS regressions against the base', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-platform-mr-'));
    try {
      git(dir, 'init', '-q', '-b', 'main');
      cpSync(path.join(REPO_ROOT, 'fixtures/platform/good'), path.join(dir, 'platform'), { recursive: true });
      git(dir, 'add', '.');
      git(dir, 'commit', '-qm', 'the platform, compliant');
      git(dir, 'checkout', '-qb', 'feature');
      rmSync(path.join(dir, 'platform'), { recursive: true });
      cpSync(path.join(REPO_ROOT, 'fixtures/platform/bad'), path.join(dir, 'platform'), { recursive: true });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'the platform, with problems');

      const run = await runMeshguard(['check', 'platform', '--baseline', 'main', '--today', '2026-11-26', '--format', 'json'], { cwd: dir });
      const { findings } = JSON.parse(run.stdout);
      const live = findings.filter((f: any) => !f.suppressed);
      const regressions = live.filter((f: any) => f.messageId === 'weakerThanBase' || f.messageId === 'strictPolicyRemoved' || f.messageId === 'lostSidecar');
      const markLine = (file: string, needle: string): number =>
        readFileSync(path.join(dir, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
      expect(regressions.map((f: any) => `${f.file}:${f.line} ${f.messageId}`)).toEqual([
        `platform/payments/namespace.yaml:${markLine('platform/payments/namespace.yaml', 'mode: PERMISSIVE # expect')} weakerThanBase`,
        `platform/search/workloads.yaml:${markLine('platform/search/workloads.yaml', 'mode: DISABLE # expect')} weakerThanBase`,
      ]);
      expect(regressions[0].message).toContain('Deployment payments/payments-api was STRICT (namespace-wide PeerAuthentication payments/default)');
      expect(regressions[1].message).toContain('StatefulSet search/hazelcast port 5701 was STRICT (mesh-wide PeerAuthentication istio-system/default)');

      // Everything else that is live is exactly the planted marks: the base had none of it.
      const marks = (file: string) => expectedFindings(path.join(dir, file)).map((m) => `${file}:${m}`);
      const files = readdirSync(path.join(dir, 'platform'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => `platform/${f.split(path.sep).join('/')}`);
      expect(
        live
          .filter((f: any) => !regressions.includes(f))
          .map((f: any) => `${f.file}:${f.line}:${f.ruleId}`)
          .sort(),
      ).toEqual(files.flatMap(marks).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
