import { SEVERITY_RANK } from '../model/types.js';
import type { Finding, ResourceRef, RuleMeta, Severity } from '../model/types.js';
import type { ReportInput } from './types.js';

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
}

/** Counts unsuppressed findings by severity; suppressed ones are counted apart, whatever their severity. */
export function countFindings(findings: readonly Finding[]): Counts {
  const counts: Counts = { errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const finding of findings) {
    if (finding.suppressed) counts.suppressed++;
    else if (finding.severity === 'error') counts.errors++;
    else if (finding.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

/** True when an unsuppressed finding is at or above the fail threshold: what the exit code will say. */
export function isFailing(input: ReportInput): boolean {
  const threshold = SEVERITY_RANK[input.failOn];
  return input.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= threshold);
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how users name resources. */
export function resourceLabel(resource: ResourceRef): string {
  return resource.namespace ? `${resource.kind}/${resource.namespace}/${resource.name}` : `${resource.kind}/${resource.name}`;
}

/** Identity of a resource including apiVersion, for grouping (two kinds of the same name differ by group). */
export function resourceKey(resource: ResourceRef | undefined): string {
  if (!resource) return '';
  return JSON.stringify([resource.apiVersion, resource.kind, resource.namespace ?? '', resource.name]);
}

/** Defensive normalisation: every format wants repository-relative POSIX paths without `./`. */
export function repoPath(file: string): string {
  let path = file.replace(/\\/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

/** Byte-wise string order: `localeCompare` would make output depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The rules to describe: those that ran, plus a minimal descriptor for any rule id that appears in a
 * finding or a check but was not passed in (e.g. a parse-error pseudo-rule), so that no output refers
 * to an undescribed rule. Synthesised ones come last, sorted, to stay deterministic.
 */
export function describedRules(input: ReportInput): RuleMeta[] {
  const rules = [...input.rules];
  const known = new Set(rules.map((r) => r.id));
  const missing = new Map<string, Severity>();
  const note = (ruleId: string, severity: Severity): void => {
    if (known.has(ruleId)) return;
    const previous = missing.get(ruleId);
    if (previous === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[previous]) missing.set(ruleId, severity);
  };
  for (const finding of input.findings) note(finding.ruleId, finding.severity);
  // A check without findings says nothing about severity: the lowest one is the honest guess.
  for (const check of input.checked) note(check.ruleId, 'info');
  for (const id of [...missing.keys()].sort(compareStrings)) {
    rules.push({
      id,
      title: id,
      description: `Findings reported under ${id}.`,
      severity: missing.get(id) ?? 'error',
      helpUri: '',
      tags: [],
      appliesTo: { family: 'kubernetes' },
    });
  }
  return rules;
}

/** Most severe first, then input order (Array.prototype.sort is stable). */
export function bySeverityDesc(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Shortens text to `max` characters by cutting out the middle at word boundaries, keeping the start
 * (what and where) and the end (the fix, usually the last clause of a message): a cut at the end
 * would drop exactly the part a reader needs to act on.
 */
export function shortenMiddle(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const marker = ' … ';
  const budget = max - marker.length;
  const headSize = Math.floor(budget * 0.4);
  let head = chars.slice(0, headSize).join('');
  let tail = chars.slice(chars.length - (budget - headSize)).join('');
  // Prefer whole words when the cut does not cost more than a few characters of context.
  const headCut = head.lastIndexOf(' ');
  if (headCut > headSize - 15) head = head.slice(0, headCut);
  const tailCut = tail.indexOf(' ');
  if (tailCut >= 0 && tailCut < 15) tail = tail.slice(tailCut + 1);
  return `${head.trimEnd()}${marker}${tail.trimStart()}`;
}
