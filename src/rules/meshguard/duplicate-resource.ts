import { relatedAt } from '../../model/refs.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/**
 * One API object (API group, kind, namespace, name) written in several documents: alternative files of a
 * sample, a base and its unrendered patch, a copy left behind. `kubectl apply` keeps whichever comes last and
 * kustomize merges them, so the tree does not say which one the cluster runs. meshguard reads the first
 * document in load order as the object for every rule (Inventory.isDefinition) and reports the others here,
 * once per object: never as a conflict between two Istio policies, which they are not.
 */
export const duplicateResourceRule: Rule = {
  meta: {
    id: 'duplicate-resource',
    title: 'Each object is defined by one document',
    description:
      'Reports an object (API group, kind, namespace, name) that more than one document defines. Every rule reads the first ' +
      'document in load order (files in path order) as the object; the finding names every other location.',
    severity: 'warning',
    helpUri: ruleDocsUri('duplicate-resource'),
    tags: ['meshguard', 'inventory'],
    appliesTo: { family: 'kubernetes' },
  },
  check(resource, context) {
    const copies = context.inventory.copiesOf(resource);
    // Reported once, on the first copy after the definition; the other locations are its related resources.
    if (copies.length < 2 || copies[1] !== resource) return;
    const definition = copies[0]!;
    const where = (r: typeof resource): string => `${r.source.file}:${r.source.locate(['metadata', 'name']).line}`;
    const others = copies.filter((c) => c !== resource);
    context.report({
      path: ['metadata', 'name'],
      messageId: 'definedTwice',
      message:
        `${resource.kind} ${resource.namespace !== undefined ? `${resource.namespace}/` : ''}${resource.name} is defined ${copies.length} times ` +
        `(${copies.map(where).join(', ')}): one object, not ${copies.length}; meshguard checks the first, ${where(definition)}. ` +
        'Keep one document per object (alternatives in separate directories checked on their own, patches rendered first)',
      // Copies share their identity: each one's own location is given, a lookup by name would find the definition.
      related: others.map(relatedAt),
    });
  },
};
