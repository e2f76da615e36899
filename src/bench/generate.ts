import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A deterministic platform-scale manifests tree in the spirit of the talk: ~50 team namespaces,
 * 500 services, 100 CronJobs, 20 external APIs behind the egress gateway, quotas and LimitRanges.
 * Same options -> byte-identical tree, so figures from different runs are comparable.
 */
export interface GeneratorOptions {
  namespaces: number;
  services: number;
  cronJobs: number;
  externalServices: number;
  seed: number;
  /**
   * The first day a team adopts the tool: each service split over three files (workload, mesh, config),
   * and most of them carrying a finding (a DestinationRule that turns mTLS off, a container field that
   * fails the schema, a Deployment with an invalid imagePullPolicy), as in issue 17's findings-heavy tree.
   */
  findingsEverywhere?: boolean;
}

export const PLATFORM_SCALE: GeneratorOptions = { namespaces: 50, services: 500, cronJobs: 100, externalServices: 20, seed: 42 };

/** ~10,000 resources in ~1,600 files, most of them with findings. */
export const FINDINGS_HEAVY_SCALE: GeneratorOptions = { ...PLATFORM_SCALE, seed: 17, findingsEverywhere: true };

export interface GeneratedTree {
  files: number;
  resources: number;
  bytes: number;
}

/** mulberry32: tiny, fast, good enough to vary replicas and ports deterministically (and to seed the webhook fuzz test). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateTree(dir: string, options: GeneratorOptions = PLATFORM_SCALE): Promise<GeneratedTree> {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  await rm(dir, { recursive: true, force: true });
  const files = new Map<string, string[]>();
  const add = (file: string, doc: string): void => {
    const docs = files.get(file);
    if (docs) docs.push(doc);
    else files.set(file, [doc]);
  };

  add('istio-system/mesh.yaml', namespaceDoc('istio-system', ''));
  add('istio-system/mesh.yaml', peerAuthentication('default', 'istio-system', 'STRICT'));
  add('istio-system/mesh.yaml', sidecarDoc('default', 'istio-system'));
  add('istio-system/egress.yaml', egressGatewayDeployment());

  const teams = Array.from({ length: options.namespaces }, (_, i) => `team-${String(i + 1).padStart(2, '0')}`);
  for (const team of teams) {
    const file = `${team}/namespace.yaml`;
    add(file, namespaceDoc(team, '    istio-injection: enabled\n'));
    // Sized like a real platform's quotas: room for the team's workloads at HPA peak, sidecars included.
    add(file, quotaDoc(team, 60 + Math.floor(random() * 40)));
    add(file, limitRangeDoc(team));
    add(file, sidecarDoc('default', team));
    add(file, peerAuthentication('default', team, 'STRICT'));
    add(file, defaultDenyDoc(team));
    add(file, dnsEgressDoc(team));
  }

  for (let i = 0; i < options.services; i++) {
    const team = teams[i % teams.length]!;
    const name = `svc-${String(i + 1).padStart(3, '0')}`;
    const file = `${team}/${name}.yaml`;
    const replicas = 2 + Math.floor(random() * 4);
    const cpu = pick(['100m', '250m', '500m', '1']);
    const memory = pick(['256Mi', '512Mi', '1Gi']);
    const docs = serviceDocs(team, name, replicas, cpu, memory, i);
    if (!options.findingsEverywhere) {
      for (const doc of docs) add(file, doc);
      continue;
    }
    // ServiceAccount..Deployment | Service..AuthorizationPolicy | the component ConfigMaps.
    const withFindings = docs.map((doc) => withFinding(doc, i));
    for (const doc of withFindings.slice(0, 3)) add(`${team}/${name}/workload.yaml`, doc);
    for (const doc of withFindings.slice(3, 10)) add(`${team}/${name}/mesh.yaml`, doc);
    for (const doc of withFindings.slice(10)) add(`${team}/${name}/config.yaml`, doc);
  }

  for (let i = 0; i < options.cronJobs; i++) {
    const team = teams[(i * 7) % teams.length]!;
    const name = `job-${String(i + 1).padStart(3, '0')}`;
    add(`${team}/cronjobs.yaml`, cronJobDoc(team, name, i));
  }

  for (let i = 0; i < options.externalServices; i++) {
    const host = `api-${i + 1}.partner${i % 5}.example.com`;
    const team = teams[(i * 3) % teams.length]!;
    for (const doc of egressChainDocs(team, `external-${i + 1}`, host)) add(`${team}/egress-${i + 1}.yaml`, doc);
  }

  let resources = 0;
  let bytes = 0;
  for (const [file, docs] of files) {
    const text = docs.join('---\n');
    resources += docs.length;
    bytes += Buffer.byteLength(text);
    await mkdir(path.join(dir, path.dirname(file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return { files: files.size, resources, bytes };
}

/** The mistakes of a tree that was never linted, spread so that about 85% of the files carry one. */
function withFinding(doc: string, index: number): string {
  if (doc.includes('kind: Deployment') && index % 4 !== 3) {
    return doc.replace('          ports:\n', '          imagePullPolicy: Sometimes\n          ports:\n');
  }
  if (doc.includes('kind: DestinationRule') && index % 5 !== 4) return doc.replace('mode: ISTIO_MUTUAL', 'mode: DISABLE');
  if (doc.includes('kind: ConfigMap') && doc.includes('settings.yaml') && index % 3 !== 2 && doc.includes('-web\n')) {
    return doc.replace('data:\n', 'data:\n  replicas: 3\n');
  }
  return doc;
}

function namespaceDoc(name: string, labels: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    team: ${name}\n${labels}`;
}

function quotaDoc(ns: string, cpu: number): string {
  return `apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\n  namespace: ${ns}\nspec:\n  hard:\n    requests.cpu: "${cpu}"\n    requests.memory: ${cpu * 2}Gi\n    limits.cpu: "${cpu * 4}"\n    limits.memory: ${cpu * 4}Gi\n    pods: "200"\n`;
}

function limitRangeDoc(ns: string): string {
  return `apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\n  namespace: ${ns}\nspec:\n  limits:\n    - type: Container\n      default: {cpu: 500m, memory: 512Mi}\n      defaultRequest: {cpu: 100m, memory: 128Mi}\n      maxLimitRequestRatio: {cpu: "20"}\n`;
}

function sidecarDoc(name: string, ns: string): string {
  return `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  egress:\n    - hosts: ["./*", "istio-system/*"]\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n`;
}

function peerAuthentication(name: string, ns: string, mode: string): string {
  return `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  mtls:\n    mode: ${mode}\n`;
}

function defaultDenyDoc(ns: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`;
}

function dnsEgressDoc(ns: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns-and-mesh\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels: {kubernetes.io/metadata.name: kube-system}\n          podSelector:\n            matchLabels: {k8s-app: kube-dns}\n      ports:\n        - {protocol: UDP, port: 53}\n        - {protocol: TCP, port: 53}\n    - to:\n        - namespaceSelector:\n            matchLabels: {kubernetes.io/metadata.name: istio-system}\n      ports:\n        - {protocol: TCP, port: 15012}\n        - {protocol: TCP, port: 443}\n`;
}

function serviceDocs(ns: string, name: string, replicas: number, cpu: string, memory: string, index: number): string[] {
  const labels = `app: ${name}\n        team: ${ns}\n        version: v1`;
  return [
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\n  namespace: ${ns}\ndata:\n  LOG_LEVEL: info\n  UPSTREAM: http://svc-${String((index % 500) + 1).padStart(3, '0')}.${ns}.svc.cluster.local\n  FEATURE_FLAGS: "checkout,ledger,refunds"\n`,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    app: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels:\n      app: ${name}\n  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n  template:\n    metadata:\n      labels:\n        ${labels}\n      annotations:\n        prometheus.io/scrape: "true"\n        prometheus.io/port: "15020"\n    spec:\n      serviceAccountName: ${name}\n      containers:\n        - name: app\n          image: registry.example.com/${ns}/${name}:1.${index % 17}.${index % 5}\n          ports:\n            - {name: http, containerPort: 8080}\n            - {name: grpc, containerPort: 9090}\n          env:\n            - {name: PORT, value: "8080"}\n            - name: CONFIG\n              valueFrom:\n                configMapKeyRef: {name: ${name}-config, key: LOG_LEVEL}\n          resources:\n            requests: {cpu: ${cpu}, memory: ${memory}}\n            limits: {cpu: "2", memory: 2Gi}\n          readinessProbe:\n            httpGet: {path: /ready, port: http}\n          livenessProbe:\n            httpGet: {path: /healthz, port: http}\n`,
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - {name: http, port: 80, targetPort: http}\n    - {name: grpc, port: 9090, targetPort: grpc}\n`,
    `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}\n  minReplicas: ${replicas}\n  maxReplicas: ${replicas * 2}\n  metrics:\n    - type: ContainerResource\n      containerResource:\n        name: cpu\n        container: app\n        target: {type: Utilization, averageUtilization: 70}\n`,
    `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: ${name}\n`,
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}-ingress\n  namespace: ${ns}\nspec:\n  podSelector:\n    matchLabels:\n      app: ${name}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              team: ${ns}\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: istio-system\n      ports:\n        - {protocol: TCP, port: 8080}\n        - {protocol: TCP, port: 9090}\n`,
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  host: ${name}.${ns}.svc.cluster.local\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n    connectionPool:\n      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 100}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 30s, baseEjectionTime: 30s}\n  subsets:\n    - name: v1\n      labels: {version: v1}\n`,
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  hosts: [${name}.${ns}.svc.cluster.local]\n  http:\n    - route:\n        - destination: {host: ${name}.${ns}.svc.cluster.local, subset: v1}\n      retries: {attempts: 3, perTryTimeout: 2s}\n      timeout: 10s\n`,
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels:\n      app: ${name}\n  action: ALLOW\n  rules:\n    - from:\n        - source:\n            principals: ["cluster.local/ns/${ns}/sa/*"]\n      to:\n        - operation:\n            methods: [GET, POST]\n`,
    ...(['web', 'worker', 'admin', 'metrics', 'batch', 'events', 'cache', 'search'] as const).map(
      (part) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-${part}\n  namespace: ${ns}\n  labels:\n    app: ${name}\ndata:\n  settings.yaml: |\n    component: ${part}\n    threads: ${4 + (index % 8)}\n    timeoutSeconds: 30\n`,
    ),
  ];
}

function cronJobDoc(ns: string, name: string, index: number): string {
  return `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  schedule: "${index % 60} ${index % 24} * * *"\n  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n      activeDeadlineSeconds: 3600\n      template:\n        metadata:\n          labels:\n            app: ${name}\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: job\n              image: registry.example.com/${ns}/${name}:2.0.${index % 9}\n              command: ["scuttle", "/app/run", "--batch"]\n              env:\n                - {name: ENVOY_ADMIN_API, value: "http://127.0.0.1:15000"}\n                - {name: ISTIO_QUIT_API, value: "http://127.0.0.1:15020"}\n              resources:\n                requests: {cpu: 100m, memory: 128Mi}\n                limits: {cpu: 500m, memory: 256Mi}\n`;
}

function egressGatewayDeployment(): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: istio-egressgateway\n  namespace: istio-system\nspec:\n  selector:\n    istio: egressgateway\n  ports:\n    - {name: tls, port: 443}\n`;
}

function egressChainDocs(ns: string, name: string, host: string): string[] {
  return [
    `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  hosts: [${host}]\n  ports:\n    - {number: 443, name: tls, protocol: TLS}\n  location: MESH_EXTERNAL\n  resolution: DNS\n`,
    `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: ${name}-egress\n  namespace: ${ns}\nspec:\n  selector:\n    istio: egressgateway\n  servers:\n    - port: {number: 443, name: tls, protocol: TLS}\n      hosts: [${host}]\n      tls: {mode: PASSTHROUGH}\n`,
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}-egressgateway\n  namespace: ${ns}\nspec:\n  host: istio-egressgateway.istio-system.svc.cluster.local\n  subsets:\n    - name: ${name}\n      trafficPolicy:\n        tls: {mode: ISTIO_MUTUAL}\n`,
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}-via-egress\n  namespace: ${ns}\nspec:\n  hosts: [${host}]\n  gateways: [mesh, ${name}-egress]\n  tls:\n    - match:\n        - gateways: [mesh]\n          port: 443\n          sniHosts: [${host}]\n      route:\n        - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: ${name}, port: {number: 443}}\n    - match:\n        - gateways: [${name}-egress]\n          port: 443\n          sniHosts: [${host}]\n      route:\n        - destination: {host: ${host}, port: {number: 443}}\n`,
  ];
}

export interface GeneratedBundle {
  crds: number;
  resources: number;
  bytes: number;
}

/**
 * One rendered file as `kustomize build` or `helm template` writes it for a platform install (Kubeflow's
 * example is 8.6 MB with 57 CRDs): CustomResourceDefinitions with large structural schemas, custom
 * resources of each kind, and the workloads around them. Deterministic; about `targetBytes` long.
 */
export async function generateCrdBundle(file: string, crds = 57, targetBytes = 8_600_000): Promise<GeneratedBundle> {
  const random = prng(57);
  const docs: string[] = [];
  let resources = 0;
  // Schema size per CRD so that the CRDs make ~90% of the file, as in rendered installs.
  const propertiesPerCrd = Math.max(10, Math.round((targetBytes * 0.9) / crds / 700));
  for (let c = 0; c < crds; c++) {
    const group = `${['pipelines', 'serving', 'training', 'notebooks', 'katib', 'profiles'][c % 6]}.bench${c}.example.com`;
    const kind = `Bench${['Pipeline', 'Service', 'Job', 'Notebook', 'Experiment', 'Profile'][c % 6]}${c}`;
    const types = fieldTypes(propertiesPerCrd, random);
    docs.push(crdDoc(group, kind, types));
    resources++;
    for (let r = 0; r < 4; r++) {
      // Every fourth custom resource has a field its schema does not know (pruned by the API server).
      docs.push(customResourceDoc(group, kind, types, `${kind.toLowerCase()}-${r}`, `team-${(c + r) % 10}`, r === 3));
      resources++;
    }
  }
  let index = 0;
  while (docs.join('---\n').length < targetBytes && index < 2_000) {
    const ns = `team-${index % 10}`;
    const name = `svc-${String(index).padStart(4, '0')}`;
    for (const doc of serviceDocs(ns, name, 2, '250m', '512Mi', index).slice(0, 6)) docs.push(doc);
    resources += 6;
    index++;
  }
  const text = docs.join('---\n');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return { crds, resources, bytes: Buffer.byteLength(text) };
}

type FieldType = 'string' | 'integer' | 'boolean' | 'object' | 'array';

function fieldTypes(count: number, random: () => number): FieldType[] {
  const kinds: FieldType[] = ['string', 'integer', 'boolean', 'object', 'array'];
  return Array.from({ length: count }, () => kinds[Math.floor(random() * kinds.length)]!);
}

function crdDoc(group: string, kind: string, types: readonly FieldType[]): string {
  const plural = `${kind.toLowerCase()}s`;
  const lines: string[] = [];
  // Under `spec.properties` (at 14): until 2026-12-03 the fields sat at 14 too, beside a null `properties`,
  // which made every generated CRD carry thousands of genuine unknown-field findings.
  const indent = ' '.repeat(16);
  for (const [p, type] of types.entries()) {
    const name = `field${p}`;
    lines.push(`${indent}${name}:`);
    lines.push(`${indent}  description: ${'Generated description of this field, as long as the ones controller-gen copies from Go doc comments into rendered CRDs. '.repeat(4).trim()}`);
    if (type === 'object') {
      lines.push(`${indent}  type: object`, `${indent}  properties:`);
      lines.push(`${indent}    name: {type: string, maxLength: 63, description: The name.}`);
      lines.push(`${indent}    mode: {type: string, enum: [Auto, Manual, Disabled], description: The mode.}`);
      lines.push(`${indent}    limits:`, `${indent}      type: object`, `${indent}      additionalProperties:`, `${indent}        x-kubernetes-int-or-string: true`);
    } else if (type === 'array') {
      lines.push(`${indent}  type: array`, `${indent}  items:`, `${indent}    type: object`, `${indent}    required: [name]`, `${indent}    properties:`);
      lines.push(`${indent}      name: {type: string}`, `${indent}      value: {type: string}`);
    } else if (type === 'integer') {
      lines.push(`${indent}  type: integer`, `${indent}  format: int32`, `${indent}  minimum: 0`);
    } else {
      lines.push(`${indent}  type: ${type}`);
    }
  }
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.0
spec:
  group: ${group}
  names:
    kind: ${kind}
    listKind: ${kind}List
    plural: ${plural}
    singular: ${kind.toLowerCase()}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              properties:
${lines.join('\n')}
            status:
              type: object
              x-kubernetes-preserve-unknown-fields: true
`;
}

/** Values that match the CRD's schema for its first fields, so only the planted unknown field is a finding. */
function customResourceDoc(group: string, kind: string, types: readonly FieldType[], name: string, ns: string, unknownField: boolean): string {
  const values: Record<FieldType, string> = {
    string: 'value',
    integer: '3',
    boolean: 'true',
    object: '{name: primary, mode: Auto, limits: {cpu: 2, memory: 1Gi}}',
    array: '[{name: a, value: b}]',
  };
  const fields = types.slice(0, 4).map((type, p) => `  field${p}: ${values[type]}\n`).join('');
  return `apiVersion: ${group}/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${fields}${unknownField ? '  notInTheSchema: true\n' : ''}`;
}
