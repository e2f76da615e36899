import { LOAD_RULES } from '../load/problems.js';
import type { RuleMeta } from '../model/types.js';
import { injectionLabelsRule } from './mesh/injection-labels.js';
import { waiverRule } from './meshguard/waiver.js';
import type { Rule } from './rule.js';
import { schemaDeprecatedApiRule } from './schema/deprecated-api.js';
import { schemaUnknownKindRule } from './schema/unknown-kind.js';
import { schemaValidationRule } from './schema/validation.js';

/** Every built-in rule module. Adding a rule = writing its module and listing it here. */
export const BUILTIN_RULES: readonly Rule[] = [waiverRule, injectionLabelsRule, schemaValidationRule, schemaUnknownKindRule, schemaDeprecatedApiRule];

/** Metadata of every rule, including those the loader enforces itself. */
export function allRuleMetas(rules: readonly Rule[] = BUILTIN_RULES): RuleMeta[] {
  return [...LOAD_RULES, ...rules.map((r) => r.meta)].sort((a, b) => a.id.localeCompare(b.id));
}
