import { toJsonPointer } from '../model/refs.js';
import type { JsonPath, SourceRange } from '../model/types.js';
import { ALIAS_EXPANSION_MESSAGE, withinAliasBudget } from './alias-budget.js';
import { ParseCache } from './parse-cache.js';
import { duplicateKeyStarts, isEmptyRoot, LinePositions, locateInIndex, rootRange, type PositionNode } from './position-index.js';
import { COMPLEX_KEY, parseWithPositions, preparsedPositions, type FastParse, type Preparsed } from './preparse.js';
import { parseYaml, ProblemList, type ParseResult, type PositionedDocument } from './yaml.js';

type CachedEntry = NonNullable<ReturnType<ParseCache['get']>>;

/**
 * One pass gives the values and every node's exact position (see position-index.ts): the purpose-built
 * reader of common-yaml.ts for the YAML it is certain of, else js-yaml and its listener (js-yaml reads
 * ~5 MB/s where `yaml` reads ~1 MB/s), so a file with findings never pays a second parse for its positions.
 *
 * The exact path (`parseYaml`) remains for what js-yaml rejects (so that syntax errors, duplicate keys and
 * tabs are reported by the one parser that names them precisely), for `? ` complex keys, and for the rare
 * flow-collection shapes whose positions the index cannot map with certainty.
 *
 * @param pre this text's parse done ahead (`preparse`): it only exists for a text with nothing to report,
 * so its documents come straight from it.
 */
export function parseYamlFast(text: string, cache?: ParseCache, pre?: Preparsed): ParseResult {
  if (pre && !cache) return { documents: positionedDocuments(text, pre.values, preparsedPositions(pre), undefined, undefined), problems: [] };
  const key = cache ? cache.hashOf(text) : '';
  let entry = cache?.get(key);
  let parsed: FastParse | undefined;
  let values: unknown[];
  if (entry) {
    values = entry.values;
  } else {
    // The multi-line regexp took 8-17 ms of CPU per bench shape (33-56 ms in cold profiles): most files hold no `?`.
    if (text.includes('?') && COMPLEX_KEY.test(text)) return parseYaml(text);
    parsed = parseWithPositions(text);
    // Also a text of nothing but comments: `yaml` sees no document in it, js-yaml one empty document.
    if (!parsed || parsed.values.every((v) => v === null || v === undefined)) return parseYaml(text);
    values = parsed.values;
    // The purpose-built reader takes no text with repeated keys, merge keys or aliases: nothing to search.
    if (!parsed.recorder) {
      entry = cache?.put(key, values);
      return { documents: positionedDocuments(text, values, positionsOf(parsed), entry, cache), problems: [] };
    }
    const { roots, aliases } = parsed.recorder;
    const problems = new ProblemList();
    const lineIndex = new LinePositions(text);
    values.forEach((value, index) => {
      const root = roots[index]!;
      // A strict js-yaml load already refused any repeated key, merged keys apart: no need to search then.
      const mayRepeat = parsed!.tolerant || parsed!.recorder!.merges > 0;
      for (const start of mayRepeat ? duplicateKeyStarts(root) : []) {
        problems.add({ code: 'DUPLICATE_KEY', severity: 'error', message: 'Map keys must be unique', range: lineIndex.range(start, start + 1), documentIndex: index });
      }
      // Aliased values are shared: a bomb is cheap to build and ruinous to walk, so it stops here.
      if (aliases > 0 && !problems.has(index) && !withinAliasBudget(value)) {
        problems.add({ code: 'ALIAS_EXPANSION', severity: 'error', message: ALIAS_EXPANSION_MESSAGE, range: lineIndex.range(root.start, root.start), documentIndex: index });
      }
    });
    if (problems.size > 0) {
      const list = problems.list();
      return { documents: positionedDocuments(text, values, positionsOf(parsed), undefined, undefined).filter((d) => !problems.has(d.index)), problems: list };
    }
    entry = cache?.put(key, values);
  }
  return { documents: positionedDocuments(text, values, positionsOf(parsed), entry, cache), problems: [] };
}

/** Where a document's positions come from: a parse's recorder, or a preparsed index. */
type PositionSource = { root(index: number): PositionNode | undefined };

function positionsOf(parsed: FastParse | undefined): PositionSource | undefined {
  if (!parsed) return undefined;
  if (parsed.index) return preparsedPositions({ values: parsed.values, index: parsed.index });
  const { roots } = parsed.recorder;
  return { root: (index) => roots[index] };
}

function positionedDocuments(text: string, values: unknown[], parsed: PositionSource | undefined, entry: CachedEntry | undefined, cache: ParseCache | undefined): PositionedDocument[] {
  let lines: LinePositions | undefined;
  // A cached file has values only: its positions come from one listener pass on the first position asked.
  const rootOf = (index: number): PositionNode | undefined => {
    parsed ??= positionsOf(parseWithPositions(text));
    return parsed?.root(index);
  };
  let exact: Map<number, PositionedDocument> | undefined;
  const range = (index: number, path: JsonPath | undefined): SourceRange => {
    const root = rootOf(index);
    const offsets = root && !isEmptyRoot(root) ? (path ? locateInIndex(root, path) : rootRange(root)) : undefined;
    if (!offsets) {
      exact ??= new Map(parseYaml(text).documents.map((d) => [d.index, d]));
      const doc = exact.get(index);
      return (path ? doc?.locate(path) : doc?.range) ?? ORIGIN;
    }
    return (lines ??= new LinePositions(text)).range(offsets[0], offsets[1]);
  };
  return values.map((value, index) => ({
    index,
    value,
    get range(): SourceRange {
      return range(index, undefined);
    },
    locate(path: JsonPath): SourceRange {
      const rangeKey = `${index}${toJsonPointer(path)}`;
      const known = entry?.ranges[rangeKey];
      if (known) return known;
      const found = range(index, path);
      if (entry && cache) cache.recordRange(entry, rangeKey, found);
      return found;
    },
    locateInText(path: JsonPath, line: number, column: number): SourceRange {
      // Positions inside embedded text are rare (a template's Rego failing to compile): the exact parse serves them.
      exact ??= new Map(parseYaml(text).documents.map((d) => [d.index, d]));
      return exact.get(index)?.locateInText?.(path, line, column) ?? this.locate(path);
    },
  }));
}

const ORIGIN: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
