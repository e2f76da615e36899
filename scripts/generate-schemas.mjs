#!/usr/bin/env node
/**
 * Generates the JSON Schemas meshguard validates against (schemas/kubernetes, schemas/istio) from two npm
 * packages, unpacked beside each other with `npm pack` (see docs/schemas.md for the exact commands):
 *
 *   node scripts/generate-schemas.mjs --client-node <dir of @kubernetes/client-node> --istio <dir of @kubernetes-models/istio>
 *
 * Why these packages: no npm package ships Kubernetes' own OpenAPI document or Istio's CRD yaml, and the
 * packages that ship ajv validators (kubernetes-models) need Node >= 22 and never reject unknown fields.
 * @kubernetes/client-node carries, per API type, the field list with JSON names and types
 * (`attributeTypeMap`) and required-ness (its .d.ts); @kubernetes-models/istio carries Istio's CRD schemas
 * as TypeScript declarations. The output is committed (minified), so neither package is a dependency.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
if (!args['client-node'] || !args.istio) {
  console.error('usage: generate-schemas.mjs --client-node <dir> --istio <dir>');
  process.exit(2);
}
const OUT = path.resolve(import.meta.dirname, '..', 'schemas');

// ---------- Kubernetes, from @kubernetes/client-node ----------

const cnRoot = path.resolve(args['client-node']);
const cnVersion = JSON.parse(readFileSync(path.join(cnRoot, 'package.json'), 'utf8')).version;
const modelsDir = path.join(cnRoot, 'dist/gen/models');
const apisDir = path.join(cnRoot, 'dist/gen/apis');
const k8sRelease = /OpenAPI spec version: release-(\d+\.\d+)/.exec(readFileSync(path.join(modelsDir, 'V1Pod.js'), 'utf8'))?.[1];

/**
 * resource.Quantity fields: the OpenAPI document types them as int-or-string, the client as plain
 * strings. YAML writes `cpu: 1` as a number and the API server accepts it, so these must take both.
 */
const QUANTITY_MAPS = new Set([
  'V1ResourceRequirements.limits', 'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits', 'V1VolumeResourceRequirements.requests',
  'V1LimitRangeItem.default', 'V1LimitRangeItem.defaultRequest', 'V1LimitRangeItem.max', 'V1LimitRangeItem.min',
  'V1LimitRangeItem.maxLimitRequestRatio', 'V1NodeStatus.allocatable', 'V1NodeStatus.capacity', 'V1Overhead.podFixed',
  'V1PersistentVolumeClaimStatus.allocatedResources', 'V1PersistentVolumeClaimStatus.capacity',
  'V1PersistentVolumeSpec.capacity', 'V1PodSpec.overhead', 'V1PodStatus.allocatedResources',
  'V1ContainerStatus.allocatedResources', 'V1ResourceQuotaSpec.hard', 'V1ResourceQuotaStatus.hard',
  'V1ResourceQuotaStatus.used', 'V1NodeAllocatableResourceClaimStatus.resources',
]);
const QUANTITY_SCALARS = /^(V1EmptyDirVolumeSource\.sizeLimit|V1ResourceFieldSelector\.divisor|V2MetricTarget\.(averageValue|value)|V1CSIStorageCapacity\.(capacity|maximumVolumeSize)|V\d(alpha\d|beta\d)?(DeviceCapacity\.value|CapacityRequestPolicy\.default|CapacityRequestPolicyRange\.(min|max|step)))$/;
const INT_OR_STRING = { type: ['integer', 'string'] };
/** `cpu: 0.5` is a valid quantity too. */
const QUANTITY = { type: ['number', 'string'] };

/**
 * Enums the API server enforces, from the Kubernetes API reference: the client keeps them only in prose,
 * and a wrong case (`imagePullPolicy: always`) is a classic. Only long-stable ones, to avoid false alarms.
 * Array fields (accessModes, policyTypes) constrain their items.
 */
const PROTOCOL = ['TCP', 'UDP', 'SCTP'];
const K8S_ENUMS = {
  'V1Container.imagePullPolicy': ['Always', 'Never', 'IfNotPresent'],
  'V1EphemeralContainer.imagePullPolicy': ['Always', 'Never', 'IfNotPresent'],
  'V1Container.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  'V1PodSpec.restartPolicy': ['Always', 'OnFailure', 'Never'],
  'V1PodSpec.dnsPolicy': ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'],
  'V1PodSpec.preemptionPolicy': ['Never', 'PreemptLowerPriority'],
  'V1ContainerPort.protocol': PROTOCOL,
  'V1ServicePort.protocol': PROTOCOL,
  'V1NetworkPolicyPort.protocol': PROTOCOL,
  'V1ServiceSpec.type': ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
  'V1ServiceSpec.externalTrafficPolicy': ['Cluster', 'Local'],
  'V1ServiceSpec.internalTrafficPolicy': ['Cluster', 'Local'],
  'V1ServiceSpec.sessionAffinity': ['ClientIP', 'None'],
  'V1ServiceSpec.ipFamilyPolicy': ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
  'V1DeploymentStrategy.type': ['Recreate', 'RollingUpdate'],
  'V1StatefulSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'V1DaemonSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'V1StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'V1CronJobSpec.concurrencyPolicy': ['Allow', 'Forbid', 'Replace'],
  'V1JobSpec.completionMode': ['NonIndexed', 'Indexed'],
  'V1HTTPIngressPath.pathType': ['Exact', 'Prefix', 'ImplementationSpecific'],
  'V1PersistentVolumeClaimSpec.accessModes': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  'V1PersistentVolumeSpec.accessModes': ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
  'V1PersistentVolumeClaimSpec.volumeMode': ['Filesystem', 'Block'],
  'V1Toleration.operator': ['Exists', 'Equal'],
  'V1Toleration.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'V1Taint.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'V1LabelSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist'],
  'V1NodeSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'],
  'V1NetworkPolicySpec.policyTypes': ['Ingress', 'Egress'],
  'V1SeccompProfile.type': ['RuntimeDefault', 'Unconfined', 'Localhost'],
  'V1TopologySpreadConstraint.whenUnsatisfiable': ['DoNotSchedule', 'ScheduleAnyway'],
  'V2MetricSpec.type': ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'],
  'V2MetricTarget.type': ['AverageValue', 'Utilization', 'Value'],
};

function attributeTypeMap(model) {
  const js = readFileSync(path.join(modelsDir, `${model}.js`), 'utf8');
  const match = /\.attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(js);
  return match ? JSON.parse(match[1]) : [];
}

function requiredNames(model) {
  const dts = readFileSync(path.join(modelsDir, `${model}.d.ts`), 'utf8');
  return new Set([...dts.matchAll(/^\s+'([^']+)': /gm)].map((m) => m[1]));
}

const k8sDefs = {};
function defineModel(model) {
  if (k8sDefs[model]) return;
  k8sDefs[model] = {}; // placeholder: breaks recursion (JSONSchemaProps refers to itself)
  const required = requiredNames(model);
  const properties = {};
  const requiredJson = [];
  for (const attr of attributeTypeMap(model)) {
    const key = `${model}.${attr.baseName}`;
    let schema;
    if (QUANTITY_MAPS.has(key)) schema = { type: 'object', additionalProperties: QUANTITY };
    else if (attr.type === 'string' && QUANTITY_SCALARS.test(key)) schema = QUANTITY;
    else schema = typeSchema(attr.type, attr.format);
    const values = K8S_ENUMS[key];
    if (values) schema = schema.type === 'array' ? { ...schema, items: { type: 'string', enum: values } } : { type: 'string', enum: values };
    properties[attr.baseName] = schema;
    if (required.has(attr.name)) requiredJson.push(attr.baseName);
  }
  k8sDefs[model] = {
    type: 'object',
    properties,
    ...(requiredJson.length > 0 ? { required: requiredJson } : {}),
    additionalProperties: false,
  };
}

function typeSchema(type, format) {
  let m;
  if (type === 'string') return { type: 'string' };
  if (type === 'number') return { type: format === 'int32' || format === 'int64' ? 'integer' : 'number' };
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'Date' || type === 'V1MicroTime') return { type: 'string' };
  if (type === 'any' || type === 'object') return {};
  if (type === 'IntOrString') return INT_OR_STRING;
  if ((m = /^Array<(.+)>$/.exec(type))) return { type: 'array', items: typeSchema(m[1], '') };
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) return { type: 'object', additionalProperties: typeSchema(m[1], '') };
  if (/^[A-Z]\w+$/.test(type)) {
    defineModel(type);
    return { $ref: `#/$defs/${type}` };
  }
  throw new Error(`unknown client-node type ${type}`);
}

/** Creatable kinds: each `create[Namespaced]<Kind>` operation names the path (group/version) and body model. */
const k8sKinds = {};
for (const file of readdirSync(apisDir).filter((f) => /V\d\w*Api\.js$/.test(f))) {
  const js = readFileSync(path.join(apisDir, file), 'utf8');
  const re = /async create(Namespaced)?(\w+)\([^)]*\) \{[\s\S]*?const localVarPath = '([^']+)'[\s\S]*?ObjectSerializer\.serialize\(body, "(\w+)"/g;
  for (const [, namespaced, kind, urlPath, model] of js.matchAll(re)) {
    if (/\{name\}/.test(urlPath)) continue; // subresources (bindings, evictions, tokens)
    const gv = /^\/api\/(v1)\//.exec(urlPath)?.[1] ?? /^\/apis\/([^/]+\/[^/]+)\//.exec(urlPath)?.[1];
    if (!gv) continue;
    defineModel(model);
    k8sKinds[`${gv}/${kind}`] = { model, namespaced: Boolean(namespaced) };
  }
}
// Not creatable through a create operation, but written in manifests and Lists.
for (const [gvk, model] of [['v1/List', 'V1List']]) {
  try { defineModel(model); k8sKinds[gvk] = { model, namespaced: false }; } catch { /* absent in this client */ }
}

// A renamed type or field in a newer client must not silently drop an enum.
for (const key of Object.keys(K8S_ENUMS)) {
  const [model, field] = key.split('.');
  const property = k8sDefs[model]?.properties?.[field];
  if (!property?.enum && !property?.items?.enum) throw new Error(`enum ${key} matches no field of the client`);
}
mkdirSync(path.join(OUT, 'kubernetes'), { recursive: true });
writeFileSync(
  path.join(OUT, 'kubernetes', `v${k8sRelease}.json`),
  JSON.stringify({
    $id: 'k8s',
    source: `@kubernetes/client-node@${cnVersion} (Kubernetes OpenAPI release-${k8sRelease})`,
    kubernetesVersion: k8sRelease,
    kinds: Object.fromEntries(Object.entries(k8sKinds).sort()),
    $defs: Object.fromEntries(Object.entries(k8sDefs).sort()),
  }),
);

// ---------- Istio, from @kubernetes-models/istio ----------

const istioRoot = path.resolve(args.istio);
const istioPkg = JSON.parse(readFileSync(path.join(istioRoot, 'package.json'), 'utf8'));
const istioRelease = /istio\/(\d+\.\d+\.\d+)\/manifests\/charts\/base\/files\/crd-all/.exec(JSON.stringify(istioPkg))?.[1] ?? 'unknown';
const ISTIO_GROUPS = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'];

/** Syntactic TypeScript -> JSON Schema: the declarations are generated from the CRDs, so their shapes are few. */
function tsTypeSchema(node) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword: return { type: 'number' };
    case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
    case ts.SyntaxKind.AnyKeyword: case ts.SyntaxKind.UnknownKeyword: return {};
    case ts.SyntaxKind.ParenthesizedType: return tsTypeSchema(node.type);
    case ts.SyntaxKind.ArrayType: return { type: 'array', items: tsTypeSchema(node.elementType) };
    case ts.SyntaxKind.LiteralType:
      if (ts.isStringLiteral(node.literal)) return { type: 'string', enum: [node.literal.text] };
      return {};
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === 'Array' && node.typeArguments?.length === 1) return { type: 'array', items: tsTypeSchema(node.typeArguments[0]) };
      if (name === 'IObjectMeta') return { $ref: 'k8s#/$defs/V1ObjectMeta' };
      return {}; // Exclude<...> helpers of oneOf constraints and foreign types: no constraint
    }
    case ts.SyntaxKind.IntersectionType: {
      // `{fields} & (oneOf constraints)`: the first member lists every field; the rest only restrict presence.
      const literal = node.types.find((t) => ts.isTypeLiteralNode(t));
      return literal ? tsTypeSchema(literal) : {};
    }
    case ts.SyntaxKind.UnionType: {
      const members = node.types.map(tsTypeSchema);
      if (members.every((m) => m.type === 'string' && m.enum)) return { type: 'string', enum: members.flatMap((m) => m.enum) };
      const types = new Set(members.map((m) => m.type));
      if (types.size === 2 && types.has('number') && types.has('string')) return INT_OR_STRING;
      if (members.every((m) => m.type === 'object')) return mergeObjects(members);
      return {};
    }
    case ts.SyntaxKind.TypeLiteral: {
      const properties = {};
      const required = [];
      let additional;
      for (const member of node.members) {
        if (ts.isPropertySignature(member) && member.type) {
          const name = member.name.text ?? member.name.getText();
          properties[name] = tsTypeSchema(member.type);
          if (!member.questionToken) required.push(name);
        } else if (ts.isIndexSignatureDeclaration(member) && member.type) {
          additional = tsTypeSchema(member.type);
        }
      }
      const keys = Object.keys(properties);
      // `{}` is a google.protobuf.Struct/Value or a status: x-kubernetes-preserve-unknown-fields.
      if (keys.length === 0 && !additional) return { type: 'object' };
      return {
        type: 'object',
        ...(keys.length > 0 ? { properties } : {}),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: additional ?? false,
      };
    }
    default:
      return {};
  }
}

function mergeObjects(members) {
  const properties = {};
  for (const m of members) Object.assign(properties, m.properties ?? {});
  return { type: 'object', properties, additionalProperties: false };
}

const istioKinds = {};
const istioDefs = {};
const istioSchemaKeys = new Map();
for (const group of ISTIO_GROUPS) {
  for (const version of readdirSync(path.join(istioRoot, group)).filter((v) => /^v\d/.test(v))) {
    for (const file of readdirSync(path.join(istioRoot, group, version)).filter((f) => /^[A-Z]\w+\.d\.ts$/.test(f))) {
      const kind = file.replace(/\.d\.ts$/, '');
      const source = ts.createSourceFile(file, readFileSync(path.join(istioRoot, group, version, file), 'utf8'), ts.ScriptTarget.Latest, true);
      const iface = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === `I${kind}`);
      if (!iface) continue;
      const schema = tsTypeSchema(ts.factory.createTypeLiteralNode(iface.members));
      // apiVersion/kind are checked by the lookup itself; status is written by Istio, never by users.
      schema.properties.apiVersion = { type: 'string' };
      schema.properties.kind = { type: 'string' };
      schema.properties.status = { type: 'object' };
      // Istio serves the same schema under v1, v1beta1 and v1alpha3: store each distinct one once.
      const text = JSON.stringify(schema);
      let key = istioSchemaKeys.get(text);
      if (!key) {
        key = `${group}/${version}/${kind}`;
        istioSchemaKeys.set(text, key);
        istioDefs[key] = schema;
      }
      istioKinds[`${group}/${version}/${kind}`] = { namespaced: true, schema: key };
    }
  }
}

mkdirSync(path.join(OUT, 'istio'), { recursive: true });
writeFileSync(
  path.join(OUT, 'istio', `v${istioRelease.split('.').slice(0, 2).join('.')}.json`),
  JSON.stringify({
    $id: 'istio',
    source: `@kubernetes-models/istio@${istioPkg.version} (Istio ${istioRelease} crd-all.gen.yaml)`,
    istioVersion: istioRelease,
    kinds: Object.fromEntries(Object.entries(istioKinds).sort()),
    $defs: istioDefs,
  }),
);
console.log(`kubernetes ${k8sRelease}: ${Object.keys(k8sKinds).length} kinds, ${Object.keys(k8sDefs).length} types; istio ${istioRelease}: ${Object.keys(istioKinds).length} kinds`);
