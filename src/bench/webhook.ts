import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './processes.js';
import { percentile } from './stats.js';

export interface LoadResult {
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const ECHO = fileURLToPath(new URL('./echo-server.js', import.meta.url));

/**
 * A self-signed certificate for localhost and 127.0.0.1 (openssl from the OS), in a fresh directory unless
 * one is given. The webhook tests make theirs with this too.
 */
export function makeCertificate(dir = mkdtempSync(path.join(tmpdir(), 'meshguard-bench-tls-')), name = 'tls'): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

/**
 * Start a server process and wait for its "listening" log line. `meshguard`: another build's CLI, extra
 * `serve` flags, environment, Node flags and a file descriptor for its stdout (for A/B runs and profiles).
 */
export function startServer(
  kind: 'meshguard' | 'echo',
  tls: { cert: string; key: string },
  inventory?: string,
  meshguard: { cli?: string; args?: readonly string[]; env?: Record<string, string>; nodeArgs?: readonly string[]; stdout?: number } = {},
): Promise<{ port: number; process: ChildProcess }> {
  const args =
    kind === 'meshguard'
      ? [...(meshguard.nodeArgs ?? []), meshguard.cli ?? CLI, 'serve', '--cert', tls.cert, '--key', tls.key, '--port', '0', '--host', '127.0.0.1', ...(inventory ? ['--inventory', inventory] : []), ...(meshguard.args ?? [])]
      : [ECHO, tls.cert, tls.key];
  const child = spawn(process.execPath, args, { stdio: ['ignore', meshguard.stdout ?? 'ignore', 'pipe'], env: { ...process.env, ...meshguard.env } });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start: ${log}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      // From here on only drain the per-request logs: holding them would make the client the bottleneck.
      child.stderr!.off('data', onData);
      child.stderr!.resume();
      resolve({ port: Number(match[1]), process: child });
    };
    child.stderr!.on('data', onData);
  });
}

/**
 * A closed-loop load generator on loopback: `concurrency` keep-alive connections each sending the next
 * request as soon as the previous answer arrived, `requests` in all. Latency is measured per request.
 */
export async function generateLoad(port: number, bodies: readonly string[], requests: number, concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const send = (body: string): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(
        { host: '127.0.0.1', port, path: '/validate?timeout=10s', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      await send(bodies[i % bodies.length]!);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests, concurrency, seconds, perSecond: requests / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}
