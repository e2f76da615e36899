import type { JsonPath, Resource } from '../../model/types.js';
import { isRecord } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';
import { counterparts, placeIn } from './common.js';

interface PortFacts {
  index: number;
  port: number;
  protocol: string;
  /** What Istio treats the port as: appProtocol, else the name's prefix before '-' (istio.io protocol selection). */
  istioProtocol: string;
  targetPort: string;
}

/**
 * With namespace sameness, Istio merges the endpoints of `name.namespace` from every cluster by hostname
 * and port: a Service that differs between clusters gets one cluster's protocol or target port applied to
 * another cluster's endpoints.
 */
export const clusterServiceConsistencyRule: Rule = {
  meta: {
    id: 'cluster-service-consistency',
    title: 'A Service is defined the same way in every cluster of the mesh',
    description:
      'The same Service (namespace/name) in several clusters must agree on its ports (numbers, protocol, the protocol Istio ' +
      'derives from the port name or appProtocol, targetPort) and on being headless: Istio merges their endpoints by hostname and port.',
    severity: 'error',
    helpUri: ruleDocsUri('cluster-service-consistency'),
    tags: ['mesh', 'multicluster'],
    appliesTo: { family: 'kubernetes', kinds: ['Service'] },
  },
  check(resource, context) {
    if (!context.cluster) return;
    const here = context.cluster.current;
    const mine = portsOf(resource);
    for (const { cluster, resource: other } of counterparts(context.cluster, resource)) {
      const theirs = portsOf(other);
      if (isHeadless(resource) !== isHeadless(other)) {
        context.report({
          path: ['spec', 'clusterIP'],
          messageId: 'headlessDiffers',
          message: `Service ${resource.namespace}/${resource.name} is ${isHeadless(resource) ? '' : 'not '}headless in ${here.name} but ${isHeadless(other) ? '' : 'not '}headless in ${placeIn(cluster, other, ['spec', 'clusterIP'])}: Istio merges both clusters' endpoints under one host`,
          related: [other],
        });
      }
      for (const port of mine) {
        const match = theirs.find((p) => p.port === port.port);
        const at: JsonPath = ['spec', 'ports', port.index];
        if (!match) {
          context.report({ path: at, messageId: 'portMissing', message: `Service ${resource.namespace}/${resource.name} port ${port.port} in ${here.name} does not exist in ${placeIn(cluster, other, ['spec', 'ports'])}: calls to it fail on that cluster's endpoints`, related: [other] });
          continue;
        }
        const differences: string[] = [];
        if (match.protocol !== port.protocol) differences.push(`protocol ${port.protocol} vs ${match.protocol}`);
        if (match.istioProtocol !== port.istioProtocol) differences.push(`Istio protocol ${port.istioProtocol} vs ${match.istioProtocol} (port name/appProtocol)`);
        if (match.targetPort !== port.targetPort) differences.push(`targetPort ${port.targetPort} vs ${match.targetPort}`);
        if (differences.length === 0) continue;
        context.report({
          path: at,
          messageId: 'portDiffers',
          message: `Service ${resource.namespace}/${resource.name} port ${port.port} differs between ${here.name} and ${placeIn(cluster, other, ['spec', 'ports', match.index])}: ${differences.join(', ')}`,
          related: [other],
        });
      }
    }
  },
};

function isHeadless(service: Resource): boolean {
  const spec = service.object.spec;
  return isRecord(spec) && spec.clusterIP === 'None';
}

function portsOf(service: Resource): PortFacts[] {
  const spec = service.object.spec;
  const ports = isRecord(spec) && Array.isArray(spec.ports) ? spec.ports : [];
  const out: PortFacts[] = [];
  ports.forEach((entry, index) => {
    if (!isRecord(entry) || typeof entry.port !== 'number') return;
    const name = typeof entry.name === 'string' ? entry.name : '';
    const istioProtocol = typeof entry.appProtocol === 'string' ? entry.appProtocol.toLowerCase() : name.includes('-') ? name.slice(0, name.indexOf('-')).toLowerCase() : name.toLowerCase() || 'auto';
    out.push({
      index,
      port: entry.port,
      protocol: typeof entry.protocol === 'string' ? entry.protocol : 'TCP',
      istioProtocol: KNOWN_PROTOCOLS.has(istioProtocol) ? istioProtocol : 'auto',
      targetPort: entry.targetPort === undefined ? String(entry.port) : String(entry.targetPort),
    });
  });
  return out;
}

/** Protocols Istio selects from a port name prefix or appProtocol; anything else is detected automatically. */
const KNOWN_PROTOCOLS = new Set(['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp']);
