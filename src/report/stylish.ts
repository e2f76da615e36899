import type { Finding, Severity } from '../model/types.js';
import { countFindings, isFailing, plural, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';

type Paint = (code: string, text: string) => string;

const SEVERITY_COLOR: Record<Severity, string> = { error: '31', warning: '33', info: '36' };

/**
 * Messages carry text from manifests (names, annotation values). A control character there must not
 * reach the terminal as such (ESC could repaint the screen, CR could hide the line), and a newline
 * would break the one-line-per-finding layout: show them as visible escapes instead.
 */
function printable(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Terminal cells: CJK and emoji take two, combining marks none (a small wcwidth, enough for alignment). */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/u;

function width(text: string): number {
  let cells = 0;
  for (const char of text) cells += ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
  return cells;
}

function padEnd(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

function padStart(text: string, size: number): string {
  return ' '.repeat(Math.max(0, size - width(text))) + text;
}

interface Row {
  line: string;
  column: string;
  severity: Severity;
  message: string;
  ruleId: string;
  resource: string;
}

function toRow(finding: Finding): Row {
  return {
    line: String(finding.line),
    column: String(finding.column),
    severity: finding.severity,
    message: printable(finding.message),
    ruleId: finding.ruleId,
    resource: finding.resource ? printable(resourceLabel(finding.resource)) : '',
  };
}

/** One file's table, aligned like ESLint's stylish: line right-aligned, everything else left-aligned. */
function renderFile(file: string, findings: readonly Finding[], paint: Paint): string[] {
  const rows = findings.map(toRow);
  const w = (pick: (r: Row) => string): number => Math.max(...rows.map((r) => width(pick(r))));
  const lineW = w((r) => r.line);
  const columnW = w((r) => r.column);
  const severityW = w((r) => r.severity);
  const messageW = w((r) => r.message);
  const ruleW = w((r) => r.ruleId);
  const out = [paint('4', printable(file))];
  for (const r of rows) {
    // Pad before painting: escape codes must not count towards the width.
    const position = paint('2', `${padStart(r.line, lineW)}:${padEnd(r.column, columnW)}`);
    const severity = paint(SEVERITY_COLOR[r.severity], padEnd(r.severity, severityW));
    const cells = [position, severity, padEnd(r.message, messageW)];
    if (r.resource) cells.push(paint('2', padEnd(r.ruleId, ruleW)), r.resource);
    else cells.push(paint('2', r.ruleId));
    out.push(`  ${cells.join('  ')}`.trimEnd());
  }
  return out;
}

function summaryLine(input: ReportInput, paint: Paint): string {
  const counts = countFindings(input.findings);
  const problems = counts.errors + counts.warnings + counts.infos;
  const scope = `${plural(input.summary.files, 'file')}, ${plural(input.summary.resources, 'resource')} in ${(input.summary.durationMs / 1000).toFixed(2)} s`;
  const suppressed = counts.suppressed > 0 ? `, ${counts.suppressed} suppressed` : '';
  if (problems === 0) return paint('32', `✔ No problems${suppressed} — ${scope}`);
  const detail = `${plural(problems, 'problem')} (${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}, ${plural(counts.infos, 'info')})${suppressed} — ${scope}`;
  if (isFailing(input)) return paint('1;31', `✖ ${detail}`);
  // Problems below the threshold do not fail the run; say so, or users wonder why CI is green.
  return paint('1;33', `⚠ ${detail}; none at or above the fail threshold (${input.failOn})`);
}

/** Human output: grouped by file in input order, suppressed findings counted but not listed. */
export function renderStylish(input: ReportInput, options: { color?: boolean } = {}): string {
  const paint: Paint = options.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  const byFile = new Map<string, Finding[]>();
  for (const finding of input.findings) {
    if (finding.suppressed) continue;
    const group = byFile.get(finding.file);
    if (group) group.push(finding);
    else byFile.set(finding.file, [finding]);
  }
  const lines: string[] = [];
  for (const [file, findings] of byFile) {
    lines.push(...renderFile(file, findings, paint), '');
  }
  const baseline = input.summary.baseline;
  if (baseline) {
    lines.push(`Compared with ${baseline.ref} (${baseline.commit.slice(0, 12)}): ${baseline.new} new, ${baseline.fixed} fixed, ${baseline.unchanged} unchanged (only new findings are reported)`);
  }
  lines.push(summaryLine(input, paint));
  return `${lines.join('\n')}\n`;
}
