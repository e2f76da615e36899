import type { JsonPath, Resource, SourceRange } from '../model/types.js';
import { isRecord } from '../model/workload.js';
import type { PositionedDocument } from './yaml.js';

/** Kinds that live outside namespaces: they never get the default namespace. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService', 'IngressClass', 'RuntimeClass',
  'CSIDriver', 'CSINode', 'VolumeAttachment', 'PodSecurityPolicy', 'CertificateSigningRequest', 'FlowSchema',
  'PriorityLevelConfiguration', 'ClusterIssuer', 'ConstraintTemplate',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

export interface ExtractOptions {
  file: string;
  defaultNamespace: string;
}

export interface ExtractResult {
  resources: Resource[];
  /** Documents that are not Kubernetes objects (no apiVersion/kind), with their position. */
  /** Documents that are not Kubernetes objects; `range()` resolves exact positions, so call it only to report one. */
  nonKubernetes: { documentIndex: number; range: () => SourceRange }[];
}

/**
 * Turn parsed documents into resources. `List` kinds (v1/List, DeploymentList, ...) are unwrapped so that
 * each item is checked and located on its own; empty documents are skipped.
 */
export function extractResources(documents: readonly PositionedDocument[], options: ExtractOptions): ExtractResult {
  const resources: Resource[] = [];
  const nonKubernetes: ExtractResult['nonKubernetes'] = [];
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const value = doc.value;
    if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
      nonKubernetes.push({ documentIndex: doc.index, range: () => doc.range });
      continue;
    }
    if (value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, itemIndex) => {
        if (isRecord(item) && typeof item.apiVersion === 'string' && typeof item.kind === 'string') {
          resources.push(kubernetesResource(item, doc, ['items', itemIndex], options));
        } else {
          nonKubernetes.push({ documentIndex: doc.index, range: () => doc.locate(['items', itemIndex]) });
        }
      });
      continue;
    }
    resources.push(kubernetesResource(value, doc, [], options));
  }
  return { resources, nonKubernetes };
}

/**
 * A resource for an object that has no file behind it (an admission request): positions are the
 * document start; messages name the JSON pointer instead.
 */
export function resourceFromObject(object: Record<string, unknown>, file: string, defaultNamespace: string): Resource | undefined {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return undefined;
  const origin: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const doc: PositionedDocument = { index: 0, value: object, range: origin, locate: () => origin };
  return kubernetesResource(object, doc, [], { file, defaultNamespace });
}

function kubernetesResource(
  object: Record<string, unknown>,
  doc: PositionedDocument,
  basePath: JsonPath,
  options: ExtractOptions,
): Resource {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const kind = object.kind as string;
  const declaredNamespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const name =
    typeof metadata.name === 'string' ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  const id = basePath.length > 0 ? `${options.file}#${doc.index}/${basePath[1]}` : `${options.file}#${doc.index}`;
  return {
    id,
    family: 'kubernetes',
    apiVersion: object.apiVersion as string,
    kind,
    name,
    namespace: isClusterScoped(kind) ? undefined : (declaredNamespace ?? options.defaultNamespace),
    object,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    source: {
      file: options.file,
      documentIndex: doc.index,
      basePath,
      locate: basePath.length > 0 ? (path) => doc.locate([...basePath, ...path]) : doc.locate,
      ...(doc.locateInText ? { locateInText: (path: JsonPath, line: number, column: number) => doc.locateInText!([...basePath, ...path], line, column) } : {}),
    },
  };
}

/** Labels and annotations as Kubernetes stores them: string values only (others are reported by schema rules). */
function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}
