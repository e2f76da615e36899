import { compareMinor, deprecationOf, introductionOf } from '../../model/schema/deprecations.js';
import { schemaRegistry } from '../../model/schema/registry.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/** The Kubernetes minor the shipped schemas describe; the default target cluster. */
export const DEFAULT_KUBERNETES_VERSION = '1.36';

/**
 * An apiVersion the target cluster no longer serves fails at apply time ("no matches for kind") - typically
 * on the upgrade day, for manifests nobody touched in years. One it serves but has deprecated is the
 * warning before that. A too-new apiVersion fails the same way on an older cluster.
 */
export const schemaDeprecatedApiRule: Rule = {
  meta: {
    id: 'schema-deprecated-api',
    title: 'API versions must be served by the target Kubernetes version',
    description:
      'Reports apiVersions removed in (error) or deprecated by (warning) the configured Kubernetes minor version, naming the ' +
      'replacement, per the Kubernetes deprecated API migration guide; also apiVersions newer than that version, and ' +
      'custom resource versions their CRD marks deprecated.',
    severity: 'error',
    helpUri: ruleDocsUri('schema-deprecated-api'),
    tags: ['schema', 'upgrade'],
    appliesTo: { family: 'kubernetes' },
    optionsSchema: {
      type: 'object',
      properties: {
        kubernetesVersion: {
          type: 'string',
          pattern: '^1\\.\\d+$',
          description: `Kubernetes minor version of the target cluster, e.g. "1.30" (default ${DEFAULT_KUBERNETES_VERSION}).`,
        },
      },
      additionalProperties: false,
    },
  },
  check(resource, context) {
    const target = (context.options.kubernetesVersion as string | undefined) ?? DEFAULT_KUBERNETES_VERSION;
    const { apiVersion, kind } = resource;
    const deprecation = deprecationOf(apiVersion, kind);
    if (deprecation && compareMinor(target, deprecation.deprecated) >= 0) {
      const since = deprecation.replacementSince ? ` (served since ${deprecation.replacementSince})` : '';
      const note = deprecation.note ? `; ${deprecation.note}` : '';
      if (deprecation.removed && compareMinor(target, deprecation.removed) >= 0) {
        context.report({
          path: ['apiVersion'],
          messageId: 'removedApi',
          message: `${apiVersion} ${kind} was removed in Kubernetes ${deprecation.removed} (target ${target}): use ${deprecation.replacement}${since}${note}`,
        });
      } else {
        context.report({
          path: ['apiVersion'],
          messageId: 'deprecatedApi',
          severity: 'warning',
          message: `${apiVersion} ${kind} is deprecated since Kubernetes ${deprecation.deprecated}${deprecation.removed ? ` and removed in ${deprecation.removed}` : ''}: use ${deprecation.replacement}${since}${note}`,
        });
      }
      return;
    }
    const since = introductionOf(apiVersion, kind);
    if (since && compareMinor(target, since) < 0) {
      context.report({
        path: ['apiVersion'],
        messageId: 'notYetServed',
        message: `${apiVersion} ${kind} is served from Kubernetes ${since} on, but the target is ${target}`,
      });
      return;
    }
    const crd = schemaRegistry.hasCrd(resource, context.inventory);
    if (crd?.deprecated) {
      context.report({
        path: ['apiVersion'],
        messageId: 'deprecatedCrdVersion',
        severity: 'warning',
        message: crd.deprecationWarning ?? `${apiVersion} ${kind} is deprecated by CustomResourceDefinition ${crd.crd.name}`,
      });
    }
  },
};
