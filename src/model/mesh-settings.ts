/**
 * The mesh facts a linter cannot see in the manifests (configured in `mesh:` of .meshguard.yaml). The
 * model reasons with them, so they are defined here; the configuration layer loads them.
 */
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
