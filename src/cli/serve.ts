import { loadConfig } from '../config/load.js';
import type { Severity } from '../model/types.js';
import type { FailurePolicy } from '../server/admission.js';
import type { RunningServer } from '../server/server.js';
import { HELP_OPTION, formatHelp, parseCommandArgs, type CommandSpec } from './args.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const SERVE_SPEC: CommandSpec = {
  name: 'serve',
  usage: 'meshguard serve --cert <file> --key <file> [options]',
  summary: 'Run the validating admission webhook over HTTPS (AdmissionReview admission.k8s.io/v1 and v1beta1, answered in the version asked) with the same rules and waivers as check.',
  options: [
    { name: 'cert', value: '<file>', description: 'TLS certificate (PEM); reloaded when it changes' },
    { name: 'key', value: '<file>', description: 'TLS private key (PEM); reloaded when it changes' },
    { name: 'port', value: '<n>', description: 'port (default 8443)' },
    { name: 'host', value: '<addr>', description: 'address to bind (default 0.0.0.0)' },
    { name: 'path', value: '<path>', description: 'webhook path (default /validate)' },
    { name: 'inventory', value: '<dir>', description: 'manifests giving cross-resource context; reloaded when they change' },
    { name: 'cluster', value: '<name>', description: "admit with that cluster's view of the inventory (clusters: in the configuration)" },
    { name: 'deny-on', value: '<level>', description: 'deny at/above: error, warning, info (default error); lower findings become warnings' },
    {
      name: 'failure-policy',
      value: '<p>',
      description: "Fail (deny) or Ignore (admit) when meshguard cannot evaluate (default Fail);\nset it to the ValidatingWebhookConfiguration's failurePolicy",
    },
    {
      name: 'timeout-ms',
      value: '<n>',
      description: 'evaluation budget per request (default 200); a review still running then is\nanswered per --failure-policy and its evaluation thread replaced',
    },
    { name: 'workers', value: '<n>', description: 'evaluation threads (default 2: the first takes the reviews, the others stand by\nfor when it is stuck, restarting or busy with a long review)' },
    { name: 'max-body-bytes', value: '<n>', description: 'larger requests are refused with 413 (default 3145728)' },
    { name: 'max-connections', value: '<n>', description: 'open connections beyond this are dropped (default 1024)' },
    { name: 'header-timeout-ms', value: '<n>', description: 'time for the TLS handshake and for the request headers (default 5000)' },
    {
      name: 'shutdown-grace-ms',
      value: '<n>',
      description: 'after SIGTERM, /readyz answers 503 while requests are still served for this\nlong, then in-flight requests drain (default 5000)',
    },
    { name: 'config', short: 'c', value: '<file>', description: 'configuration (default .meshguard.yaml)' },
    HELP_OPTION,
  ],
  epilog: 'Endpoints: POST <path>, GET /healthz, GET /readyz, GET /metrics (Prometheus). SIGTERM drains in-flight requests.\nExit codes: 0 after a graceful shutdown, 2 when the server cannot start (the message names the file or flag).',
};

export async function runServeCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  const parsed = parseCommandArgs(SERVE_SPEC, argv);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (parsed.positionals.length > 0) throw new UsageError(`serve takes no arguments, got '${parsed.positionals[0]}'`);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(SERVE_SPEC), stderr: '' };
  const cert = values.cert as string | undefined;
  const key = values.key as string | undefined;
  if (!cert || !key) throw new UsageError('serve needs --cert and --key (PEM files)');
  const denyOn = (values['deny-on'] as string | undefined) ?? 'error';
  if (!['error', 'warning', 'info'].includes(denyOn)) throw new UsageError(`--deny-on must be error, warning or info, got '${denyOn}'`);
  const failurePolicy = (values['failure-policy'] as string | undefined) ?? 'Fail';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') throw new UsageError(`--failure-policy must be Fail or Ignore, got '${failurePolicy}'`);
  const port = positiveInt(values.port, '--port', 8443);
  if (port > 65535) throw new UsageError(`--port must be between 0 and 65535, got '${String(values.port)}'`);
  const workers = positiveInt(values.workers, '--workers', 2);
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  const { config } = await loadConfig(cwd, values.config as string | undefined);
  const cluster = values.cluster as string | undefined;
  if (cluster !== undefined && !config.clusters.some((c) => c.name === cluster)) {
    throw new UsageError(`--cluster ${cluster}: no such cluster in the configuration (${config.clusters.map((c) => c.name).join(', ') || 'no clusters: configured'})`);
  }

  // Loaded here, not with the CLI: `check` never needs the server, its threads or prom-client (~40-60 ms).
  const { ServerStartError, startAdmissionServer } = await import('../server/server.js');
  const { configureServeHeap } = await import('../server/gc.js');
  configureServeHeap();
  let server: RunningServer;
  try {
    server = await startAdmissionServer({
      config,
      root: cwd,
      certFile: cert,
      keyFile: key,
      port,
      host: (values.host as string | undefined) ?? '0.0.0.0',
      path: (values.path as string | undefined) ?? '/validate',
      ...(values.inventory ? { inventoryDir: values.inventory as string } : {}),
      ...(cluster ? { cluster } : {}),
      denyOn: denyOn as Severity,
      failurePolicy: failurePolicy as FailurePolicy,
      timeoutMs: positiveInt(values['timeout-ms'], '--timeout-ms', 200),
      maxBodyBytes: positiveInt(values['max-body-bytes'], '--max-body-bytes', 3 * 1024 * 1024),
      workers,
      maxConnections: positiveInt(values['max-connections'], '--max-connections', 1024),
      headerTimeoutMs: positiveInt(values['header-timeout-ms'], '--header-timeout-ms', 5_000),
      shutdownGraceMs: positiveInt(values['shutdown-grace-ms'], '--shutdown-grace-ms', 5_000),
    });
  } catch (error) {
    if (error instanceof ServerStartError) throw new UsageError(error.message);
    throw error;
  }
  // A defect while serving must not take the webhook (and every deploy of the cluster) down with it:
  // it is logged and the server keeps answering. Requests have their own error handling; this is the net.
  const keepServing = (error: unknown): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled error; still serving', error: String(error) })}\n`);
  };
  process.on('uncaughtException', keepServing);
  process.on('unhandledRejection', keepServing);
  const stop = (): void => void server.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.closed;
  process.off('uncaughtException', keepServing);
  process.off('unhandledRejection', keepServing);
  return { exitCode: EXIT_OK, stdout: '', stderr: '' };
}

function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${String(value)}'`);
  return n;
}
