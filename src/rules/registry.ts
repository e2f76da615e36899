import { GITLAB_LOAD_RULES } from '../load/gitlab/rules.js';
import { LOAD_RULES } from '../load/problems.js';
import type { RuleMeta } from '../model/types.js';
import { GITLAB_RULES } from './gitlab/index.js';
import { injectionLabelsRule } from './mesh/injection-labels.js';
import { waiverRule } from './meshguard/waiver.js';
import type { Rule } from './rule.js';

/** Every built-in rule module. Adding a rule = writing its module and listing it here. */
export const BUILTIN_RULES: readonly Rule[] = [waiverRule, injectionLabelsRule, ...GITLAB_RULES];

/** Metadata of every rule, including those the loader enforces itself. */
export function allRuleMetas(rules: readonly Rule[] = BUILTIN_RULES): RuleMeta[] {
  return [...LOAD_RULES, ...GITLAB_LOAD_RULES, ...rules.map((r) => r.meta)].sort((a, b) => a.id.localeCompare(b.id));
}
