import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { MeshguardConfig } from '../config/types.js';
import type { AdmissionOptions } from './admission.js';
import { AdmissionMetrics } from './metrics.js';
import { epochNow, rejected, unevaluatedAnswer, type AnswerBody } from './protocol.js';
import { batchedStderrLog, reviewLogger } from './log.js';
import { STAGES_FILE, StageLog } from './stages.js';
import { WorkerPool, WorkerStartError } from './workers.js';

export interface ServeOptions extends Pick<AdmissionOptions, 'denyOn' | 'warnOn' | 'failurePolicy' | 'timeoutMs' | 'today'> {
  config: MeshguardConfig;
  /** Where the configuration's `policies:` are resolved (the working directory of `meshguard serve`). */
  root: string;
  certFile: string;
  keyFile: string;
  port?: number;
  host?: string;
  /** Path the ValidatingWebhookConfiguration calls; the API server's `?timeout=` query is ignored. */
  path?: string;
  /** Directory of manifests giving cross-resource context; reloaded when it changes. */
  inventoryDir?: string;
  /** Multi-cluster mode: admit with this cluster's view of the inventory (its paths + shared). */
  cluster?: string;
  /** Requests with larger bodies are refused with 413 (Kubernetes objects are at most ~1.5 MiB in etcd). */
  maxBodyBytes?: number;
  /** Evaluation threads (default 2: one stays warm while another is replaced). */
  workers?: number;
  /** Open connections beyond this are dropped at once (default 1024). */
  maxConnections?: number;
  /** Time for the TLS handshake and for the request headers, each (default 5 s). */
  headerTimeoutMs?: number;
  /** Time to receive a whole request (default 10 s). */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** After SIGTERM, how long /readyz says 503 while requests are still served, so endpoints drop the pod first. */
  shutdownGraceMs?: number;
  /** Then, how long a graceful shutdown waits for in-flight requests. */
  drainTimeoutMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface RunningServer {
  port: number;
  metrics: AdmissionMetrics;
  /** Go unready, keep serving for the grace period, stop accepting, answer in-flight requests, then close. */
  shutdown(): Promise<void>;
  /** Resolves once the server has fully closed. */
  closed: Promise<void>;
}

/** The server cannot start (a file, the port, a policy): the message names what and why. */
export class ServerStartError extends Error {}

const JSON_TYPE = /^application\/json(\s*;.*)?$/i;

export async function startAdmissionServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? batchedStderrLog();
  const logReview = reviewLogger(log);
  const webhookPath = options.path ?? '/validate';
  const maxBodyBytes = options.maxBodyBytes ?? 3 * 1024 * 1024;
  const headerTimeoutMs = options.headerTimeoutMs ?? 5_000;
  const failurePolicy = options.failurePolicy ?? 'Fail';
  const timeoutMs = options.timeoutMs ?? 200;
  const metrics = new AdmissionMetrics();
  const stageLog = STAGES_FILE ? new StageLog(STAGES_FILE) : undefined;

  // Everything that can be wrong with the arguments is found before anything starts, and said plainly.
  const credentials = await readCredentials(options.certFile, options.keyFile, ServerStartError);
  if (options.inventoryDir !== undefined) {
    const info = await stat(options.inventoryDir).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) throw new ServerStartError(`--inventory ${options.inventoryDir}: ${describeFsError(info)}`);
    if (!info.isDirectory()) throw new ServerStartError(`--inventory ${options.inventoryDir}: not a directory`);
  }

  const pool = await WorkerPool.start({
    settings: {
      config: options.config,
      root: options.root,
      ...(options.inventoryDir !== undefined ? { inventoryDir: options.inventoryDir } : {}),
      ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
      ...(options.denyOn ? { denyOn: options.denyOn } : {}),
      ...(options.warnOn ? { warnOn: options.warnOn } : {}),
      ...(options.today ? { today: options.today } : {}),
      failurePolicy,
      timeoutMs,
    },
    size: options.workers ?? 2,
    timeoutMs,
    onStuck: (body, why) => unevaluatedAnswer(body, failurePolicy, why),
    log,
  }).catch((error: unknown) => {
    throw error instanceof WorkerStartError ? new ServerStartError(error.message) : error;
  });
  let draining = false;

  const server: Server = createServer(
    {
      cert: credentials.cert,
      key: credentials.key,
      handshakeTimeout: headerTimeoutMs,
      headersTimeout: headerTimeoutMs,
      requestTimeout: Math.max(headerTimeoutMs, options.requestTimeoutMs ?? 10_000),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // How often the header and request timeouts are enforced (Node's default, 30 s, lets slow clients linger).
      connectionsCheckingInterval: Math.min(1_000, headerTimeoutMs),
    },
    (req, res) => {
      // No promise without a handler: whatever goes wrong, the client is answered and the server keeps serving.
      handle(req, res).catch((error: unknown) => {
        log({ level: 'error', msg: 'request failed', error: String(error) });
        if (!res.headersSent) send(res, 500, json({ error: 'internal error' }));
        else res.destroy();
      });
    },
  );
  server.maxConnections = options.maxConnections ?? 1024;
  // A socket that stalls mid-response (a reader that stops reading) is closed, not kept forever.
  server.setTimeout(Math.max(30_000, options.requestTimeoutMs ?? 10_000));
  // A failed or timed-out handshake (a client that connects and says nothing) frees its connection slot.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Kept-alive clients are told to reconnect (to a pod that stays) once shutdown has begun.
    if (draining) res.setHeader('connection', 'close');
    const pathname = pathOf(req.url ?? '/');
    if (pathname === undefined) return send(res, 400, json({ error: 'malformed request target' }));
    if (req.method === 'GET' && pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (req.method === 'GET' && pathname === '/readyz') return send(res, draining ? 503 : 200, draining ? 'not ready\n' : 'ready\n', 'text/plain');
    if (req.method === 'GET' && pathname === '/metrics') return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
    if (pathname !== webhookPath) return send(res, 404, json({ error: `no route ${pathname.slice(0, 200)}` }));
    if (req.method !== 'POST') return send(res, 405, json({ error: 'use POST' }));

    const started = performance.now();
    const startedAt = stageLog ? epochNow() : 0;
    const reject = (code: number, error: string): void => {
      metrics.observe('rejected', (performance.now() - started) / 1000);
      log({ level: 'warn', msg: 'request rejected', code, error });
      send(res, code, json({ error }));
    };
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return reject(415, 'Content-Type must be application/json');
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBodyBytes) {
      req.resume();
      return reject(413, `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'aborted') return; // the client went away: nobody to answer
    if (body === 'too-large') return reject(413, `body exceeds the ${maxBodyBytes}-byte limit`);
    const bodyReadAt = stageLog ? epochNow() : 0;
    const answer: AnswerBody = await pool.review(body).catch((error: unknown) => rejected(500, `internal error: ${String(error)}`));
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(answer.outcome, seconds, answer.findings);
    logReview(answer.outcome === 'rejected', answer.log, Math.round(seconds * 1e6) / 1e3);
    send(res, answer.status, answer.body);
    stageLog?.add([startedAt, bodyReadAt, ...(answer.stamps ?? Array<number>(6).fill(Number.NaN)), epochNow()]);
  }

  const watchers: FSWatcher[] = [];
  const closeWatchers = (): void => {
    for (const watcher of watchers.splice(0)) watcher.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8443, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await pool.close();
    throw new ServerStartError(`cannot listen on ${options.host ?? '0.0.0.0'}:${options.port ?? 8443}: ${describeFsError(error as NodeJS.ErrnoException)}`);
  }
  // After a successful start only: a failed start must leave nothing running that keeps the process alive.
  server.on('error', (error) => log({ level: 'error', msg: 'server error', error: String(error) }));
  watchers.push(...watchCertificates(options.certFile, options.keyFile, credentials.fingerprint, (next) => server.setSecureContext(next), log));
  if (options.inventoryDir) {
    const reload = debounce(() => pool.reloadInventory(), 300);
    try {
      watchers.push(watch(options.inventoryDir, { recursive: true }, () => reload()).on('error', () => undefined));
    } catch (error) {
      log({ level: 'warn', msg: 'cannot watch the inventory directory; it will not be reloaded', error: String(error) });
    }
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8443);
  log({ level: 'info', msg: 'listening', port, path: webhookPath, warmUpReviews: pool.warmUp?.reviews, warmUpMs: pool.warmUp?.ms });

  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedResolve = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      // Unready first: the endpoints controller takes the pod out of the Service while it still answers
      // every request that reaches it (the API server keeps sending until then).
      draining = true;
      closeWatchers();
      const graceMs = options.shutdownGraceMs ?? 5_000;
      log({ level: 'info', msg: 'shutting down: unready, still serving', graceMs });
      if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
      log({ level: 'info', msg: 'draining' });
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await pool.close();
      stageLog?.write();
      log({ level: 'info', msg: 'stopped' });
      closedResolve();
    })();
    return shuttingDown;
  };
  return { port, metrics, shutdown, closed };
}

/** The path of a request target (origin-form or absolute-form); undefined when it cannot be parsed. */
function pathOf(target: string): string | undefined {
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

interface Credentials {
  cert: Buffer;
  key: Buffer;
  fingerprint: string;
}

/** Read and check the certificate and key together; the error names the file and the problem. */
async function readCredentials(certFile: string, keyFile: string, Failure: new (message: string) => Error): Promise<Credentials> {
  const read = async (file: string, flag: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new Failure(`${flag} ${file}: ${describeFsError(error as NodeJS.ErrnoException)}`);
    }
  };
  const [cert, key] = await Promise.all([read(certFile, '--cert'), read(keyFile, '--key')]);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Failure(`--cert ${certFile}: not a PEM certificate (no BEGIN CERTIFICATE block)`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new Failure(`--key ${keyFile}: not a PEM private key (no BEGIN PRIVATE KEY block)`);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = String((error as { reason?: string }).reason ?? (error as Error).message);
    const what = /mismatch/i.test(reason) ? 'the key does not belong to the certificate' : `unusable certificate or key (${reason})`;
    throw new Failure(`--cert ${certFile} / --key ${keyFile}: ${what}`);
  }
  return { cert, key, fingerprint: createHash('sha256').update(cert).update('\0').update(key).digest('hex') };
}

/**
 * Reload the certificate when the certificate or key file changes, and only then. The directories are
 * watched (Kubernetes updates a mounted Secret by swapping the `..data` symlink, which a watch on the file
 * itself would miss), but only events naming those files or `..data` count; bursts are debounced and a
 * reload happens only when the content differs from what is served. A log file written next to the
 * certificate therefore causes nothing.
 */
function watchCertificates(
  certFile: string,
  keyFile: string,
  servedFingerprint: string,
  apply: (context: { cert: Buffer; key: Buffer }) => void,
  log: (entry: Record<string, unknown>) => void,
): FSWatcher[] {
  let served = servedFingerprint;
  const reload = debounce(async () => {
    try {
      const next = await readCredentials(certFile, keyFile, Error);
      if (next.fingerprint === served) return;
      apply(next);
      served = next.fingerprint;
      log({ level: 'info', msg: 'certificate reloaded' });
    } catch (error) {
      // Mid-rotation the key may not match the certificate yet: the next event retries.
      log({ level: 'error', msg: 'certificate reload failed; keeping the previous one', error: (error as Error).message });
    }
  }, 200);
  const names = new Map<string, Set<string>>();
  for (const file of [certFile, keyFile]) {
    const dir = path.dirname(path.resolve(file));
    if (!names.has(dir)) names.set(dir, new Set(['..data']));
    names.get(dir)!.add(path.basename(file));
  }
  const watchers: FSWatcher[] = [];
  for (const [dir, relevant] of names) {
    try {
      watchers.push(
        watch(dir, (_event, filename) => {
          if (filename === null || relevant.has(String(filename))) reload();
        }).on('error', () => undefined),
      );
    } catch {
      // A directory that cannot be watched only means no automatic reload.
    }
  }
  return watchers;
}

function describeFsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EADDRNOTAVAIL':
      return 'address not available on this machine';
    case 'ENOTFOUND':
      return 'unknown host';
    default:
      return error.code ? `${error.code} (${error.message})` : error.message;
  }
}

/**
 * The body, or why there is none: a client that disconnects mid-body is not an error of ours. The bytes are
 * copied into an array of their own size: a Buffer from Node's pool (bodies under 4 KiB) would be posted to
 * the evaluation thread with the whole 8 KiB pool slab it lives in.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return resolve('too-large');
      const body = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.length;
      }
      resolve(body);
    });
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

function send(res: ServerResponse, code: number, body: string, type = 'application/json'): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

function debounce(fn: () => Promise<void> | void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => void fn(), ms);
  };
}
