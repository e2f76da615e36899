import type { Severity } from '../model/types.js';
import { DEFAULT_MESH_SETTINGS, type MeshSettings } from '../model/mesh-settings.js';

export { DEFAULT_MESH_SETTINGS, type MeshSettings, type ProxyResources } from '../model/mesh-settings.js';

export interface RuleSetting {
  severity?: Severity | 'off';
  options?: Record<string, unknown>;
}

/** How Kustomize build roots and Helm charts are rendered before they are checked (docs/rendering.md). */
export interface RenderSettings {
  kustomize: {
    /** false: check the files as written (patches are still not read as resources). */
    enabled: boolean;
    /** The command and its leading arguments, e.g. ["kustomize", "build"]; default: kustomize, else kubectl kustomize, on PATH. */
    command?: string[];
    /** Which build roots to render: the leaves (overlays no other kustomization uses), all of them, or root directories by glob. */
    roots: 'leaves' | 'all' | string[];
  };
  helm: {
    enabled: boolean;
    /** Default: helm on PATH. */
    command?: string[];
    /** Values files per chart directory (repository-relative), passed in order as `-f`. */
    valueFiles: Record<string, string[]>;
    /** Release name given to `helm template`. */
    releaseName: string;
  };
  /** A rendering that takes longer is stopped and reported. */
  timeoutMs: number;
}

/** One cluster of a multi-cluster mesh (see docs/rules/cluster-*.md). */
export interface ClusterSettings {
  name: string;
  /** Globs of files, or Kustomize build root directories, applied to this cluster. */
  paths: string[];
  /** Istio network name: clusters with the same value reach each other's pods directly. */
  network?: string;
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
  /** Files holding more Kubernetes objects than this are reported and not checked (memory stays bounded). */
  maxObjectsPerFile: number;
  render: RenderSettings;
  /** The clusters of one mesh; empty: the tree is one cluster. */
  clusters: ClusterSettings[];
  /** Globs of files applied to every cluster. */
  shared: string[];
  /** The cluster whose control plane configures all the others (external control plane / primary-remote); unset: multi-primary. */
  controlPlane?: string;
}

export const DEFAULT_CONFIG: MeshguardConfig = {
  include: ['**/*.yaml', '**/*.yml', '**/*.json'],
  exclude: ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/.meshguard.yaml', '**/.meshguard-cache/**'],
  gitlabCi: [],
  policies: [],
  rules: {},
  mesh: DEFAULT_MESH_SETTINGS,
  defaultNamespace: 'default',
  reportNonKubernetes: false,
  // Rendered bundles are large (Kubeflow's single manifest is 8.6 MB); the cap is for accidents, not manifests.
  maxFileBytes: 32 * 1024 * 1024,
  // Each object costs a few KB for the whole run: 300,000 tiny ConfigMaps in 17 MB took 2 GB. The largest
  // rendered bundles seen hold a few thousand objects, so this cap too is for accidents.
  maxObjectsPerFile: 50_000,
  render: {
    kustomize: { enabled: true, roots: 'leaves' },
    helm: { enabled: true, valueFiles: {}, releaseName: 'release' },
    timeoutMs: 120_000,
  },
  clusters: [],
  shared: [],
};
