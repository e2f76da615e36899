import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { CLI } from './cli.js';

export { makeCertificate } from '../../src/bench/webhook.js';

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  certFingerprint: string;
}

export function post(port: number, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, urlPath = '/validate?timeout=10s'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers, certFingerprint: fingerprint }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function get(port: number, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: urlPath, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, certFingerprint: '' }));
    })
      .on('error', reject)
      .end();
  });
}

export function review(uid: string, object: unknown, extra: Record<string, unknown> = {}, apiVersion = 'admission.k8s.io/v1'): string {
  return JSON.stringify({ apiVersion, kind: 'AdmissionReview', request: { uid, operation: 'CREATE', object, ...extra } });
}

export const namespace = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, annotations },
});

export interface ServeProcess {
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stderr(): string;
  stdout(): string;
}

/** `meshguard serve <args>` as a child process, its output collected; `env` is added to this process's. */
export function spawnServe(args: readonly string[], cwd: string, env: Record<string, string> = {}): ServeProcess {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd, env: { ...process.env, ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

/** The port from the "listening" log line; rejects when the process exits first. */
export function listeningPort(serve: ServeProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = /"msg":"listening","port":(\d+)/.exec(serve.stderr());
      if (match) {
        serve.child.stderr!.off('data', check);
        resolve(Number(match[1]));
      }
    };
    serve.child.stderr!.on('data', check);
    void serve.exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${serve.stderr()}`)));
  });
}

/** The log lines of a server, parsed. */
export function logEntries(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
