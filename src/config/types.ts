import type { Severity } from '../model/types.js';

/** Defaults for the Istio proxy when a pod carries no proxy resource annotations (istio values.yaml). */
export interface ProxyResources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

/** Mesh-wide facts a linter cannot see in the manifests themselves. */
export interface MeshSettings {
  /** Istio's root namespace: mesh-wide PeerAuthentication and Sidecar live here. */
  rootNamespace: string;
  /** Inject pods whose namespace and pod carry no injection label (mesh `enableNamespacesByDefault`). */
  injectByDefault: boolean;
  /** Proxy resources applied when a pod has none of the four proxy annotations. */
  proxyResources: ProxyResources;
  /** Labels of the egress gateway pods (Gateway `spec.selector`). */
  egressGatewaySelector: Record<string, string>;
  /** Native sidecar mode (istio-proxy as a restartable init container) is the mesh default. */
  nativeSidecars: boolean;
  /** meshConfig.outboundTrafficPolicy.mode. */
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** meshConfig.enableAutoMtls. */
  enableAutoMtls: boolean;
  /**
   * The mesh-wide mTLS mode when the tree holds no mesh-wide PeerAuthentication (one applied by the platform
   * elsewhere): PERMISSIVE is Istio's own default.
   */
  mtls: 'PERMISSIVE' | 'STRICT';
  /** Namespaces the injector never touches. */
  ignoredNamespaces: string[];
}

export interface RuleSetting {
  severity?: Severity | 'off';
  options?: Record<string, unknown>;
}

export interface MeshguardConfig {
  include: string[];
  exclude: string[];
  /** GitLab CI files to lint, besides `.gitlab-ci.yml` at the root. */
  gitlabCi: string[];
  policies: string[];
  rules: Record<string, RuleSetting>;
  mesh: MeshSettings;
  /** Namespace assumed for namespaced objects that declare none (what `kubectl apply` would use). */
  defaultNamespace: string;
  /** Report files that have no Kubernetes objects (no apiVersion/kind) instead of ignoring them. */
  reportNonKubernetes: boolean;
  /** Files larger than this are reported and not parsed. */
  maxFileBytes: number;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  rootNamespace: 'istio-system',
  injectByDefault: false,
  proxyResources: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '2000m', memory: '1024Mi' },
  },
  egressGatewaySelector: { istio: 'egressgateway' },
  nativeSidecars: false,
  outboundTrafficPolicy: 'ALLOW_ANY',
  enableAutoMtls: true,
  mtls: 'PERMISSIVE',
  ignoredNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
};

export const DEFAULT_CONFIG: MeshguardConfig = {
  include: ['**/*.yaml', '**/*.yml', '**/*.json'],
  exclude: ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/.meshguard.yaml', '**/.meshguard-cache/**'],
  gitlabCi: [],
  policies: [],
  rules: {},
  mesh: DEFAULT_MESH_SETTINGS,
  defaultNamespace: 'default',
  reportNonKubernetes: false,
  maxFileBytes: 8 * 1024 * 1024,
};
