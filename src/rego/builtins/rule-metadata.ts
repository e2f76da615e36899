// rego.metadata.rule() and rego.metadata.chain(): OPA answers them from the METADATA annotations of
// the rule being evaluated, which are known at compile time; the planner turns each call into a constant.
import type { Module, Rule } from '../ast.js';
import { metadataBlocks, type MetadataBlock } from '../metadata.js';

export const RULE_METADATA_BUILTINS: Record<string, number> = { 'rego.metadata.rule': 0, 'rego.metadata.chain': 0 };

const BLOCKS = new WeakMap<Module, MetadataBlock[]>();

function blocksOf(m: Module): MetadataBlock[] {
  let b = BLOCKS.get(m);
  if (!b) { b = metadataBlocks(m); BLOCKS.set(m, b); }
  return b;
}

/** OPA's annotation object: the YAML as written, with its scope made explicit. */
function annotations(b: MetadataBlock, scope: string): Record<string, unknown> {
  return { scope, ...b.annotations };
}

function rulePath(m: Module, r: Rule): string[] {
  const segs: string[] = [];
  for (const t of r.head.ref) {
    if (t.type === 'var' && segs.length === 0) segs.push(t.name);
    else if (t.type === 'string') segs.push(t.value);
    else break;
  }
  return ['data', ...m.package, ...segs];
}

/** The constant a call to `name` stands for inside `rule` (outside any rule: no annotations). */
export function ruleMetadataValue(name: string, m: Module | undefined, rule: Rule | undefined): unknown {
  const blocks = m ? blocksOf(m) : [];
  const own = rule ? blocks.find((b) => b.target.kind === 'rule' && b.target.rule === rule) : undefined;
  if (name === 'rego.metadata.rule') return own ? annotations(own, 'rule') : {};
  const chain: unknown[] = [];
  if (m && rule) chain.push(own ? { path: rulePath(m, rule), annotations: annotations(own, 'rule') } : { path: rulePath(m, rule) });
  const pkg = blocks.find((b) => b.target.kind === 'package');
  if (m && pkg) chain.push({ path: ['data', ...m.package], annotations: annotations(pkg, 'package') });
  return chain;
}
