import { CAPTURE_BYPASS_REASON, captureOf, describeSwitch, type CaptureProblem } from '../../model/mesh/capture.js';
import { describeInjection, injectionOf } from '../../model/mesh/injection.js';
import { POD_BEARING_KINDS, podTemplateOf } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/**
 * Every port or address that skips the sidecar skips mTLS, authorization and telemetry with it. The
 * platform accepted such holes (Hazelcast and ZooKeeper announce pod IPs to each other) only with a
 * written reason next to them, so the next reader knows the hole is deliberate.
 */
export const captureBypassJustifiedRule: Rule = {
  meta: {
    id: 'capture-bypass-justified',
    title: 'Sidecar capture bypasses must be well-formed and justified',
    description:
      'On an injected workload, every capture bypass (traffic.sidecar.istio.io/exclude*/include* port, IP range and interface ' +
      `annotations, interceptionMode NONE, a container running as UID 1337) needs a non-empty \`${CAPTURE_BYPASS_REASON}\` ` +
      'annotation on the pod template. Malformed port lists, CIDRs and interception modes are always errors: Istio refuses to inject the pod.',
    severity: 'error',
    helpUri: ruleDocsUri('capture-bypass-justified'),
    tags: ['mesh', 'capture', 'zero-trust'],
    appliesTo: { family: 'kubernetes', kinds: POD_BEARING_KINDS },
  },
  check(resource, context) {
    const template = podTemplateOf(resource);
    if (!template) return;
    const { bypasses, problems } = captureOf(template);
    // Malformed values break injection whatever the reason says (and arm a failure for the day injection is enabled).
    for (const problem of problems) context.report({ path: problem.path, messageId: messageIdOf(problem), message: describeProblem(problem) });

    if (bypasses.length === 0) return;
    const injection = injectionOf(resource, context.inventory, context.mesh);
    // A gateway pod has no sidecar: nothing is captured, and its proxy runs as UID 1337 by design.
    if (!injection?.injected || injection.gateway) return;
    const reason = template.annotations[CAPTURE_BYPASS_REASON];
    if (reason !== undefined && reason.trim() !== '') return;
    // A reason on the workload's own metadata is a common slip: the contract (like Istio's annotations) is on the pod template.
    const misplaced = template.path.length > 0 && (resource.annotations[CAPTURE_BYPASS_REASON] ?? '').trim() !== '';
    const missing =
      reason !== undefined
        ? `an empty ${CAPTURE_BYPASS_REASON} annotation`
        : misplaced
          ? `no ${CAPTURE_BYPASS_REASON} annotation (the ${resource.kind}'s own metadata has one: move it to the pod template)`
          : `no ${CAPTURE_BYPASS_REASON} annotation`;
    for (const bypass of bypasses) {
      context.report({
        path: bypass.path,
        messageId: 'unjustifiedBypass',
        message:
          `${describeSwitch(bypass)} lets ${bypass.description} bypass the sidecar of this workload ` +
          `(injected by ${describeInjection(injection, resource.namespace)}), but the pod template has ${missing}: ` +
          'write down why this traffic may skip mTLS, authorization and telemetry',
      });
    }
  },
};

function messageIdOf(problem: CaptureProblem): string {
  switch (problem.expected) {
    case 'port':
      return 'malformedPort';
    case 'cidr':
      return 'malformedCidr';
    case 'interceptionMode':
      return 'malformedInterceptionMode';
  }
}

function describeProblem(problem: CaptureProblem): string {
  const consequence = "Istio's injector rejects the pod and, with the webhook's default failurePolicy Fail, the pod is never created";
  switch (problem.expected) {
    case 'port':
      return `${problem.annotation}: '${problem.token}' is not a port (an integer 0-65535); ${consequence}`;
    case 'cidr':
      return `${problem.annotation}: '${problem.token}' is not a CIDR block such as 10.0.0.0/8 or fd00::/8 (no spaces); ${consequence}`;
    case 'interceptionMode':
      return `${problem.annotation}: '${problem.token}' is not REDIRECT, TPROXY or NONE; ${consequence}`;
  }
}
