/**
 * Built-in API versions Kubernetes deprecated and removed, from the Kubernetes deprecated API migration
 * guide (kubernetes.io/docs/reference/using-api/deprecation-guide/). Versions are minor releases "1.N".
 * `deprecated` is the release that started warning; `removed` the first release that no longer serves it.
 */
export interface ApiDeprecation {
  /** `group/version` as written in `apiVersion`. */
  apiVersion: string;
  kinds: readonly string[];
  deprecated: string;
  removed?: string;
  /** The apiVersion to migrate to (or what replaces the kind), and the release that first served it. */
  replacement: string;
  replacementSince?: string;
  note?: string;
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];
const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const WEBHOOKS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const SUBJECT_REVIEWS = ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview'];
const FLOW_CONTROL = ['FlowSchema', 'PriorityLevelConfiguration'];

export const API_DEPRECATIONS: readonly ApiDeprecation[] = [
  // v1.16
  { apiVersion: 'extensions/v1beta1', kinds: WORKLOADS, deprecated: '1.8', removed: '1.16', replacement: 'apps/v1', replacementSince: '1.9' },
  { apiVersion: 'apps/v1beta1', kinds: WORKLOADS, deprecated: '1.9', removed: '1.16', replacement: 'apps/v1', replacementSince: '1.9' },
  { apiVersion: 'apps/v1beta2', kinds: WORKLOADS, deprecated: '1.9', removed: '1.16', replacement: 'apps/v1', replacementSince: '1.9' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], deprecated: '1.9', removed: '1.16', replacement: 'networking.k8s.io/v1', replacementSince: '1.8' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: '1.11', removed: '1.16', replacement: 'policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)' },
  // v1.22
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: WEBHOOKS, deprecated: '1.16', removed: '1.22', replacement: 'admissionregistration.k8s.io/v1', replacementSince: '1.16' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], deprecated: '1.16', removed: '1.22', replacement: 'apiextensions.k8s.io/v1', replacementSince: '1.16' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', kinds: ['APIService'], deprecated: '1.19', removed: '1.22', replacement: 'apiregistration.k8s.io/v1', replacementSince: '1.10' },
  { apiVersion: 'authentication.k8s.io/v1beta1', kinds: ['TokenReview'], deprecated: '1.19', removed: '1.22', replacement: 'authentication.k8s.io/v1', replacementSince: '1.6' },
  { apiVersion: 'authorization.k8s.io/v1beta1', kinds: SUBJECT_REVIEWS, deprecated: '1.19', removed: '1.22', replacement: 'authorization.k8s.io/v1', replacementSince: '1.6' },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], deprecated: '1.19', removed: '1.22', replacement: 'certificates.k8s.io/v1', replacementSince: '1.19' },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], deprecated: '1.19', removed: '1.22', replacement: 'coordination.k8s.io/v1', replacementSince: '1.14' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], deprecated: '1.14', removed: '1.22', replacement: 'networking.k8s.io/v1', replacementSince: '1.19' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress', 'IngressClass'], deprecated: '1.19', removed: '1.22', replacement: 'networking.k8s.io/v1', replacementSince: '1.19' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: RBAC, deprecated: '1.17', removed: '1.22', replacement: 'rbac.authorization.k8s.io/v1', replacementSince: '1.8' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], deprecated: '1.14', removed: '1.22', replacement: 'scheduling.k8s.io/v1', replacementSince: '1.14' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], deprecated: '1.19', removed: '1.22', replacement: 'storage.k8s.io/v1', replacementSince: '1.19' },
  // v1.25
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], deprecated: '1.21', removed: '1.25', replacement: 'batch/v1', replacementSince: '1.21' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], deprecated: '1.21', removed: '1.25', replacement: 'discovery.k8s.io/v1', replacementSince: '1.21' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], deprecated: '1.19', removed: '1.25', replacement: 'events.k8s.io/v1', replacementSince: '1.19' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], deprecated: '1.22', removed: '1.25', replacement: 'autoscaling/v2', replacementSince: '1.23' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], deprecated: '1.21', removed: '1.25', replacement: 'policy/v1', replacementSince: '1.21' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: '1.21', removed: '1.25', replacement: 'Pod Security Admission (namespace labels pod-security.kubernetes.io/*)', note: 'PodSecurityPolicy has no API replacement' },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], deprecated: '1.20', removed: '1.25', replacement: 'node.k8s.io/v1', replacementSince: '1.20' },
  // v1.26
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: FLOW_CONTROL, deprecated: '1.23', removed: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1', replacementSince: '1.29' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], deprecated: '1.23', removed: '1.26', replacement: 'autoscaling/v2', replacementSince: '1.23' },
  // v1.27
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], deprecated: '1.24', removed: '1.27', replacement: 'storage.k8s.io/v1', replacementSince: '1.24' },
  // v1.29
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: FLOW_CONTROL, deprecated: '1.26', removed: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1', replacementSince: '1.29' },
  // v1.32
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: FLOW_CONTROL, deprecated: '1.29', removed: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1', replacementSince: '1.29' },
  // Deprecated without a removal date (still served): warn only.
  { apiVersion: 'v1', kinds: ['Endpoints'], deprecated: '1.33', replacement: 'discovery.k8s.io/v1 EndpointSlice', replacementSince: '1.21' },
];

/** Stable API versions newer than some clusters still run: using them there fails just as surely. */
export const API_INTRODUCTIONS: readonly { apiVersion: string; kinds: readonly string[]; since: string }[] = [
  { apiVersion: 'autoscaling/v2', kinds: ['HorizontalPodAutoscaler'], since: '1.23' },
  { apiVersion: 'policy/v1', kinds: ['PodDisruptionBudget'], since: '1.21' },
  { apiVersion: 'batch/v1', kinds: ['CronJob'], since: '1.21' },
  { apiVersion: 'discovery.k8s.io/v1', kinds: ['EndpointSlice'], since: '1.21' },
  { apiVersion: 'events.k8s.io/v1', kinds: ['Event'], since: '1.19' },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['Ingress', 'IngressClass'], since: '1.19' },
  { apiVersion: 'node.k8s.io/v1', kinds: ['RuntimeClass'], since: '1.20' },
  { apiVersion: 'storage.k8s.io/v1', kinds: ['CSIStorageCapacity'], since: '1.24' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kinds: FLOW_CONTROL, since: '1.29' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: FLOW_CONTROL, since: '1.26' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], since: '1.30' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'], since: '1.36' },
];

/** Compare two "1.N" versions; a bare "1.N.P" patch is ignored. */
export function compareMinor(a: string, b: string): number {
  const [aMajor, aMinor] = majorMinor(a);
  const [bMajor, bMinor] = majorMinor(b);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Parsed once per distinct text: the rule compares the same few versions for every resource of a run. */
const parsedVersions = new Map<string, readonly [number, number]>();
function majorMinor(version: string): readonly [number, number] {
  let parsed = parsedVersions.get(version);
  if (!parsed) {
    const [major = 0, minor = 0] = version.split('.').map(Number);
    // Options and tables hold a handful of versions; an unbounded stream of them would only lose the cache.
    if (parsedVersions.size >= 1024) parsedVersions.clear();
    parsedVersions.set(version, (parsed = [major, minor]));
  }
  return parsed;
}

/** Entries by API version, in table order: every resource of a run is looked up in both tables. */
function byApiVersion<T extends { apiVersion: string }>(entries: readonly T[]): ReadonlyMap<string, readonly T[]> {
  const index = new Map<string, T[]>();
  for (const entry of entries) {
    const list = index.get(entry.apiVersion);
    if (list) list.push(entry);
    else index.set(entry.apiVersion, [entry]);
  }
  return index;
}
const DEPRECATIONS_BY_API_VERSION = byApiVersion(API_DEPRECATIONS);
const INTRODUCTIONS_BY_API_VERSION = byApiVersion(API_INTRODUCTIONS);

export function deprecationOf(apiVersion: string, kind: string): ApiDeprecation | undefined {
  return DEPRECATIONS_BY_API_VERSION.get(apiVersion)?.find((d) => d.kinds.includes(kind));
}

export function introductionOf(apiVersion: string, kind: string): string | undefined {
  return INTRODUCTIONS_BY_API_VERSION.get(apiVersion)?.find((i) => i.kinds.includes(kind))?.since;
}

/** True when the API version is gone in that Kubernetes release. */
export function isRemovedIn(apiVersion: string, kind: string, kubernetesVersion: string): boolean {
  const deprecation = deprecationOf(apiVersion, kind);
  return deprecation?.removed !== undefined && compareMinor(kubernetesVersion, deprecation.removed) >= 0;
}
