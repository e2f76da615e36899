import { DEFAULT_CONFIG } from '../src/config/types.js';
import { ENGINE_RULES } from '../src/engine/check.js';
import { evaluate } from '../src/engine/evaluate.js';
import { resolveRuleSettings } from '../src/engine/settings.js';
import { loadWorkspace } from '../src/load/index.js';
import { Inventory } from '../src/model/inventory.js';
import { shippedPolicyRules } from '../src/policy/index.js';
import { allRuleMetas } from '../src/rules/registry.js';
import { REFERENCE_RULES } from '../src/bench/rego-cost.js';
const { resources } = await loadWorkspace(['.'], '/tmp/mg-bench-fixed', DEFAULT_CONFIG);
const metas = [...allRuleMetas([...REFERENCE_RULES]), ...ENGINE_RULES];
const settings = resolveRuleSettings(DEFAULT_CONFIG, metas);
for (const rule of [...REFERENCE_RULES, ...shippedPolicyRules()]) {
  const time = () => { const inv = new Inventory(resources); const t = performance.now(); const r = evaluate({ resources, inventory: inv, problems: [], rules: [rule], knownRules: metas, settings, mesh: DEFAULT_CONFIG.mesh, today: '2026-11-26' }); return [performance.now() - t, r.findings.length]; };
  time(); time();
  const xs = [time(), time(), time()];
  console.log(rule.meta.id.padEnd(30), xs.map(x => x[0].toFixed(1)).join(' '), 'findings', xs[0][1]);
}
