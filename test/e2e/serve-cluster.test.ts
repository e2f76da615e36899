import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runMeshguard } from '../helpers/cli.js';

function post(port: number, body: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A webhook for one cluster of the multi-cluster demo, started in the demo directory (the configuration's root). */
async function startFor(dir: string, cluster: string): Promise<{ server: ChildProcess; port: number; stderr: () => string }> {
  const server = spawn(process.execPath, [CLI, 'serve', '--cert', path.join(dir, 'tls.crt'), '--key', path.join(dir, 'tls.key'), '--port', '0', '--host', '127.0.0.1', '--inventory', '.', '--cluster', cluster], { cwd: dir });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    server.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
  });
  return { server, port, stderr: () => stderr };
}

const billing = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u-billing', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'billing', labels: { 'istio-injection': 'enabled' } } } },
});

describe('meshguard serve --cluster (one cluster\'s view of a multi-cluster inventory)', () => {
  let dir: string;
  const servers: ChildProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshguard-serve-cluster-'));
    cpSync(path.join(REPO_ROOT, 'fixtures/demo-multicluster/compliant'), dir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    // Only gke-eu-2 already scopes the billing namespace's proxies.
    writeFileSync(path.join(dir, 'clusters/gke-eu-2/billing.yaml'), 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: billing}\nspec:\n  egress: [{hosts: ["./*", "istio-system/*"]}]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n');
  });
  afterAll(() => {
    for (const server of servers) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("admits with the named cluster's inventory: its own paths plus shared", async () => {
    const eu2 = await startFor(dir, 'gke-eu-2');
    const eu1 = await startFor(dir, 'gke-eu-1');
    servers.push(eu2.server, eu1.server);
    const inEu2 = (await post(eu2.port, billing)).response;
    const inEu1 = (await post(eu1.port, billing)).response;
    expect((inEu2.warnings ?? []).some((w: string) => w.startsWith('[sidecar-scope]'))).toBe(false);
    expect(inEu1.warnings.some((w: string) => w.startsWith('[sidecar-scope]'))).toBe(true);
    // 5 shared objects + 6 of gke-eu-1's own.
    expect(eu1.stderr()).toMatch(/"msg":"inventory loaded","resources":11/);
  });

  it('refuses a cluster the configuration does not name', async () => {
    const run = await runMeshguard(['serve', '--cert', 'x', '--key', 'y', '--cluster', 'gke-nowhere'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('meshguard: --cluster gke-nowhere: no such cluster in the configuration (gke-eu-1, gke-eu-2, gke-us-1)\n');
  });
});
