import { loadConfig } from '../config/load.js';
import { defaultRules } from '../policy/index.js';
import { defaultCacheDir, loadPolicyRules } from '../policy/index.js';
import type { Severity } from '../model/types.js';
import type { FailurePolicy } from '../server/admission.js';
import { startAdmissionServer } from '../server/server.js';
import { HELP_OPTION, formatHelp, parseCommandArgs, type CommandSpec } from './args.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const SERVE_SPEC: CommandSpec = {
  name: 'serve',
  usage: 'meshguard serve --cert <file> --key <file> [options]',
  summary: 'Run the validating admission webhook (admission.k8s.io/v1) over HTTPS with the same rules and waivers as check.',
  options: [
    { name: 'cert', value: '<file>', description: 'TLS certificate (PEM); reloaded when it changes' },
    { name: 'key', value: '<file>', description: 'TLS private key (PEM); reloaded when it changes' },
    { name: 'port', value: '<n>', description: 'port (default 8443)' },
    { name: 'host', value: '<addr>', description: 'address to bind (default 0.0.0.0)' },
    { name: 'path', value: '<path>', description: 'webhook path (default /validate)' },
    { name: 'inventory', value: '<dir>', description: 'manifests giving cross-resource context; reloaded when they change' },
    { name: 'deny-on', value: '<level>', description: 'deny at/above: error, warning, info (default error); lower findings become warnings' },
    {
      name: 'failure-policy',
      value: '<p>',
      description: "Fail (deny) or Ignore (admit) when meshguard cannot evaluate (default Fail);\nset it to the ValidatingWebhookConfiguration's failurePolicy",
    },
    { name: 'timeout-ms', value: '<n>', description: 'evaluation budget per request (default 200)' },
    { name: 'max-body-bytes', value: '<n>', description: 'larger requests are refused with 413 (default 3145728)' },
    { name: 'config', short: 'c', value: '<file>', description: 'configuration (default .meshguard.yaml)' },
    HELP_OPTION,
  ],
  epilog: 'Endpoints: POST <path>, GET /healthz, GET /readyz, GET /metrics (Prometheus). SIGTERM drains in-flight requests.',
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
  const { config } = await loadConfig(cwd, values.config as string | undefined);
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
