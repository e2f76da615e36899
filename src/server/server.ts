import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { MeshguardConfig } from '../config/types.js';
import { InputError } from '../load/discover.js';
import { loadWorkspace } from '../load/index.js';
import { Inventory } from '../model/inventory.js';
import { diskTree, renderWorkspace } from '../render/index.js';
import { splitClusters } from '../engine/clusters.js';
import { createAdmissionReviewer, type AdmissionOptions } from './admission.js';
import { AdmissionMetrics } from './metrics.js';

export interface ServeOptions extends Omit<AdmissionOptions, 'inventory' | 'config'> {
  config: MeshguardConfig;
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
  /** How long a graceful shutdown waits for in-flight requests. */
  drainTimeoutMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface RunningServer {
  port: number;
  metrics: AdmissionMetrics;
  /** Stop accepting, answer in-flight requests, then close. */
  shutdown(): Promise<void>;
  /** Resolves once the server has fully closed. */
  closed: Promise<void>;
}

const JSON_TYPE = /^application\/json(\s*;.*)?$/i;

export async function startAdmissionServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? batchedStderrLog();
  const webhookPath = options.path ?? '/validate';
  const maxBodyBytes = options.maxBodyBytes ?? 3 * 1024 * 1024;
  const metrics = new AdmissionMetrics();
  const reviewer = createAdmissionReviewer({ ...options, config: options.config });
  let ready = options.inventoryDir === undefined;
  let draining = false;

  const reloadInventory = async (): Promise<void> => {
    if (!options.inventoryDir) return;
    try {
      const root = path.resolve(options.inventoryDir);
      // An inventory directory with no manifests yet is an empty cluster snapshot, not an error.
      const workspace = await loadWorkspace(['.'], root, options.config).catch((error: unknown) => {
        if (error instanceof InputError) return { resources: [], problems: [] };
        throw error;
      });
      // Kustomize roots and charts in the snapshot are rendered: the cluster holds what they render to.
      const rendered = await renderWorkspace({ files: 'files' in workspace ? workspace.files : [], resources: workspace.resources, problems: workspace.problems, tree: diskTree(root), disk: { root }, settings: options.config.render, defaultNamespace: options.config.defaultNamespace });
      const resources = options.cluster
        ? [...(splitClusters(options.config, rendered.resources, rendered.scopes).clusters.find((c) => c.name === options.cluster)?.resources ?? [])]
        : [...rendered.resources, ...rendered.scopes.flatMap((s) => s.resources)];
      reviewer.setInventory(new Inventory(resources));
      ready = true;
      log({ level: 'info', msg: 'inventory loaded', resources: resources.length, problems: rendered.problems.length });
    } catch (error) {
      log({ level: 'error', msg: 'inventory reload failed; keeping the previous snapshot', error: String(error) });
    }
  };

  const server: Server = createServer({ cert: await readFile(options.certFile), key: await readFile(options.keyFile) }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://meshguard');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (req.method === 'GET' && url.pathname === '/readyz') return send(res, ready && !draining ? 200 : 503, ready && !draining ? 'ready\n' : 'not ready\n', 'text/plain');
    if (req.method === 'GET' && url.pathname === '/metrics') return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
    if (url.pathname !== webhookPath) return send(res, 404, json({ error: `no route ${url.pathname}` }));
    if (req.method !== 'POST') return send(res, 405, json({ error: 'use POST' }));

    const started = performance.now();
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
    if (body === undefined) return reject(413, `body exceeds the ${maxBodyBytes}-byte limit`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return reject(400, 'body is not valid JSON');
    }
    const result = reviewer(parsed);
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(result.outcome, seconds, result.findings);
    const request = (parsed as { request?: Record<string, unknown> }).request ?? {};
    const object = (request.object ?? {}) as { kind?: string; metadata?: { name?: string } };
    log({
      level: 'info',
      msg: 'admission review',
      uid: result.review.response.uid,
      operation: request.operation,
      dryRun: request.dryRun === true,
      kind: object.kind,
      namespace: request.namespace,
      name: object.metadata?.name ?? request.name,
      outcome: result.outcome,
      allowed: result.review.response.allowed,
      findings: result.findings.map((f) => f.ruleId),
      durationMs: Math.round(seconds * 1e6) / 1e3,
    });
    send(res, result.review.response.status?.code === 400 ? 400 : 200, json(result.review));
  }

  const watchers: FSWatcher[] = [];
  const reloadCertificates = debounce(async () => {
    try {
      server.setSecureContext({ cert: await readFile(options.certFile), key: await readFile(options.keyFile) });
      log({ level: 'info', msg: 'certificate reloaded' });
    } catch (error) {
      log({ level: 'error', msg: 'certificate reload failed; keeping the previous one', error: String(error) });
    }
  }, 200);
  // Kubernetes updates mounted Secrets by swapping a symlink in the directory: watch the directories.
  for (const dir of new Set([path.dirname(path.resolve(options.certFile)), path.dirname(path.resolve(options.keyFile))])) {
    watchers.push(watch(dir, () => reloadCertificates()));
  }
  if (options.inventoryDir) {
    await reloadInventory();
    const reload = debounce(reloadInventory, 300);
    watchers.push(watch(options.inventoryDir, { recursive: true }, () => reload()));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8443);
  log({ level: 'info', msg: 'listening', port, path: webhookPath });

  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedResolve = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= new Promise<void>((resolve) => {
      draining = true;
      for (const watcher of watchers) watcher.close();
      log({ level: 'info', msg: 'draining' });
      const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
      server.close(() => {
        clearTimeout(force);
        log({ level: 'info', msg: 'stopped' });
        closedResolve();
        resolve();
      });
      server.closeIdleConnections();
    });
    return shuttingDown;
  };
  return { port, metrics, shutdown, closed };
}

/**
 * One JSON line per request, written once per event-loop turn: a write per request cost more than the
 * admission review itself under load. Lines are flushed before the process exits.
 */
function batchedStderrLog(): (entry: Record<string, unknown>) => void {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    process.stderr.write(pending.join(''));
    pending = [];
  };
  process.once('exit', flush);
  return (entry) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, code: number, body: string, type = 'application/json'): void {
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
