import {
  LineCounter,
  visit,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type Pair,
  type SchemaOptions,
  type YAMLError,
} from 'yaml';
import type { JsonPath, SourceRange } from '../model/types.js';
import { ALIAS_EXPANSION_MESSAGE, withinAliasBudget } from './alias-budget.js';
import { codePointColumn } from './position-index.js';

/** A YAML document that can map any JSON path of its value back to file positions. */
export interface PositionedDocument {
  readonly index: number;
  readonly value: unknown;
  /** Range of the whole document's content (its first line when empty). */
  readonly range: SourceRange;
  locate(path: JsonPath): SourceRange;
  /** A line/column inside the literal block scalar at `path` (embedded code), else `locate(path)`. */
  locateInText?(path: JsonPath, line: number, column: number): SourceRange;
}

export interface YamlProblem {
  /** yaml's error code (DUPLICATE_KEY, TAB_AS_INDENT, ...) or our own (ALIAS_EXPANSION, ...). */
  code: string;
  severity: 'error' | 'warning';
  message: string;
  range: SourceRange;
  /** Index of the document the problem belongs to. */
  documentIndex: number;
}

export interface ParseOptions {
  /** Extra tags (e.g. GitLab's `!reference`), or a function adjusting the schema's tags. */
  customTags?: SchemaOptions['customTags'];
  /** YAML version of the schema: '1.1' for readers that use libyaml (GitLab). Default '1.2'. */
  version?: '1.1' | '1.2';
  /**
   * `lastWins` reads a map with a repeated key as libyaml-based readers do (the last value wins): the
   * repetition is a warning naming the lost value, and paths locate the key that won. Default: an error.
   */
  duplicateKeys?: 'error' | 'lastWins';
}

export interface ParseResult {
  documents: PositionedDocument[];
  problems: YamlProblem[];
}

/**
 * Problems reported per file at most; the rest are counted in one summary problem. A generated file with
 * 200,000 duplicate keys must cost one pass and a screenful, not 200,000 findings.
 */
export const MAX_PROBLEMS_PER_FILE = 100;

/**
 * Parse every document of a YAML (or JSON) text. A document with errors yields problems instead of a
 * value; the other documents of the file are still returned, so one typo does not hide a whole file.
 */
export function parseYaml(text: string, options: ParseOptions = {}): ParseResult {
  const lineCounter = new LineCounter();
  // Columns count Unicode code points (SARIF's default columnKind), not UTF-16 units as yaml does.
  const positionOf = (offset: number): { line: number; col: number } => {
    const { line, col } = lineCounter.linePos(offset);
    const lineStart = lineCounter.lineStarts[line - 1] ?? 0;
    return { line, col: codePointColumn(text, lineStart, lineStart + col - 1) };
  };
  const rangeOf = (start: number, end: number): SourceRange => {
    const a = positionOf(start);
    const b = positionOf(Math.max(start, end));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };

  const documents: PositionedDocument[] = [];
  // merge: true because GitLab CI and many Helm-rendered manifests rely on `<<` merge keys.
  // logLevel error: a collection used as a key (every unrendered Helm `{{ ... }}:`) would otherwise make
  // the yaml package print a Node warning on stderr; such keys are findings of their own (helm-template).
  // uniqueKeys: false because yaml's own check compares every key with every earlier one (quadratic);
  // duplicates are found below with one set per mapping.
  const parsed = parseAllDocuments(text, {
    lineCounter,
    logLevel: 'error',
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
    customTags: options.customTags,
    ...(options.version ? { version: options.version } : {}),
  });
  const lastWins = options.duplicateKeys === 'lastWins';
  // A stream of only comments is an EmptyStream: an empty array that may still carry errors.
  const yamlDocuments: Document.Parsed[] = [...parsed];
  const streamErrors = (parsed as { errors?: YAMLError[] }).errors ?? [];
  const list = new ProblemList();
  const report = (problem: YamlProblem): void => list.add(problem);
  for (const error of streamErrors) report(toProblem(error, 'error', 0, rangeOf));

  yamlDocuments.forEach((doc, index) => {
    let errors = 0;
    let exhausted = false;
    for (const e of doc.errors) {
      if (e.code !== 'RESOURCE_EXHAUSTION') {
        report(toProblem(e, 'error', index, rangeOf));
        continue;
      }
      // `yaml` catches the stack overflow of deep nesting at each collection it unwinds through, so one
      // document gave up to 35 findings, at columns that depended on the stack left when parsing began
      // (a warm `yaml`, a thread's message before). One finding per document, at the start of the line's
      // content, is the same whatever the stack.
      if (exhausted) continue;
      exhausted = true;
      const lineStart = lineCounter.lineStarts[lineCounter.linePos(e.pos[0]).line - 1] ?? 0;
      const contentStart = lineStart + (/^[ \t]*/.exec(text.slice(lineStart, lineStart + 4096))?.[0].length ?? 0);
      report({ ...toProblem(e, 'error', index, rangeOf), range: rangeOf(contentStart, contentStart) });
    }
    if (lastWins) {
      for (const problem of repeatedKeys(doc, index, rangeOf)) report(problem);
    } else {
      for (const offset of duplicateKeyOffsets(doc)) {
        report({ code: 'DUPLICATE_KEY', severity: 'error', message: 'Map keys must be unique', range: rangeOf(offset, offset + 1), documentIndex: index });
        errors++;
      }
    }
    for (const e of doc.warnings) report(toProblem(e, 'warning', index, rangeOf));
    if (errors + doc.errors.length > 0) return;

    let value: unknown;
    try {
      resolveAliasesOnce(doc);
      // Aliased values come out shared, not copied: the budget is checked on the result, the same on every path.
      value = doc.toJS({ maxAliasCount: -1 });
      if (!withinAliasBudget(value)) throw new AliasBudgetExceeded();
    } catch (error) {
      const start = doc.contents?.range[0] ?? 0;
      report({
        code: error instanceof AliasBudgetExceeded ? 'ALIAS_EXPANSION' : 'RESOURCE_EXHAUSTION',
        severity: 'error',
        message: error instanceof AliasBudgetExceeded ? ALIAS_EXPANSION_MESSAGE : `the document cannot be converted: ${describe(error)}`,
        range: rangeOf(start, start),
        documentIndex: index,
      });
      return;
    }

    const contents = doc.contents;
    const docRange = contents ? rangeOf(contents.range[0], contents.range[1]) : rangeOf(doc.range[0], doc.range[0]);
    documents.push({
      index,
      value,
      range: docRange,
      locate: (path) => {
        const [start, end] = locateOffsets(doc, path, lastWins);
        return rangeOf(start, end);
      },
      locateInText: (path, line, column) => {
        const offset = blockScalarOffset(text, lineCounter, nodeAt(doc, path), line, column);
        if (offset === undefined) {
          const [start, end] = locateOffsets(doc, path);
          return rangeOf(start, end);
        }
        const lineEnd = text.indexOf('\n', offset);
        return rangeOf(offset, lineEnd < 0 ? text.length : lineEnd);
      },
    });
  });
  return { documents, problems: list.list() };
}

class AliasBudgetExceeded extends Error {}

/** A file's problems, at most MAX_PROBLEMS_PER_FILE of them and then one that counts the rest. */
export class ProblemList {
  private readonly problems: YamlProblem[] = [];
  private readonly documents = new Set<number>();
  private unlisted = 0;

  add(problem: YamlProblem): void {
    this.documents.add(problem.documentIndex);
    if (this.problems.length < MAX_PROBLEMS_PER_FILE) this.problems.push(problem);
    else this.unlisted++;
  }

  has(documentIndex: number): boolean {
    return this.documents.has(documentIndex);
  }

  get size(): number {
    return this.problems.length + this.unlisted;
  }

  list(): YamlProblem[] {
    if (this.unlisted === 0) return this.problems;
    const last = this.problems[this.problems.length - 1]!;
    return [
      ...this.problems,
      {
        code: 'TOO_MANY_PROBLEMS',
        severity: last.severity,
        message: `${this.unlisted} more YAML problems in this file are not listed (only the first ${MAX_PROBLEMS_PER_FILE} are)`,
        range: last.range,
        documentIndex: last.documentIndex,
      },
    ];
  }
}

/**
 * Start offsets of keys repeated in the same mapping (the second and later ones), as `yaml` itself would
 * report them with `uniqueKeys`. One set per mapping, an explicit stack: linear, no recursion on depth.
 */
function duplicateKeyOffsets(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items as Pair[]) {
        const key = pair.key;
        if (isScalar(key) && !isMergeKey(key)) {
          if (seen.has(key.value) && key.range) offsets.push(key.range[0]);
          seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isPair(node)) {
      stack.push(node.key, node.value);
    }
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * `yaml` resolves each alias by scanning every anchor and alias of the document (quadratic: 50,000 anchors
 * and aliases took minutes). One ordered pass finds each alias's anchor ("the last one before it") and
 * gives every alias node a direct answer.
 */
function resolveAliasesOnce(doc: Document.Parsed): void {
  const anchors = new Map<string, unknown>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        const original = node.resolve.bind(node);
        // Only when the anchor's value is already built: otherwise yaml's own resolution builds it first.
        node.resolve = ((d: Document, ctx?: { anchors?: Map<unknown, { res: unknown }> }) =>
          target && d === doc && (!ctx || ctx.anchors?.get(target)?.res !== undefined) ? target : original(d, ctx as never)) as never;
      } else if ((node as { anchor?: string }).anchor) anchors.set((node as { anchor: string }).anchor, node);
    },
  });
}

function toProblem(
  error: YAMLError,
  severity: 'error' | 'warning',
  documentIndex: number,
  rangeOf: (start: number, end: number) => SourceRange,
): YamlProblem {
  const [start, end] = error.pos;
  // yaml appends " at line X, column Y:" and a code excerpt; the position is reported separately.
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { code: error.code, severity, message, range: rangeOf(start, end), documentIndex };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Offsets of the node at `path`. For a map entry the range spans key to value, so that a finding on
 * an annotation points at the annotation's line. A path that leaves the tree stops at the deepest node
 * that exists: a "missing field" finding then points at the object that should hold it.
 */
function locateOffsets(doc: Document.Parsed, path: JsonPath, lastWins = false): [number, number] {
  let node: unknown = doc.contents;
  let best: [number, number] = rangeOfNode(node) ?? [doc.range[0], doc.range[0]];
  for (const segment of path) {
    node = resolveAlias(doc, node);
    let next: unknown;
    let span: [number, number] | undefined;
    if (isMap(node)) {
      const pair = findPair(doc, node.items as Pair[], segment, 0, lastWins);
      if (pair) {
        next = pair.value;
        const keyRange = rangeOfNode(pair.key);
        const valueRange = rangeOfNode(pair.value);
        if (keyRange) span = [keyRange[0], valueRange ? valueRange[1] : keyRange[1]];
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
      span = rangeOfNode(next);
    }
    if (next === undefined && span === undefined) break;
    if (span) best = span;
    node = next;
  }
  return best;
}

function findPair(doc: Document.Parsed, items: Pair[], segment: string | number, depth: number, lastWins = false): Pair | undefined {
  const wanted = String(segment);
  let found: Pair | undefined;
  for (const item of items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === wanted) {
      found = item;
      if (!lastWins) break;
    }
  }
  if (found) return found;
  if (depth > 20) return undefined;
  // Keys that come from a `<<` merge live in the merged map: point at the key where it is written.
  for (const item of items) {
    if (!isPair(item) || !isMergeKey(item.key)) continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const source of sources) {
      const map = resolveAlias(doc, source);
      if (isMap(map)) {
        const found = findPair(doc, map.items as Pair[], segment, depth + 1, lastWins);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** With `merge: true`, yaml represents `<<` as a scalar whose source is `<<` (its value is a merge marker). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || (key as { source?: string }).source === '<<');
}

function nodeAt(doc: Document.Parsed, path: JsonPath): unknown {
  let node: unknown = doc.contents;
  for (const segment of path) {
    node = resolveAlias(doc, node);
    if (isMap(node)) node = findPair(doc, node.items as Pair[], segment, 0)?.value;
    else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
    else return undefined;
  }
  return resolveAlias(doc, node);
}

/**
 * The file offset of `line`:`column` of a literal block scalar's (`|`) value: its lines are the file's
 * lines after the header, less the block's indentation. Other scalars fold or escape their text, so
 * positions inside them are not mapped.
 */
function blockScalarOffset(text: string, lineCounter: LineCounter, node: unknown, line: number, column: number): number | undefined {
  if (!isScalar(node) || node.type !== 'BLOCK_LITERAL' || !node.range || line < 1) return undefined;
  const headerLine = lineCounter.linePos(node.range[0]).line;
  const first = lineCounter.lineStarts[headerLine];
  if (first === undefined) return undefined;
  // The indentation is that of the first non-empty line of the block.
  let indent = 0;
  for (let at = first; at < node.range[1]; ) {
    const end = text.indexOf('\n', at);
    const content = text.slice(at, end < 0 ? text.length : end);
    if (content.trim() !== '') { indent = content.length - content.trimStart().length; break; }
    if (end < 0) break;
    at = end + 1;
  }
  const start = lineCounter.lineStarts[headerLine + line - 1];
  if (start === undefined || start >= node.range[1]) return undefined;
  return start + indent + Math.max(0, column - 1);
}

function resolveAlias(doc: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current;
}

function rangeOfNode(node: unknown): [number, number] | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as YamlNode).range;
    if (range) return [range[0], range[1]];
  }
  return undefined;
}

/** Keys written twice in one map: a warning at the later key, naming the value it replaces. */
function repeatedKeys(doc: Document.Parsed, documentIndex: number, rangeOf: (start: number, end: number) => SourceRange): YamlProblem[] {
  const out: YamlProblem[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 200) return;
    if (isMap(node)) {
      const seen = new Map<string, Pair>();
      for (const item of node.items as Pair[]) {
        if (!isPair(item)) continue;
        if (isScalar(item.key) && !isMergeKey(item.key)) {
          const key = String(item.key.value);
          const earlier = seen.get(key);
          const keyRange = rangeOfNode(item.key);
          if (earlier && keyRange) {
            const lostAt = rangeOfNode(earlier.key);
            const line = lostAt ? rangeOf(lostAt[0], lostAt[0]).line : undefined;
            out.push({
              code: 'DUPLICATE_KEY',
              severity: 'warning',
              message: `key '${key}' is written again${line ? ` (first on line ${line})` : ''}: the value ${describeNode(earlier.value)} is dropped and this one is used`,
              range: rangeOf(keyRange[0], keyRange[1]),
              documentIndex,
            });
          }
          seen.set(key, item);
        }
        visit(item.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, depth + 1);
    }
  };
  visit(doc.contents, 0);
  return out;
}

function describeNode(node: unknown): string {
  if (isScalar(node)) {
    const text = String(node.value);
    return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
  }
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return `*${node.source}`;
  return 'nothing';
}
