// `# METADATA` comment blocks (OPA's rich metadata): a run of adjacent comment lines whose first
// line is `METADATA`, holding YAML, attached to the package or rule that follows it.
import { parse as parseYaml } from 'yaml';
import type { Module, Rule } from './ast.js';
import { RegoError, type Location } from './errors.js';

export interface MetadataBlock {
  loc: Location;
  /** The annotated node: the package, or the rule starting right after the block. */
  target: { kind: 'package' } | { kind: 'rule'; rule: Rule } | { kind: 'none' };
  /** Parsed YAML (title, description, custom, scope, ...). */
  annotations: Record<string, unknown>;
  text: string;
}

export function metadataBlocks(m: Module): MetadataBlock[] {
  const out: MetadataBlock[] = [];
  const cs = m.comments;
  for (let i = 0; i < cs.length; i++) {
    if (cs[i]!.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let j = i + 1;
    while (j < cs.length && cs[j]!.loc.line === cs[j - 1]!.loc.line + 1) {
      lines.push(cs[j]!.text.startsWith(' ') ? cs[j]!.text.slice(1) : cs[j]!.text);
      j++;
    }
    const endLine = cs[j - 1]!.loc.line;
    const text = lines.join('\n');
    let annotations: Record<string, unknown>;
    try {
      const doc = parseYaml(text) as unknown;
      annotations = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
    } catch (e) {
      throw new RegoError('rego_parse_error', `invalid METADATA block: ${(e as Error).message}`, cs[i]!.loc);
    }
    let target: MetadataBlock['target'] = { kind: 'none' };
    if (m.packageLoc.line > endLine) target = { kind: 'package' };
    else {
      const rule = m.rules.find((r) => r.loc.line > endLine);
      if (rule) target = { kind: 'rule', rule };
    }
    out.push({ loc: cs[i]!.loc, target, annotations, text });
    i = j - 1;
  }
  return out;
}
