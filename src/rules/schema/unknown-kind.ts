import { deprecationOf } from '../../model/schema/deprecations.js';
import { closest } from '../../model/schema/errors.js';
import { schemaRegistry } from '../../model/schema/registry.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/**
 * Files of client-side tools that look like resources but never reach an API server (kustomization.yaml,
 * kubeadm/kubelet/kube-proxy configuration, audit policy, skaffold.yaml): no schema is expected for them.
 */
const CLIENT_SIDE_CONFIG = /^(([a-z0-9-]+\.)*config\.k8s\.io|kubeadm\.k8s\.io|audit\.k8s\.io|skaffold)\//;

/**
 * A resource whose schema meshguard does not know goes unvalidated. That is worth a note (info), not an
 * error: most CRDs live outside the repository. A near miss of a built-in or Istio kind is a warning: the
 * API server would answer "no matches for kind", unless the kind is newer than the shipped schemas.
 */
export const schemaUnknownKindRule: Rule = {
  meta: {
    id: 'schema-unknown-kind',
    title: 'Resources should have a known schema',
    description:
      'Reports resources whose kind has no schema: a misspelt built-in or Istio kind (warning), or a custom kind whose ' +
      'CustomResourceDefinition is not among the checked files (info), so that it is known what went unvalidated.',
    severity: 'info',
    helpUri: ruleDocsUri('schema-unknown-kind'),
    tags: ['schema'],
    appliesTo: { family: 'kubernetes' },
  },
  check(resource, context) {
    if (schemaRegistry.resolve(resource, context.inventory)) return;
    if (CLIENT_SIDE_CONFIG.test(resource.apiVersion)) return;
    // Removed built-in API versions are schema-deprecated-api's finding, with the replacement named.
    if (deprecationOf(resource.apiVersion, resource.kind)) return;
    const crd = schemaRegistry.hasCrd(resource, context.inventory);
    if (crd) {
      context.report({
        path: ['kind'],
        messageId: 'crdWithoutSchema',
        message: `CustomResourceDefinition ${crd.crd.name} declares no usable openAPIV3Schema for ${resource.apiVersion} ${resource.kind}: it is not validated`,
      });
      return;
    }
    const kinds = schemaRegistry.kindsOf(resource.apiVersion);
    if (kinds.length > 0) {
      const suggestion = closest(resource.kind, kinds);
      context.report({
        path: ['kind'],
        messageId: 'unknownKind',
        // A near miss is almost surely a typo; anything else may be a kind newer than the shipped schemas.
        severity: suggestion ? 'warning' : 'info',
        message: `${resource.apiVersion} has no kind '${resource.kind}'${suggestion ? ` (did you mean '${suggestion}'?)` : `; it serves ${kinds.join(', ')}`}`,
      });
      return;
    }
    context.report({
      path: ['apiVersion'],
      messageId: 'noSchema',
      message: `no schema for ${resource.apiVersion} ${resource.kind}: add its CustomResourceDefinition to the checked files to validate it`,
    });
  },
};
