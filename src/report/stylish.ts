import type { Finding, Severity } from '../model/types.js';
import { countFindings, isFailing, plural, resourceLabel } from './common.js';
import type { ReportInput } from './types.js';
import { appendAll, maxOf } from '../model/arrays.js';

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
function renderFile(file: string, findings: readonly Finding[], paint: Paint, maxWidth: number | undefined): string[] {
  const rows = findings.map(toRow);
  const w = (pick: (r: Row) => string): number => maxOf(rows.map((r) => width(pick(r))));
  const lineW = w((r) => r.line);
  const columnW = w((r) => r.column);
  const severityW = w((r) => r.severity);
  const messageW = w((r) => r.message);
  const ruleW = w((r) => r.ruleId);
  const resourceW = w((r) => r.resource);
  const tableWidth = 2 + lineW + 1 + columnW + 2 + severityW + 2 + messageW + 2 + ruleW + (resourceW > 0 ? 2 + resourceW : 0);
  const out = [paint('4', printable(file))];
  if (maxWidth !== undefined && tableWidth > maxWidth) {
    for (const r of rows) appendAll(out, renderBlock(r, { lineW, columnW, severityW, ruleW }, paint, maxWidth));
    return out;
  }
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

/**
 * A finding when the table would not fit the terminal: position, severity, rule id and resource on
 * the first line (the rule id is never split), the message below them, word-wrapped and indented
 * under the severity, so each finding still reads as one block and the position stays at the left.
 */
function renderBlock(r: Row, widths: { lineW: number; columnW: number; severityW: number; ruleW: number }, paint: Paint, maxWidth: number): string[] {
  const position = `${padStart(r.line, widths.lineW)}:${padEnd(r.column, widths.columnW)}`;
  const indent = 2 + width(position) + 2;
  const head = [
    { text: position, code: '2' },
    { text: padEnd(r.severity, widths.severityW), code: SEVERITY_COLOR[r.severity] },
    { text: r.ruleId, code: '2' },
    ...(r.resource ? [{ text: r.resource, code: '' }] : []),
  ];
  const lines: string[] = [];
  let current = '  ';
  let currentWidth = 2;
  for (const [i, cell] of head.entries()) {
    const cellWidth = width(cell.text);
    if (i > 0 && currentWidth + 2 + cellWidth > maxWidth) {
      lines.push(current.trimEnd());
      current = ' '.repeat(indent);
      currentWidth = indent;
    } else if (i > 0) {
      current += '  ';
      currentWidth += 2;
    }
    for (const [j, piece] of hardWrap(cell.text, Math.max(1, maxWidth - currentWidth), maxWidth - indent).entries()) {
      if (j > 0) {
        lines.push(current);
        current = ' '.repeat(indent);
        currentWidth = indent;
      }
      current += cell.code ? paint(cell.code, piece) : piece;
      currentWidth += width(piece);
    }
  }
  lines.push(current.trimEnd());
  for (const line of wrapWords(r.message, Math.max(1, maxWidth - indent))) lines.push(`${' '.repeat(indent)}${line}`);
  return lines;
}

/** Word-wraps to `size` terminal cells; a word longer than a line (a URL, a long host) is split. */
export function wrapWords(text: string, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((part) => part !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (width(candidate) <= size) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    const pieces = hardWrap(word, size, size);
    lines.push(...pieces.slice(0, -1));
    line = pieces.at(-1) ?? '';
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** Splits text into pieces of at most `first` cells, then `rest` cells, never inside a character. */
function hardWrap(text: string, first: number, rest: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let cells = 0;
  for (const char of text) {
    const charWidth = width(char);
    const limit = pieces.length === 0 ? first : rest;
    if (cells + charWidth > limit && piece !== '') {
      pieces.push(piece);
      piece = '';
      cells = 0;
    }
    piece += char;
    cells += charWidth;
  }
  pieces.push(piece);
  return pieces;
}

function summaryLine(input: ReportInput, paint: Paint, maxWidth: number | undefined): string[] {
  const counts = countFindings(input.findings);
  const problems = counts.errors + counts.warnings + counts.infos;
  const scope = `${plural(input.summary.files, 'file')}, ${plural(input.summary.resources, 'resource')} in ${(input.summary.durationMs / 1000).toFixed(2)} s`;
  const suppressed = counts.suppressed > 0 ? `, ${counts.suppressed} suppressed` : '';
  const painted = (code: string, text: string): string[] => wrapped(text, maxWidth).map((line) => paint(code, line));
  if (problems === 0) return painted('32', `✔ No problems${suppressed} — ${scope}`);
  const detail = `${plural(problems, 'problem')} (${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}, ${plural(counts.infos, 'info')})${suppressed} — ${scope}`;
  if (isFailing(input)) return painted('1;31', `✖ ${detail}`);
  // Problems below the threshold do not fail the run; say so, or users wonder why CI is green.
  return painted('1;33', `⚠ ${detail}; none at or above the fail threshold (${input.failOn})`);
}

/** A free-text line wrapped to the terminal, continuation lines indented by two. */
function wrapped(text: string, maxWidth: number | undefined): string[] {
  if (maxWidth === undefined || width(text) <= maxWidth) return [text];
  const [first = '', ...rest] = wrapWords(text, maxWidth);
  return [first, ...rest.flatMap((line) => wrapWords(line, maxWidth - 2)).map((line) => `  ${line}`)];
}

/** Waived findings are not listed as problems, but a reader must see what was accepted and why. */
const SUPPRESSED_LISTED = 10;

function suppressedLines(findings: readonly Finding[], paint: Paint, maxWidth: number | undefined): string[] {
  const waived = findings.filter((f) => f.suppressed && f.suppressed.kind !== 'baseline');
  if (waived.length === 0) return [];
  const lines = [`Suppressed by waivers (${waived.length}):`];
  for (const f of waived.slice(0, SUPPRESSED_LISTED)) {
    const resource = f.resource ? ` ${printable(resourceLabel(f.resource))}` : '';
    const text = `${printable(f.file)}:${f.line}:${f.column} ${f.ruleId}${resource}: ${printable(f.suppressed!.justification)}`;
    lines.push(...wrapped(text, maxWidth === undefined ? undefined : maxWidth - 2).map((line) => paint('2', `  ${line}`)));
  }
  if (waived.length > SUPPRESSED_LISTED) lines.push(paint('2', `  … and ${waived.length - SUPPRESSED_LISTED} more (--format json lists them)`));
  return [...lines, ''];
}

/**
 * Human output: grouped by file in input order; waived findings listed apart, briefly, and counted.
 * With `width` (a terminal), rows that would overflow are laid out over several lines instead.
 */
export function renderStylish(input: ReportInput, options: { color?: boolean; width?: number } = {}): string {
  const paint: Paint = options.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  const maxWidth = options.width === undefined ? undefined : Math.max(MIN_WIDTH, options.width);
  const byFile = new Map<string, Finding[]>();
  for (const finding of input.findings) {
    if (finding.suppressed) continue;
    const group = byFile.get(finding.file);
    if (group) group.push(finding);
    else byFile.set(finding.file, [finding]);
  }
  const lines: string[] = [];
  for (const [file, findings] of byFile) {
    appendAll(lines, renderFile(file, findings, paint, maxWidth)).push('');
  }
  appendAll(lines, suppressedLines(input.findings, paint, maxWidth));
  const baseline = input.summary.baseline;
  if (baseline) {
    lines.push(...wrapped(`Compared with ${baseline.ref} (${baseline.commit.slice(0, 12)}): ${baseline.new} new, ${baseline.fixed} fixed, ${baseline.unchanged} unchanged (only new findings are reported)`, maxWidth));
  }
  lines.push(...summaryLine(input, paint, maxWidth));
  return `${lines.join('\n')}\n`;
}

/** Below this many columns nothing is readable anyway; wrapping narrower would only shred the text. */
const MIN_WIDTH = 40;
