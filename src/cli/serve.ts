import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { Severity } from '../model/types.js';
import type { FailurePolicy } from '../server/admission.js';
import { ServerStartError, startAdmissionServer, type RunningServer } from '../server/server.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const SERVE_HELP = `Usage: meshguard serve --cert <file> --key <file> [options]

Run the validating admission webhook over HTTPS (AdmissionReview admission.k8s.io/v1 and v1beta1,
answered in the version asked).

Options:
      --cert <file>              TLS certificate (PEM); reloaded when it changes
      --key <file>               TLS private key (PEM); reloaded when it changes
      --port <n>                 port (default 8443)
      --host <addr>              address to bind (default 0.0.0.0)
      --path <path>              webhook path (default /validate)
      --inventory <dir>          manifests giving cross-resource context; reloaded when they change
      --deny-on <level>          deny at/above: error, warning, info (default error); lower findings become warnings
      --failure-policy <p>       Fail (deny) or Ignore (admit) when meshguard cannot evaluate (default Fail);
                                 set it to the ValidatingWebhookConfiguration's failurePolicy
      --timeout-ms <n>           evaluation budget per request (default 200); a review still running then is
                                 answered per --failure-policy and its evaluation thread replaced
      --workers <n>              evaluation threads (default 2)
      --max-body-bytes <n>       larger requests are refused with 413 (default 3145728)
      --max-connections <n>      open connections beyond this are dropped (default 1024)
      --header-timeout-ms <n>    time for the TLS handshake and for the request headers (default 5000)
      --shutdown-grace-ms <n>    after SIGTERM, /readyz answers 503 while requests are still served for this
                                 long, then in-flight requests drain (default 5000)
  -c, --config <file>            configuration (default .meshguard.yaml)

Endpoints: POST <path>, GET /healthz, GET /readyz, GET /metrics (Prometheus).
Exit codes: 0 after a graceful shutdown, 2 when the server cannot start (the message names the file or flag).`;

export async function runServeCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cert: { type: 'string' },
        key: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        path: { type: 'string' },
        inventory: { type: 'string' },
        'deny-on': { type: 'string' },
        'failure-policy': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        workers: { type: 'string' },
        'max-connections': { type: 'string' },
        'header-timeout-ms': { type: 'string' },
        'shutdown-grace-ms': { type: 'string' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { exitCode: EXIT_OK, stdout: `${SERVE_HELP}\n`, stderr: '' };
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
