import { GITLAB_LOAD_RULES } from '../load/gitlab/rules.js';
import { LOAD_RULES } from '../load/problems.js';
import { RENDER_RULES } from '../render/problems.js';
import type { RuleMeta } from '../model/types.js';
import { GITLAB_RULES } from './gitlab/index.js';
import { clusterMtlsConsistencyRule } from './cluster/mtls-consistency.js';
import { clusterNetworkRule } from './cluster/network.js';
import { clusterServiceConsistencyRule } from './cluster/service-consistency.js';
import { clusterTrafficConsistencyRule } from './cluster/traffic-consistency.js';
import { clusterTrustRule } from './cluster/trust.js';
import { localityFailoverOutlierRule } from './cluster/locality-failover-outlier.js';
import { captureBypassBulkheadRule } from './mesh/capture-bypass-bulkhead.js';
import { egressViaGatewayRule } from './mesh/egress-via-gateway.js';
import { hpaSidecarSkewRule } from './mesh/hpa-sidecar-skew.js';
import { mtlsNoDowngradeRule } from './mesh/mtls-no-downgrade.js';
import { sidecarProxyResourcesRule } from './mesh/sidecar-proxy-resources.js';
import { sidecarQuotaRule } from './mesh/sidecar-quota.js';
import { sidecarScopeRule } from './mesh/sidecar-scope.js';
import { udpBulkheadRule } from './mesh/udp-bulkhead.js';
import { duplicateResourceRule } from './meshguard/duplicate-resource.js';
import { waiverRule } from './meshguard/waiver.js';
import { schemaDeprecatedApiRule } from './schema/deprecated-api.js';
import { schemaUnknownKindRule } from './schema/unknown-kind.js';
import { schemaValidationRule } from './schema/validation.js';
import type { Rule } from './rule.js';

/**
 * Every built-in TypeScript rule module. Adding a rule = writing its module and listing it here (one per line).
 * The guardrails moved to Rego (policies/: injection-labels, job-sidecar-termination, capture-bypass-justified) are not listed: the engine adds them from the
 * compiled shipped policies; their TypeScript modules stay as the reference of the differential test.
 */
export const BUILTIN_RULES: readonly Rule[] = [
  waiverRule,
  duplicateResourceRule,
  // Schemas: Kubernetes, Istio and the CRDs of the tree.
  schemaValidationRule,
  schemaUnknownKindRule,
  schemaDeprecatedApiRule,
  // Mesh guardrails: sidecar resources and lifecycle.
  sidecarQuotaRule,
  sidecarProxyResourcesRule,
  hpaSidecarSkewRule,
  // Mesh guardrails: traffic that bypasses the proxy.
  captureBypassBulkheadRule,
  udpBulkheadRule,
  // Mesh guardrails: Istio configuration.
  egressViaGatewayRule,
  mtlsNoDowngradeRule,
  sidecarScopeRule,
  localityFailoverOutlierRule,
  // One mesh over several clusters (`clusters:` in the configuration).
  clusterServiceConsistencyRule,
  clusterMtlsConsistencyRule,
  clusterTrafficConsistencyRule,
  clusterNetworkRule,
  clusterTrustRule,
  // GitLab CI pipelines.
  ...GITLAB_RULES,
];

/**
 * Metadata of every rule, including those the loader enforces itself, in code-unit order of their ids:
 * `localeCompare` would order a policy's ids by the machine's locale, and its first call loads ICU's
 * collator (~7-13 ms of every run, a tenth of a warm one). Built-in ids ([a-z0-9-]) order alike either way.
 */
export function allRuleMetas(rules: readonly Rule[] = BUILTIN_RULES): RuleMeta[] {
  return [...LOAD_RULES, ...GITLAB_LOAD_RULES, ...RENDER_RULES, ...rules.map((r) => r.meta)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
