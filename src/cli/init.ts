import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_FILE_NAME } from '../config/load.js';
import { EXIT_OK, EXIT_UNUSABLE, UsageError, type CommandOutcome } from './io.js';

export const STARTER_CONFIG = `# meshguard configuration. Every key is optional; the values shown are the defaults.
# Schema: schemas/config.schema.json in the meshguard package.

# Files loaded when a directory is checked (globs relative to this file).
include: ["**/*.yaml", "**/*.yml", "**/*.json"]
# Files never loaded (added to the built-in node_modules/.git/dist excludes).
exclude: []
# GitLab CI files besides .gitlab-ci.yml, e.g. ["ci/**/*.yml"].
gitlabCi: []
# Rego policies (.rego) or precompiled modules (.wasm) to run beside the built-in rules.
policies: []
# Namespace assumed for namespaced objects that declare none.
defaultNamespace: default

# Per-rule settings: a severity (error, warning, info) or "off", or {severity, options}.
rules: {}
#  hpa-sidecar-skew: warning
#  helm-template: off

# Facts about the mesh that the manifests do not show.
mesh:
  rootNamespace: istio-system
  # Inject pods whose namespace and pod carry no injection label.
  injectByDefault: false
  # istio-proxy runs as a native sidecar (restartable init container) by default.
  nativeSidecars: false
  enableAutoMtls: true
  # Mesh-wide mTLS mode when the tree has no mesh-wide PeerAuthentication (Istio's default: PERMISSIVE).
  mtls: PERMISSIVE
  outboundTrafficPolicy: ALLOW_ANY
  egressGatewaySelector: {istio: egressgateway}
  # Proxy resources when a pod sets none of the sidecar.istio.io/proxy* annotations.
  proxyResources:
    requests: {cpu: 100m, memory: 128Mi}
    limits: {cpu: 2000m, memory: 1024Mi}
`;

export async function runInitCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  let values: { force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { exitCode: EXIT_OK, stdout: 'Usage: meshguard init [--force]\n\nWrite a commented starter .meshguard.yaml.\n', stderr: '' };
  const target = path.join(cwd, CONFIG_FILE_NAME);
  const exists = await access(target).then(() => true, () => false);
  if (exists && !values.force) {
    return { exitCode: EXIT_UNUSABLE, stdout: '', stderr: `meshguard: ${CONFIG_FILE_NAME} already exists (use --force to overwrite)\n` };
  }
  await writeFile(target, STARTER_CONFIG);
  return { exitCode: EXIT_OK, stdout: `wrote ${CONFIG_FILE_NAME}\n`, stderr: '' };
}
