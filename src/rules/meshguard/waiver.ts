import { WAIVER_PREFIX, waiversOf } from '../../model/waivers.js';
import { ruleDocsUri } from '../docs.js';
import type { Rule } from '../rule.js';

/**
 * Waivers are how teams accept a risk knowingly: each needs a reason, must name a real rule and
 * should expire. A waiver that silently stops matching anything is how exceptions become permanent.
 */
export const waiverRule: Rule = {
  meta: {
    id: 'waiver',
    title: 'Waivers must name a rule, give a reason and not be expired',
    description:
      `A \`${WAIVER_PREFIX}<rule-id>: "<reason>; expires=YYYY-MM-DD"\` annotation suppresses that rule's findings on the ` +
      'resource. A waiver without a reason, for an unknown rule, with a malformed or past expiry date does not apply and is reported.',
    severity: 'error',
    helpUri: ruleDocsUri('waiver'),
    tags: ['meshguard', 'waivers'],
    appliesTo: { family: 'kubernetes' },
  },
  check(resource, context) {
    for (const waiver of waiversOf(resource)) {
      if (!context.knownRuleIds.has(waiver.ruleId) || waiver.ruleId === 'waiver') {
        context.report({
          path: waiver.path,
          messageId: 'unknownRule',
          message: `waiver names unknown rule '${waiver.ruleId}'; it suppresses nothing (see \`meshguard rules\`)`,
        });
        continue;
      }
      if (waiver.reason === '') {
        context.report({
          path: waiver.path,
          messageId: 'missingReason',
          message: `waiver for '${waiver.ruleId}' gives no reason; write "<why this is acceptable>; expires=YYYY-MM-DD"`,
        });
      }
      if (waiver.badExpiry !== undefined) {
        context.report({
          path: waiver.path,
          messageId: 'badExpiry',
          message: `waiver for '${waiver.ruleId}' has an invalid expiry '${waiver.badExpiry}' (expected YYYY-MM-DD); it does not apply`,
        });
      } else if (waiver.expires !== undefined && waiver.expires < context.today) {
        context.report({
          path: waiver.path,
          messageId: 'expired',
          message: `waiver for '${waiver.ruleId}' expired on ${waiver.expires}; it no longer applies`,
        });
      }
    }
  },
};
