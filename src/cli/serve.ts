import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { defaultRules } from '../engine/check.js';
import { defaultCacheDir, loadPolicyRules } from '../policy/index.js';
import type { Severity } from '../model/types.js';
import type { FailurePolicy } from '../server/admission.js';
import { startAdmissionServer } from '../server/server.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const SERVE_HELP = `Usage: meshguard serve --cert <file> --key <file> [options]

Run the validating admission webhook (admission.k8s.io/v1) over HTTPS.

Options:
      --cert <file>              TLS certificate (PEM); reloaded when it changes
      --key <file>               TLS private key (PEM); reloaded when it changes
      --port <n>                 port (default 8443)
      --host <addr>              address to bind (default 0.0.0.0)
      --path <path>              webhook path (default /validate)
      --inventory <dir>          manifests giving cross-resource context; reloaded when they change
      --cluster <name>           admit with that cluster's view of the inventory (clusters: in the configuration)
      --deny-on <level>          deny at/above: error, warning, info (default error); lower findings become warnings
      --failure-policy <p>       Fail (deny) or Ignore (admit) when meshguard cannot evaluate (default Fail);
                                 set it to the ValidatingWebhookConfiguration's failurePolicy
      --timeout-ms <n>           evaluation budget per request (default 200)
      --max-body-bytes <n>       larger requests are refused with 413 (default 3145728)
  -c, --config <file>            configuration (default .meshguard.yaml)

Endpoints: POST <path>, GET /healthz, GET /readyz, GET /metrics (Prometheus). SIGTERM drains in-flight requests.`;

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
        cluster: { type: 'string' },
        'deny-on': { type: 'string' },
        'failure-policy': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'max-body-bytes': { type: 'string' },
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
  const { config } = await loadConfig(cwd, values.config as string | undefined);
  const cluster = values.cluster as string | undefined;
  if (cluster !== undefined && !config.clusters.some((c) => c.name === cluster)) {
    throw new UsageError(`--cluster ${cluster}: no such cluster in the configuration (${config.clusters.map((c) => c.name).join(', ') || 'no clusters: configured'})`);
  }
  // The configured Rego policies are compiled once, before serving: requests only evaluate them.
  const policyRules = await loadPolicyRules({ root: cwd, patterns: config.policies, cacheDir: defaultCacheDir(cwd) });

  const server = await startAdmissionServer({
    config,
    ...(policyRules.length > 0 ? { rules: [...defaultRules(), ...policyRules] } : {}),
    certFile: cert,
    keyFile: key,
    port: positiveInt(values.port, '--port', 8443),
    host: (values.host as string | undefined) ?? '0.0.0.0',
    path: (values.path as string | undefined) ?? '/validate',
    ...(values.inventory ? { inventoryDir: values.inventory as string } : {}),
    ...(cluster ? { cluster } : {}),
    denyOn: denyOn as Severity,
    failurePolicy: failurePolicy as FailurePolicy,
    timeoutMs: positiveInt(values['timeout-ms'], '--timeout-ms', 200),
    maxBodyBytes: positiveInt(values['max-body-bytes'], '--max-body-bytes', 3 * 1024 * 1024),
  });
  const stop = (): void => void server.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.closed;
  return { exitCode: EXIT_OK, stdout: '', stderr: '' };
}

function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${String(value)}'`);
  return n;
}
