import type { PodContainer } from '../../model/mesh/pod-resources.js';
import { workloadPodOf, type WorkloadPod } from '../../model/mesh/resources.js';
import { formatCpu } from '../../model/quantity.js';
import type { JsonPath, Resource, ResourceRef } from '../../model/types.js';
import { getIn, isRecord, POD_BEARING_KINDS } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

const ID = 'hpa-sidecar-skew';

/** When neither v1's targetCPUUtilizationPercentage nor v2's metrics are set, the HPA targets 80% CPU. */
const DEFAULT_CPU_UTILIZATION = 80;

interface CpuUtilizationMetric {
  target: number;
  path: JsonPath;
}

/**
 * A `Resource` CPU metric divides the pod's CPU usage by the SUM of its containers' CPU requests, the
 * injected istio-proxy included (kubernetes.io HPA "Container resource metrics"). The team sized the
 * target for their app, so after injection the HPA scales at a different app load than intended; the
 * fix is `type: ContainerResource` naming the app container (stable since Kubernetes 1.30).
 */
export const hpaSidecarSkewRule: Rule = {
  meta: {
    id: ID,
    title: 'CPU Utilization HPAs must not average in the sidecar',
    description:
      'A `Resource` cpu `Utilization` HPA whose target is injected is skewed by the proxy\'s CPU request: use ' +
      '`type: ContainerResource` with the app container. If any container of the target (the proxy included) has no ' +
      'CPU request, the HPA cannot compute utilization at all.',
    severity: 'warning',
    helpUri: ruleDocsUri(ID),
    tags: ['mesh', 'resources', 'autoscaling'],
    appliesTo: { family: 'kubernetes', kinds: ['HorizontalPodAutoscaler'] },
  },
  check(hpa, context) {
    const ref = getIn(hpa.object, ['spec', 'scaleTargetRef']);
    if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return;
    if (!(POD_BEARING_KINDS as readonly string[]).includes(ref.kind)) return;
    const target = context.inventory.get(ref.kind, hpa.namespace, ref.name);
    if (!target) return;
    const pod = workloadPodOf(target, context.inventory, context.mesh);
    if (!pod?.injection.injected) return;
    const related: ResourceRef[] = [{ apiVersion: target.apiVersion, kind: target.kind, ...(target.namespace !== undefined ? { namespace: target.namespace } : {}), name: target.name }];
    const targetName = `${target.kind} ${target.namespace}/${target.name}`;

    // What the HPA divides by: the containers that run next to the app (native sidecars included).
    const running = [...pod.shape.initContainers.filter((c) => c.restartable), ...pod.shape.containers];
    const app = pod.shape.containers.filter((c) => c.origin === 'declared');
    const mainApp = app[0];

    for (const metric of cpuUtilizationMetrics(hpa)) {
      const withoutRequest = running.filter((c) => c.requests.cpu === undefined || c.requests.cpu === 0n);
      if (withoutRequest.length > 0) {
        context.report({
          path: metric.path,
          messageId: 'missingCpuRequest',
          severity: 'error',
          message: `the HPA cannot compute CPU utilization of ${targetName}: ${withoutRequest.map((c) => describeMissing(c, pod)).join('; ')} — it reports FailedGetResourceMetric and never scales; set a CPU request on every container`,
          related,
        });
        continue;
      }
      if (!mainApp) continue;
      const total = running.reduce((sum, c) => sum + c.requests.cpu!, 0n);
      const proxy = running.filter((c) => c.origin !== 'declared').reduce((sum, c) => sum + c.requests.cpu!, 0n);
      const appRequest = total - proxy;
      if (proxy === 0n || appRequest === 0n) continue;
      // The HPA scales out once (app + proxy usage) reaches target% of the total request. Where the app
      // stands then depends on the proxy's own load: busy at its request (low end) to idle (high end).
      const threshold = (total * BigInt(Math.round(metric.target * 100))) / 10000n;
      const low = threshold - proxy > 0n ? threshold - proxy : 0n;
      const pct = (v: bigint): string => `${Math.round(Number((v * 1000n) / appRequest) / 10)}%`;
      context.report({
        path: metric.path,
        messageId: 'utilizationIncludesProxy',
        message:
          `target ${metric.target}% of ${formatCpu(total)} total incl. ${formatCpu(proxy)} proxy (istio-proxy) on ${targetName} = ` +
          `scales at ${pct(low)}–${pct(threshold)} of app CPU (${formatCpu(low)}–${formatCpu(threshold)} of ${formatCpu(appRequest)}), depending on how busy the proxy is; ` +
          `use \`type: ContainerResource\` with \`containerResource: {name: cpu, container: ${mainApp.name}}\``,
        related,
      });
    }
  },
};

function cpuUtilizationMetrics(hpa: Resource): CpuUtilizationMetric[] {
  const spec = isRecord(hpa.object.spec) ? hpa.object.spec : {};
  if (hpa.apiVersion === 'autoscaling/v1') {
    const target = spec.targetCPUUtilizationPercentage;
    if (typeof target === 'number') return [{ target, path: ['spec', 'targetCPUUtilizationPercentage'] }];
    return [{ target: DEFAULT_CPU_UTILIZATION, path: ['spec'] }];
  }
  if (!Array.isArray(spec.metrics)) return [{ target: DEFAULT_CPU_UTILIZATION, path: ['spec'] }];
  const out: CpuUtilizationMetric[] = [];
  spec.metrics.forEach((metric, index) => {
    if (!isRecord(metric) || metric.type !== 'Resource' || !isRecord(metric.resource) || metric.resource.name !== 'cpu') return;
    const resource = metric.resource;
    // autoscaling/v2 and v2beta2: target.{type: Utilization, averageUtilization}; v2beta1: targetAverageUtilization.
    const target = isRecord(resource.target) && resource.target.type === 'Utilization' ? resource.target.averageUtilization : resource.targetAverageUtilization;
    if (typeof target === 'number') out.push({ target, path: ['spec', 'metrics', index] });
  });
  return out;
}

function describeMissing(container: PodContainer, pod: WorkloadPod): string {
  if (container.origin === 'declared') return `container ${container.name} has no CPU request`;
  const proxy = pod.proxy;
  if (proxy?.source === 'annotations') {
    return `istio-proxy has no CPU request because only ${proxy.annotated.map((a) => a.key).join(', ')} ${proxy.annotated.length === 1 ? 'is' : 'are'} annotated and Istio then drops the proxy defaults`;
  }
  return 'istio-proxy has no CPU request (mesh.proxyResources sets none)';
}
