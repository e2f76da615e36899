import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE_NAME } from '../config/load.js';
import { HELP_OPTION, formatHelp, parseCommandArgs, type CommandSpec } from './args.js';
import { EXIT_OK, UsageError, type CommandOutcome } from './io.js';

export const STARTER_CONFIG = `# meshguard configuration. Every key is optional; the values shown are the defaults.
# Schema: schemas/config.schema.json in the meshguard package.

# Files loaded when a directory is checked (globs relative to this file).
include: ["**/*.yaml", "**/*.yml", "**/*.json"]
# Files never loaded (added to the built-in node_modules/.git/dist/.meshguard-cache excludes).
exclude: []
# GitLab CI files besides .gitlab-ci.yml, e.g. ["ci/**/*.yml"].
gitlabCi: []
# Rego policies (.rego) or precompiled modules (.wasm) to run beside the built-in rules.
policies: []
# Namespace assumed for namespaced objects that declare none.
defaultNamespace: default
# Report YAML/JSON documents without apiVersion/kind (not Kubernetes objects) instead of skipping them.
reportNonKubernetes: false
# Larger files are reported (input-unreadable) and not parsed: 32 MiB.
maxFileBytes: 33554432
maxObjectsPerFile: 50000

# Per-rule settings: a severity (error, warning, info) or "off", or {severity, options}.
rules: {}
#  hpa-sidecar-skew: warning
#  helm-template: off

# Kustomize build roots and Helm charts are rendered before they are checked (docs/rendering.md).
render:
  timeoutMs: 120000
  kustomize:
    enabled: true
    # leaves (overlays no other kustomization uses), all, or globs of root directories.
    roots: leaves
    # command: [kustomize, build]   # default: kustomize, else kubectl kustomize, on PATH
  helm:
    enabled: true
    releaseName: release
    valueFiles: {}
    # charts/web: [charts/web/values-prod.yaml]

# One mesh over several clusters (docs/rules/cluster-*.md): each cluster is checked with its own
# inventory (its paths + shared), and the cluster-* rules compare the clusters. Empty: one cluster.
clusters: []
#  - name: gke-eu-1
#    paths: ["clusters/gke-eu-1/**"]   # globs, or Kustomize build root directories
#    network: vpc-main                  # Istio network; the same value means a flat network
#  - name: gke-eu-2
#    paths: ["clusters/gke-eu-2/**"]
#    network: vpc-main
# Files applied to every cluster.
shared: []
# The cluster whose control plane configures the others (external control plane); unset: multi-primary.
# controlPlane: mesh-control

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
  # Namespaces the sidecar injector never touches.
  ignoredNamespaces: [kube-system, kube-public, kube-node-lease]
`;

export const INIT_SPEC: CommandSpec = {
  name: 'init',
  usage: 'meshguard init [--force]',
  summary: 'Write a commented starter .meshguard.yaml in the working directory, with every default spelled out.',
  options: [{ name: 'force', description: 'overwrite an existing .meshguard.yaml' }, HELP_OPTION],
};

export async function runInitCommand(argv: string[], cwd: string): Promise<CommandOutcome> {
  const { values, positionals } = parseCommandArgs(INIT_SPEC, argv);
  if (values.help) return { exitCode: EXIT_OK, stdout: formatHelp(INIT_SPEC), stderr: '' };
  if (positionals.length > 0) throw new UsageError(`init takes no arguments, got '${positionals[0]}'`);
  const target = path.join(cwd, CONFIG_FILE_NAME);
  const exists = await access(target).then(() => true, () => false);
  if (exists && !values.force) throw new UsageError(`${CONFIG_FILE_NAME} already exists (use --force to overwrite)`);
  await writeFile(target, STARTER_CONFIG);
  return { exitCode: EXIT_OK, stdout: `wrote ${CONFIG_FILE_NAME}\n`, stderr: '' };
}
