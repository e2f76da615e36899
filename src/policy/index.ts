// The policy stage: Rego policies (conftest, Gatekeeper, meshguard-native) as meshguard rules.
import type { Resource } from '../model/types.js';
import { BUILTIN_RULES } from '../rules/registry.js';
import type { Rule } from '../rules/rule.js';
import { defaultCacheDir } from './compile.js';
import { gatekeeperRules } from './gatekeeper.js';
import { loadPolicyRules, shippedPolicyRules } from './load.js';

export { defaultCacheDir, PolicyError } from './compile.js';
export { loadPolicyRules, shippedPolicyRules, buildPolicyBundle, compileRegoPolicies, type PolicyOptions } from './load.js';
export { gatekeeperRules } from './gatekeeper.js';

export interface RunPolicies {
  root: string;
  /** `policies:` of .meshguard.yaml plus `--policy` flags. */
  patterns: readonly string[];
  namespaces?: readonly string[];
  combine?: boolean;
  /** conftest `-d`/`--data` paths. */
  data?: readonly string[];
}

/**
 * Every policy rule of a run: the user's Rego and wasm files, and the ConstraintTemplates found among
 * the loaded resources (with their Constraints). Compiles (or reads the cache) before evaluation
 * starts, so the rules handed to the engine evaluate synchronously.
 */
export async function policyRulesFor(options: RunPolicies, resources: readonly Resource[]): Promise<Rule[]> {
  const cacheDir = defaultCacheDir(options.root);
  const [files, gatekeeper] = await Promise.all([
    loadPolicyRules({ ...options, cacheDir }),
    gatekeeperRules(resources, cacheDir),
  ]);
  return [...files, ...gatekeeper];
}

/** The built-in rules: TypeScript modules and the shipped Rego guardrails (compiled at package build). */
export function defaultRules(): Rule[] {
  return [...BUILTIN_RULES, ...shippedPolicyRules()];
}
