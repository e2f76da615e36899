import { limitRangeViolations, type LimitRangeViolation } from '../../model/mesh/limit-range.js';
import { COMPUTE_RESOURCES } from '../../model/mesh/pod-resources.js';
import { PROXY_ANNOTATIONS, describeProxyContainers, proxyPath, workloadPodOf, type ProxyResources } from '../../model/mesh/resources.js';
import { isOwned } from '../../model/mesh/replicas.js';
import { formatAmount } from '../../model/quantity.js';
import type { JsonPath } from '../../model/types.js';
import { POD_BEARING_KINDS, type PodTemplate } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

const ID = 'sidecar-proxy-resources';

/**
 * The proxy annotations are all-or-nothing (setting one drops every mesh default), their values are
 * pasted into the pod unchecked (a typo makes the API server reject the pod, not the injector), and the
 * namespace's LimitRanges judge istio-proxy like any other container: the default 2000m/100m CPU is a
 * limit/request ratio of 20, beyond many teams' maxLimitRequestRatio.
 */
export const sidecarProxyResourcesRule: Rule = {
  meta: {
    id: ID,
    title: 'Proxy resource annotations must be complete, valid and within the LimitRanges',
    description:
      'On injected workloads: the four `sidecar.istio.io/proxy*` resource annotations must be set together, parse as ' +
      'quantities, keep request <= limit, and the resulting istio-proxy/init container must satisfy every Container ' +
      'LimitRange entry of the namespace (max, min, maxLimitRequestRatio).',
    severity: 'error',
    helpUri: ruleDocsUri(ID),
    tags: ['mesh', 'resources'],
    appliesTo: { family: 'kubernetes', kinds: POD_BEARING_KINDS },
  },
  check(resource, context) {
    if (isOwned(resource)) return;
    const pod = workloadPodOf(resource, context.inventory, context.mesh);
    if (!pod?.injection.injected || !pod.proxy) return;
    const { proxy, template } = pod;
    const containers = describeProxyContainers(pod);

    for (const problem of proxy.problems) {
      context.report({
        path: problem.path,
        messageId: 'badQuantity',
        message: `${problem.what}: ${problem.error}; Istio copies it into ${containers} as is and the API server rejects the pod`,
      });
    }

    if (proxy.source === 'annotations' && proxy.annotated.length < PROXY_ANNOTATIONS.length) {
      const first = proxy.annotated[0]!;
      const dropped = PROXY_ANNOTATIONS.filter((a) => !proxy.annotated.some((p) => p.key === a.key));
      const defaults = dropped.map((a) => `${a.key.replace('sidecar.istio.io/', '')}${meshDefault(context.mesh.proxyResources, a.field, a.resource)}`);
      context.report({
        path: first.path,
        messageId: 'partialAnnotations',
        severity: 'warning',
        message: `only ${proxy.annotated.map((a) => a.key).join(', ')} ${proxy.annotated.length === 1 ? 'is' : 'are'} set: Istio then drops the mesh defaults, so ${containers} get no ${defaults.join(', ')}; set all four`,
      });
    }

    const proxyContainer = pod.shape.containers.find((c) => c.origin === 'istio-proxy') ?? pod.shape.initContainers.find((c) => c.origin === 'istio-proxy');
    if (!proxyContainer) return;
    for (const resourceName of COMPUTE_RESOURCES) {
      const request = proxyContainer.requests[resourceName];
      const limit = proxyContainer.limits[resourceName];
      if (request === undefined || limit === undefined || request <= limit) continue;
      const fromLimitRange = proxy.limits[resourceName] === undefined ? ' (the limit is the namespace LimitRange default)' : '';
      context.report({
        path: proxyPath(proxy, template, 'requests', resourceName),
        messageId: 'requestAboveLimit',
        message: `${containers}: ${resourceName} request ${formatAmount(resourceName, request)} exceeds the limit ${formatAmount(resourceName, limit)}${fromLimitRange}; the API server rejects the pod`,
      });
    }

    for (const range of pod.limitRanges) {
      for (const violation of limitRangeViolations(proxyContainer.requests, proxyContainer.limits, range)) {
        const lr = range.limitRange;
        context.report({
          path: violationPath(violation, proxy, template),
          messageId: violation.kind === 'ratio' ? 'limitRangeRatio' : violation.kind === 'max' ? 'limitRangeMax' : 'limitRangeMin',
          message: `${containers} ${describeViolation(violation)} of LimitRange ${lr.namespace}/${lr.name} (spec.limits[${range.path[2]}], type Container): the API server rejects the pod${fixHint(violation, proxy)}`,
          related: [{ apiVersion: lr.apiVersion, kind: lr.kind, ...(lr.namespace !== undefined ? { namespace: lr.namespace } : {}), name: lr.name }],
        });
      }
    }
  },
};

function meshDefault(defaults: { requests: Record<string, string | undefined>; limits: Record<string, string | undefined> }, field: 'requests' | 'limits', resource: string): string {
  const value = defaults[field][resource];
  return value !== undefined ? ` (mesh default ${value})` : '';
}

function violationPath(v: LimitRangeViolation, proxy: ProxyResources, template: PodTemplate): JsonPath {
  if (v.kind === 'ratio') return proxyPath(proxy, template, v.limit === undefined ? 'limits' : 'requests', v.resource);
  return proxyPath(proxy, template, v.field === 'limit' ? 'limits' : 'requests', v.resource);
}

function describeViolation(v: LimitRangeViolation): string {
  const fmt = (x: bigint): string => formatAmount(v.resource, x);
  if (v.kind === 'ratio') {
    const ratio = Number(v.ratio) / 1000;
    if (v.request === undefined || v.request === 0n) return `have no ${v.resource} request, required by its maxLimitRequestRatio ${ratio} for ${v.resource}`;
    if (v.limit === undefined || v.limit === 0n) return `have no ${v.resource} limit, required by its maxLimitRequestRatio ${ratio} for ${v.resource}`;
    const actual = Number((v.limit * 100n) / v.request) / 100;
    return `have a ${v.resource} limit/request ratio of ${actual} (${fmt(v.limit)}/${fmt(v.request)}), above the maxLimitRequestRatio ${ratio}`;
  }
  const bound = v.kind === 'max' ? 'max' : 'min';
  if (v.value === undefined) return `have no ${v.resource} ${v.field}, required by its ${bound} ${fmt(v.bound)} for ${v.resource}`;
  return `have a ${v.resource} ${v.field} of ${fmt(v.value)}, ${v.kind === 'max' ? 'above' : 'below'} the ${bound} ${fmt(v.bound)}`;
}

function fixHint(v: LimitRangeViolation, proxy: ProxyResources): string {
  const annotation = (field: 'requests' | 'limits'): string =>
    PROXY_ANNOTATIONS.find((a) => a.field === field && a.resource === v.resource)!.key;
  if (v.kind === 'ratio') return `; raise ${annotation('requests')} or lower ${annotation('limits')}${proxy.source === 'mesh' ? ' (all four annotations, or the mesh defaults)' : ''}`;
  return `; set ${annotation(v.field === 'limit' ? 'limits' : 'requests')} within the bound${proxy.source === 'mesh' ? ' (with the other three annotations, or change the mesh defaults)' : ''}`;
}
