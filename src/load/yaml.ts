import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type Pair,
  type Tags,
  type YAMLError,
} from 'yaml';
import type { JsonPath, SourceRange } from '../model/types.js';

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
  /** Extra tags (e.g. GitLab's `!reference`). */
  customTags?: Tags;
  /** Alias expansion budget: YAML bombs are stopped here. */
  maxAliasCount?: number;
}

export interface ParseResult {
  documents: PositionedDocument[];
  problems: YamlProblem[];
}

const DEFAULT_MAX_ALIAS_COUNT = 100;

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
  const problems: YamlProblem[] = [];
  // merge: true because GitLab CI and many Helm-rendered manifests rely on `<<` merge keys.
  const parsed = parseAllDocuments(text, {
    lineCounter,
    merge: true,
    prettyErrors: false,
    customTags: options.customTags,
  });
  // A stream of only comments is an EmptyStream: an empty array that may still carry errors.
  const yamlDocuments: Document.Parsed[] = [...parsed];
  const streamErrors = (parsed as { errors?: YAMLError[] }).errors ?? [];
  for (const error of streamErrors) problems.push(toProblem(error, 'error', 0, rangeOf));

  yamlDocuments.forEach((doc, index) => {
    const errors = doc.errors.map((e) => toProblem(e, 'error', index, rangeOf));
    const warnings = doc.warnings.map((e) => toProblem(e, 'warning', index, rangeOf));
    problems.push(...errors, ...warnings);
    if (errors.length > 0) return;

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT });
    } catch (error) {
      const start = doc.contents?.range[0] ?? 0;
      problems.push({
        code: error instanceof ReferenceError ? 'ALIAS_EXPANSION' : 'RESOURCE_EXHAUSTION',
        severity: 'error',
        message:
          error instanceof ReferenceError
            ? 'too many alias expansions: the document looks like a YAML "billion laughs" bomb'
            : `the document cannot be converted: ${describe(error)}`,
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
        const [start, end] = locateOffsets(doc, path);
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
  return { documents, problems };
}

function codePointColumn(text: string, lineStart: number, offset: number): number {
  let column = 1;
  for (let i = lineStart; i < offset; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate and its low surrogate are one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) i++;
    column++;
  }
  return column;
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
function locateOffsets(doc: Document.Parsed, path: JsonPath): [number, number] {
  let node: unknown = doc.contents;
  let best: [number, number] = rangeOfNode(node) ?? [doc.range[0], doc.range[0]];
  for (const segment of path) {
    node = resolveAlias(doc, node);
    let next: unknown;
    let span: [number, number] | undefined;
    if (isMap(node)) {
      const pair = findPair(doc, node.items as Pair[], segment, 0);
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

function findPair(doc: Document.Parsed, items: Pair[], segment: string | number, depth: number): Pair | undefined {
  const wanted = String(segment);
  for (const item of items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === wanted) return item;
  }
  if (depth > 20) return undefined;
  // Keys that come from a `<<` merge live in the merged map: point at the key where it is written.
  for (const item of items) {
    if (!isPair(item) || !isMergeKey(item.key)) continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const source of sources) {
      const map = resolveAlias(doc, source);
      if (isMap(map)) {
        const found = findPair(doc, map.items as Pair[], segment, depth + 1);
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
