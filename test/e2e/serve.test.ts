import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { makeCertificate } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

interface Reply {
  status: number;
  body: string;
  certFingerprint: string;
}

function post(port: number, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, urlPath = '/validate?timeout=10s'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), certFingerprint: fingerprint }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: urlPath, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certFingerprint: '' }));
    })
      .on('error', reject)
      .end();
  });
}

function review(uid: string, object: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, operation: 'CREATE', object, ...extra } });
}

const namespace = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, annotations },
});

describe('meshguard serve (real HTTPS server)', () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let stderr = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    dir = tempDir('meshguard-serve-');
    makeCertificate(dir, 'first');
    // Severity overrides make a warning-level rule to test the warnings path.
    writeFileSync(path.join(dir, '.meshguard.yaml'), 'rules:\n  waiver: warning\n');
    // The cluster snapshot: namespace payments already has its default Sidecar (cross-resource context).
    mkdirSync(path.join(dir, 'inventory'));
    writeFileSync(
      path.join(dir, 'inventory', 'payments.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: payments}\nspec:\n  egress: [{hosts: ["./*", "istio-system/*"]}]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n',
    );
    server = spawn(process.execPath, [CLI, 'serve', '--cert', path.join(dir, 'first.crt'), '--key', path.join(dir, 'first.key'), '--port', '0', '--host', '127.0.0.1', '--max-body-bytes', '65536', '--inventory', path.join(dir, 'inventory')], { cwd: dir });
    exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
    port = await new Promise<number>((resolve, reject) => {
      server.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /"msg":"listening","port":(\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      });
      setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 10_000);
    });
  });

  afterAll(() => {
    if (process.env.DEBUG_SERVE) console.log(stderr.split('\n').filter((l) => !l.includes('"admission review"')).join('\n'));
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows a compliant object, using the inventory snapshot for cross-resource rules', async () => {
    const reply = await post(port, review('u-allow', namespace('payments', { 'istio-injection': 'enabled' })));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-allow', allowed: true } });
  });

  it('denies with the rule id, the message and the JSON pointer', async () => {
    const reply = await post(port, review('u-deny', namespace('payments', { 'istio-injection': 'true' })));
    expect(JSON.parse(reply.body).response).toEqual({
      uid: 'u-deny',
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message: '[injection-labels] namespace label istio-injection="true" is neither "enabled" nor "disabled": Istio ignores it (at /metadata/labels/istio-injection)',
      },
    });
  });

  it('warns, never denies, when companion objects are missing (a Namespace comes before its Sidecar)', async () => {
    const reply = await post(port, review('u-new-ns', namespace('checkout', { 'istio-injection': 'enabled' })));
    const response = JSON.parse(reply.body).response;
    expect(response.allowed).toBe(true);
    expect(response.warnings.map((w: string) => w.slice(0, w.indexOf(']') + 1))).toEqual(['[egress-via-gateway]', '[sidecar-scope]']);
  });

  it('turns findings below the deny threshold into warnings of at most 256 characters, the bound the API documents', async () => {
    const reply = await post(port, review('u-warn', namespace('payments', { 'istio-injection': 'disabled' }, { 'waive.meshguard.io/no-such-rule': 'x' })));
    const response = JSON.parse(reply.body).response;
    expect(response.allowed).toBe(true);
    expect(response.warnings).toHaveLength(1);
    expect(response.warnings[0]).toMatch(/^\[waiver\] waiver names unknown rule 'no-such-rule'/);
    expect(response.warnings[0].length).toBeLessThanOrEqual(256);
  });

  it('respects waivers as the CI run does', async () => {
    const reply = await post(port, review('u-waived', namespace('legacy', { 'istio-injection': 'true' }, { 'waive.meshguard.io/injection-labels': 'vendor chart; expires=2099-01-01' })));
    expect(JSON.parse(reply.body).response).toEqual({ uid: 'u-waived', allowed: true });
  });

  it('answers dry-run requests the same way (the webhook has no side effects)', async () => {
    const reply = await post(port, review('u-dry', namespace('payments', { 'istio-injection': 'true' }), { dryRun: true }));
    expect(JSON.parse(reply.body).response).toMatchObject({ uid: 'u-dry', allowed: false });
  });

  it('allows a DELETE (no object) without evaluating', async () => {
    const reply = await post(port, review('u-del', null, { operation: 'DELETE' }));
    expect(JSON.parse(reply.body).response).toEqual({ uid: 'u-del', allowed: true });
  });

  it('refuses a malformed body, an oversized body and a wrong content type', async () => {
    expect(await post(port, '{"request": ')).toMatchObject({ status: 400, body: '{"error":"body is not valid JSON"}' });
    expect(await post(port, JSON.stringify({ kind: 'AdmissionReview' }))).toMatchObject({ status: 400 });
    const oversized = await post(port, review('u-big', { ...namespace('big', {}), data: 'x'.repeat(70_000) }));
    expect(oversized.status).toBe(413);
    expect(await post(port, review('u-type', namespace('a', {})), { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
  });

  it('loses no request in a concurrent burst', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(port, review(`burst-${i}`, namespace(`ns-${i}`, { 'istio-injection': i % 2 ? 'enabled' : 'yes' })))),
    );
    const responses = replies.map((r) => JSON.parse(r.body).response);
    expect(responses.map((r) => r.uid)).toEqual(Array.from({ length: 200 }, (_, i) => `burst-${i}`));
    expect(responses.map((r) => r.allowed)).toEqual(Array.from({ length: 200 }, (_, i) => i % 2 === 1));
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect(await get(port, '/healthz')).toMatchObject({ status: 200 });
    expect(await get(port, '/readyz')).toMatchObject({ status: 200 });
    const metrics = (await get(port, '/metrics')).body;
    expect(metrics).toMatch(/meshguard_admission_requests_total\{outcome="denied"\} \d+/);
    expect(metrics).toMatch(/meshguard_admission_findings_total\{rule="injection-labels",severity="error"\} \d+/);
    expect(metrics).toContain('meshguard_admission_duration_seconds_bucket');
  });

  it('writes structured JSON logs', () => {
    const entry = stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.uid === 'u-deny');
    expect(entry).toMatchObject({ level: 'info', msg: 'admission review', outcome: 'denied', allowed: false, findings: ['injection-labels'] });
  });

  it('reloads the certificate when the files change', async () => {
    const before = (await post(port, review('c1', namespace('a', {})))).certFingerprint;
    const next = makeCertificate(dir, 'second');
    renameSync(next.cert, path.join(dir, 'first.crt'));
    renameSync(next.key, path.join(dir, 'first.key'));
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await post(port, review('c2', namespace('a', {})))).certFingerprint;
    }
    expect(after).not.toBe(before);
    expect(readFileSync(path.join(dir, 'first.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('drains in-flight requests on SIGTERM and exits 0', async () => {
    const inFlight = Array.from({ length: 20 }, (_, i) => post(port, review(`drain-${i}`, namespace('a', {}))));
    await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGTERM');
    const replies = await Promise.allSettled(inFlight);
    // Requests accepted before the signal are answered; none is answered wrongly.
    for (const reply of replies) if (reply.status === 'fulfilled') expect(JSON.parse(reply.value.body).response.allowed).toBe(true);
    expect(replies.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"stopped"');
  });
});
