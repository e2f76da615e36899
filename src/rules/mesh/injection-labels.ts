import { POD_BEARING_KINDS, podTemplateOf } from '../../model/workload.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

const INJECT = 'sidecar.istio.io/inject';
const NAMESPACE_INJECTION = 'istio-injection';
const REVISION = 'istio.io/rev';

/**
 * Istio reads injection switches loosely: a pod label `y`, `yes` or `on` means true and any other
 * non-empty value means false (pkg/kube/inject). A typo therefore turns the sidecar off without a word.
 */
export const injectionLabelsRule: Rule = {
  meta: {
    id: 'injection-labels',
    title: 'Sidecar injection switches must be unambiguous',
    description:
      'Namespace `istio-injection` must be exactly "enabled" or "disabled" and must not be combined with `istio.io/rev`; ' +
      'pod `sidecar.istio.io/inject` must be exactly "true" or "false", and the deprecated annotation form must not disagree with the label.',
    severity: 'error',
    helpUri: ruleDocsUri('injection-labels'),
    tags: ['mesh', 'injection'],
    appliesTo: { family: 'kubernetes', kinds: ['Namespace', ...POD_BEARING_KINDS] },
  },
  check(resource, context) {
    if (resource.kind === 'Namespace') {
      const injection = resource.labels[NAMESPACE_INJECTION];
      const labelsPath = ['metadata', 'labels'];
      if (injection !== undefined && injection !== 'enabled' && injection !== 'disabled') {
        context.report({
          path: [...labelsPath, NAMESPACE_INJECTION],
          messageId: 'badNamespaceValue',
          message: `namespace label ${NAMESPACE_INJECTION}="${injection}" is neither "enabled" nor "disabled": Istio ignores it`,
        });
      }
      if (injection !== undefined && resource.labels[REVISION] !== undefined) {
        context.report({
          path: [...labelsPath, REVISION],
          messageId: 'labelAndRevision',
          message: `namespace has both ${NAMESPACE_INJECTION}="${injection}" and ${REVISION}="${resource.labels[REVISION]}": ${NAMESPACE_INJECTION} wins and the revision label is ignored`,
        });
      }
      return;
    }

    const template = podTemplateOf(resource);
    if (!template) return;
    const label = template.labels[INJECT];
    const annotation = template.annotations[INJECT];
    const metadataPath = [...template.path, 'metadata'];
    if (label !== undefined && label !== 'true' && label !== 'false') {
      context.report({
        path: [...metadataPath, 'labels', INJECT],
        messageId: 'badPodValue',
        message: `pod label ${INJECT}="${label}" is not "true" or "false": Istio reads it as ${/^(y|yes|on)$/i.test(label) ? 'true' : 'false'}`,
      });
    }
    if (annotation !== undefined && annotation !== 'true' && annotation !== 'false') {
      context.report({
        path: [...metadataPath, 'annotations', INJECT],
        messageId: 'badPodValue',
        message: `pod annotation ${INJECT}="${annotation}" is not "true" or "false"`,
      });
    }
    if (label !== undefined && annotation !== undefined && label !== annotation) {
      context.report({
        path: [...metadataPath, 'annotations', INJECT],
        messageId: 'labelAnnotationDisagree',
        message: `pod label ${INJECT}="${label}" and the deprecated annotation ="${annotation}" disagree; the label wins — remove the annotation`,
      });
    }
  },
};
