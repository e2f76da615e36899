import type { Severity } from '../model/types.js';
import { DEFAULT_MESH_SETTINGS, type MeshSettings } from '../model/mesh-settings.js';

export { DEFAULT_MESH_SETTINGS, type MeshSettings, type ProxyResources } from '../model/mesh-settings.js';

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
};
