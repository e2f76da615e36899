import { describePolicy } from '../../model/network/admission.js';
import { refOf } from '../../model/network/bulkhead.js';
import { isNetworkPolicy, parseNetworkPolicy, type PolicyDirection } from '../../model/network/policy.js';
import { injectedWorkloadsIn, missingDefaultDeny, nonTcpOpenings, type NonTcpOpening } from '../../model/network/udp.js';
import { POD_BEARING_KINDS } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * Istio's sidecar intercepts TCP only, so UDP between namespaces carries no mTLS and meets no
 * AuthorizationPolicy. The platform blocked it with NetworkPolicy; this rule keeps that fence standing.
 */
export const udpBulkheadRule: Rule = {
  meta: {
    id: 'udp-bulkhead',
    title: 'Meshed namespaces must fence off UDP with NetworkPolicy',
    description:
      'Every namespace with injected workloads needs a default-deny NetworkPolicy (podSelector {}, no rules) for Ingress and, unless ' +
      'switched off, Egress; and no NetworkPolicy there may admit UDP, SCTP or all protocols (a rule without ports) from or to other ' +
      'namespaces or ipBlocks, except DNS (UDP/TCP 53) to kube-dns.',
    severity: 'error',
    helpUri: ruleDocsUri('udp-bulkhead'),
    tags: ['mesh', 'network-policy', 'zero-trust'],
    appliesTo: { family: 'kubernetes', kinds: ['Namespace', 'NetworkPolicy', ...POD_BEARING_KINDS] },
    optionsSchema: {
      type: 'object',
      properties: {
        requireEgressDefaultDeny: {
          type: 'boolean',
          default: true,
          description: 'Also require a default-deny Egress policy (UDP leaving for other namespaces or the internet is not seen by the sidecar either).',
        },
      },
      additionalProperties: false,
    },
  },
  check(resource, context) {
    if (resource.kind === 'NetworkPolicy') {
      if (!isNetworkPolicy(resource) || injectedWorkloadsIn(resource.namespace ?? '', context.inventory, context.mesh).length === 0) return;
      for (const opening of nonTcpOpenings(parseNetworkPolicy(resource))) reportOpening(opening, context);
      return;
    }

    // One finding per namespace: on its Namespace object, or on its first injected workload when the tree has none.
    const namespace = resource.kind === 'Namespace' ? resource.name : (resource.namespace ?? '');
    const workloads = injectedWorkloadsIn(namespace, context.inventory, context.mesh);
    if (workloads.length === 0) return;
    const anchor = context.inventory.namespace(namespace) ?? workloads[0];
    if (anchor !== resource) return;

    const directions: PolicyDirection[] = context.options.requireEgressDefaultDeny === false ? ['Ingress'] : ['Ingress', 'Egress'];
    const missing = missingDefaultDeny(namespace, context.inventory, directions);
    if (missing.length === 0) return;
    const others = workloads.filter((w) => w !== resource);
    const names = workloads.slice(0, 3).map((w) => `${w.kind} ${w.name}`).join(', ') + (workloads.length > 3 ? ` and ${workloads.length - 3} more` : '');
    context.report({
      path: ['metadata', 'name'],
      messageId: 'missingDefaultDeny',
      missingCompanion: true,
      message:
        `namespace ${namespace} runs injected workloads (${names}) but has no default-deny NetworkPolicy for ${missing.join(' and ')} ` +
        `(podSelector: {}, policyTypes: [${missing.join(', ')}], no rules): UDP is never proxied, so nothing else stops it`,
      ...(others.length > 0 ? { related: others.map(refOf) } : {}),
    });
  },
};

function reportOpening(opening: NonTcpOpening, context: RuleContext): void {
  const toward = opening.direction === 'Ingress' ? 'from' : 'to';
  const what = opening.kind === 'allProtocols' ? 'every protocol, UDP and SCTP included (the rule lists no ports),' : opening.port ?? '';
  context.report({
    path: opening.path,
    messageId: opening.kind === 'allProtocols' ? 'allProtocolsAcrossNamespaces' : 'udpAcrossNamespaces',
    message:
      `${describePolicy(opening.policy)} admits ${what} ${toward} ${opening.peers.join(', ')} beyond namespace ${opening.policy.namespace}: ` +
      `the sidecar never sees UDP/SCTP, so this traffic is unauthenticated; ${opening.kind === 'allProtocols' ? 'list the TCP ports instead' : 'remove it or keep it inside the namespace'}`,
  });
}
