import { perObject } from './memo.js';
import type { JsonPath, Resource } from './types.js';

/** The pod template of a pod-bearing workload, with the JSON path at which it sits. */
export interface PodTemplate {
  /** Path to the object holding `metadata` and `spec` of the pod (`[]` for a bare Pod). */
  path: JsonPath;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const POD_BEARING_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'] as const;

const TEMPLATE_PATHS: Record<string, JsonPath> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const podTemplateOf: (resource: Resource) => PodTemplate | undefined = perObject(derivePodTemplate);

function derivePodTemplate(resource: Resource): PodTemplate | undefined {
  if (resource.family !== 'kubernetes') return undefined;
  const path = TEMPLATE_PATHS[resource.kind];
  if (!path) return undefined;
  const template = getIn(resource.object, path);
  if (!isRecord(template)) return undefined;
  const metadata = isRecord(template.metadata) ? template.metadata : {};
  const spec = isRecord(template.spec) ? template.spec : {};
  return { path, metadata, spec, labels: strings(metadata.labels), annotations: strings(metadata.annotations) };
}

export function getIn(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
