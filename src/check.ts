/**
 * A check run as the CLI and the library make it: the engine (src/engine) runs whatever rules it is
 * given; this is where the built-in rules and the policies of the configuration and the command line
 * are put together, so the engine never imports the layers above it.
 */
import { runCheck as runEngine, type CheckRequest as EngineRequest, type CheckResult } from './engine/check.js';
import { defaultRules, policyRulesFor } from './policy/index.js';

export type { CheckResult } from './engine/check.js';

export interface CheckRequest extends Omit<EngineRequest, 'rules' | 'ruleProvidersKey'> {
  /** The rules to run besides the policies (default: the built-in rules and shipped Rego guardrails). */
  rules?: EngineRequest['rules'];
  /** Rego/wasm policies besides `config.policies` (`--policy`). */
  policies?: readonly string[];
  /** conftest namespaces whose deny/violation/warn rules run (default `main`). */
  policyNamespaces?: readonly string[];
  /** conftest --combine: policies see every resource as one input. */
  combine?: boolean;
  /** conftest -d/--data: data files and directories for the policies. */
  policyData?: readonly string[];
}

export function runCheck(request: CheckRequest): Promise<CheckResult> {
  const { policies, policyNamespaces, combine, policyData, rules, ...engine } = request;
  const patterns = [...request.config.policies, ...(policies ?? [])];
  return runEngine({
    ...engine,
    rules: rules ?? defaultRules(),
    // Without policy files, what the policy provider adds depends on the resources alone (Gatekeeper templates among
    // them). Only this layer knows that: a key a caller slipped in (from JavaScript) is not passed on, or an edited
    // policy could replay the previous run's findings.
    ruleProvidersKey: patterns.length === 0 && !request.ruleProviders ? { policies: [] } : undefined,
    ruleProviders: [
      ...(request.ruleProviders ?? []),
      (resources) => policyRulesFor({ root: request.root, patterns, namespaces: policyNamespaces ?? [], combine: combine ?? false, data: policyData ?? [] }, resources),
    ],
  });
}

export { defaultRules };
