import { describeSwitch } from '../../model/mesh/capture.js';
import { describePolicy } from '../../model/network/admission.js';
import { bulkheadAnalysis, describeExposed, refOf, type BypassExposure, type UnguardedBypass } from '../../model/network/bulkhead.js';
import type { Severity } from '../../model/types.js';
import { POD_BEARING_KINDS } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * When a port bypasses the sidecar, zero trust for that port rests on NetworkPolicy alone (the
 * platform's "bulkheads" behind Hazelcast and ZooKeeper ports). Kubernetes admits a connection when
 * ANY policy selecting the pod admits it, so a single open rule anywhere undoes every narrow one.
 */
export const captureBypassBulkheadRule: Rule = {
  meta: {
    id: 'capture-bypass-bulkhead',
    title: 'Traffic that bypasses the sidecar must be fenced by NetworkPolicy',
    description:
      'For every injected workload whose inbound ports bypass the sidecar, some NetworkPolicy must select the pod for Ingress, ' +
      'and no policy selecting it may admit a bypassed port from every source (no/empty `from`), from `namespaceSelector: {}` ' +
      'or from an ipBlock of 0.0.0.0/0 or ::/0. Outbound port and IP-range bypasses (and UID 1337 containers) need the same for Egress.',
    severity: 'error',
    helpUri: ruleDocsUri('capture-bypass-bulkhead'),
    tags: ['mesh', 'capture', 'network-policy', 'zero-trust'],
    appliesTo: { family: 'kubernetes', kinds: [...POD_BEARING_KINDS, 'NetworkPolicy'] },
  },
  check(resource, context) {
    const analysis = bulkheadAnalysis(context.inventory, context.mesh, resource.namespace ?? '');
    if (resource.kind === 'NetworkPolicy') {
      for (const exposure of analysis.exposures) if (exposure.policy.resource === resource) reportExposure(exposure, context);
      return;
    }
    for (const gap of analysis.unguarded) if (gap.resource === resource) reportUnguarded(gap, context);
  },
};

function reportUnguarded(gap: UnguardedBypass, context: RuleContext): void {
  const ingress = gap.direction === 'Ingress';
  context.report({
    path: gap.bypass.path,
    messageId: ingress ? 'noIngressPolicy' : 'noEgressPolicy',
    missingCompanion: true,
    message:
      `${describeSwitch(gap.bypass)} lets ${gap.bypass.description} bypass the sidecar, but no NetworkPolicy in namespace ` +
      `${gap.resource.namespace ?? ''} selects this pod for ${gap.direction}, so ${ingress ? 'anyone, in or outside the cluster, can connect' : 'the pod can reach anything'} ` +
      `without mTLS or authorization: add a NetworkPolicy with policyTypes [${gap.direction}] that admits this traffic only ` +
      `${ingress ? 'from the peers' : 'to the destinations'} that need it`,
  });
}

interface ReachWording {
  messageId: string;
  severity?: Severity;
  /** Who the entry admits: `from every pod of every namespace (namespaceSelector: {})`. */
  peer: (exposure: BypassExposure) => string;
  advice: string;
}

const REACH: Record<BypassExposure['reach'], ReachWording> = {
  everyone: {
    messageId: 'admitsEveryone',
    peer: (e) => (e.direction === 'Ingress' ? 'from every source (the rule has no `from` peers)' : 'to every destination (the rule has no `to` peers)'),
    advice: 'list the peers that need it',
  },
  allNamespaces: {
    messageId: 'admitsAllNamespaces',
    peer: (e) => `${e.direction === 'Ingress' ? 'from' : 'to'} every pod of every namespace (\`namespaceSelector: {}\`)`,
    advice: 'select the namespaces (and pods) that need it',
  },
  labelInAnyNamespace: {
    messageId: 'admitsLabelInAnyNamespace',
    // Narrower than every pod, but in a multi-tenant cluster any team that can deploy anywhere can wear those labels.
    severity: 'warning',
    peer: (e) => `${e.direction === 'Ingress' ? 'from' : 'to'} pods labelled ${e.detail ?? ''} in ANY namespace (\`namespaceSelector: {}\`)`,
    advice: 'any team can claim those labels; name the namespaces in the namespaceSelector',
  },
  anyAddress: {
    messageId: 'admitsAnyAddress',
    peer: (e) => `${e.direction === 'Ingress' ? 'from' : 'to'} any address (ipBlock ${e.detail ?? ''})`,
    advice: 'narrow the ipBlock to the addresses that need it',
  },
};

function reportExposure(exposure: BypassExposure, context: RuleContext): void {
  const wording = REACH[exposure.reach];
  context.report({
    path: exposure.path,
    messageId: wording.messageId,
    ...(wording.severity ? { severity: wording.severity } : {}),
    message:
      `${describePolicy(exposure.policy)} admits traffic ${wording.peer(exposure)} that bypasses the sidecar of ` +
      `${exposure.exposed.map(describeExposed).join(', ')}; without the proxy this policy is the only fence: ${wording.advice}`,
    related: exposure.exposed.map((e) => refOf(e.resource)),
  });
}
