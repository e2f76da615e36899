import { parse as parseYaml } from 'yaml';
import { isRecord } from '../model/workload.js';
import type { Module } from '../rego/index.js';

/**
 * OPA's `# METADATA` annotations (https://www.openpolicyagent.org/docs/policy-language#metadata): a
 * comment block starting with `METADATA` whose following comment lines are YAML. A block right above
 * `package` is package-scoped, one right above a rule is rule-scoped (OPA's default scopes).
 */
export interface Annotations {
  title?: string;
  description?: string;
  relatedResources: string[];
  custom: Record<string, unknown>;
}

export interface ModuleAnnotations {
  package?: Annotations;
  /** Rule-scoped blocks keyed by the rule's first line. */
  rules: Map<number, Annotations>;
}

export function annotationsOf(module: Module): ModuleAnnotations {
  const out: ModuleAnnotations = { rules: new Map() };
  const comments = [...module.comments].sort((a, b) => a.loc.line - b.loc.line);
  for (let i = 0; i < comments.length; i++) {
    if (comments[i]!.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let last = comments[i]!.loc.line;
    let j = i + 1;
    // The block is the run of comment lines directly below the METADATA line.
    while (j < comments.length && comments[j]!.loc.line === last + 1 && comments[j]!.loc.col === comments[i]!.loc.col) {
      lines.push(comments[j]!.text.replace(/^ /, ''));
      last = comments[j]!.loc.line;
      j++;
    }
    i = j - 1;
    const parsed = parseYaml(lines.join('\n')) as unknown;
    const annotations = toAnnotations(isRecord(parsed) ? parsed : {});
    const scope = isRecord(parsed) && typeof parsed.scope === 'string' ? parsed.scope : undefined;
    const rule = module.rules.find((r) => r.loc.line === last + 1);
    if (scope === 'package' || scope === 'subpackages' || (scope === undefined && module.packageLoc.line === last + 1)) out.package = annotations;
    else if (rule) out.rules.set(rule.loc.line, annotations);
  }
  return out;
}

function toAnnotations(raw: Record<string, unknown>): Annotations {
  const related = Array.isArray(raw.related_resources) ? raw.related_resources : [];
  return {
    ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
    ...(typeof raw.description === 'string' ? { description: raw.description.trim() } : {}),
    // OPA allows `- ref: <url>` objects or bare URL strings.
    relatedResources: related.flatMap((r) => (typeof r === 'string' ? [r] : isRecord(r) && typeof r.ref === 'string' ? [r.ref] : [])),
    custom: isRecord(raw.custom) ? raw.custom : {},
  };
}

export { isRecord };
