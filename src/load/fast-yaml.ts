import jsyaml from 'js-yaml';
import { toJsonPointer } from '../model/refs.js';
import type { JsonPath, SourceRange } from '../model/types.js';
import { ALIAS_EXPANSION_MESSAGE, withinAliasBudget } from './alias-budget.js';
import { ParseCache } from './parse-cache.js';
import { isEmptyRoot, LinePositions, locateInIndex, PositionRecorder, rootRange } from './position-index.js';
import { parseYaml, type ParseResult, type PositionedDocument, type YamlProblem } from './yaml.js';

/**
 * One js-yaml pass gives the values and, through its listener, every node's exact position (see
 * position-index.ts): js-yaml reads ~5 MB/s where `yaml` reads ~1 MB/s, and a file with findings no
 * longer pays a second parse for its positions.
 *
 * The exact path (`parseYaml`) remains for what js-yaml rejects (so that syntax errors, duplicate keys and
 * tabs are reported by the one parser that names them precisely), for `? ` complex keys, and for the rare
 * flow-collection shapes whose positions the index cannot map with certainty.
 */
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const { merge } = (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types;
const CORE_WITH_MERGE = jsyaml.CORE_SCHEMA.extend({ implicit: [merge] });

/** A `? ` complex key where YAML syntax allows one: js-yaml would turn a collection key into a string. */
const COMPLEX_KEY = /^\s*(?:-\s+)*\?(?:\s|$)/m;

interface FastParse {
  values: unknown[];
  recorder: PositionRecorder;
}

function loadWithPositions(text: string): FastParse | undefined {
  const recorder = new PositionRecorder(text);
  const values: unknown[] = [];
  try {
    jsyaml.loadAll(text, (doc) => values.push(doc), { schema: CORE_WITH_MERGE, json: false, listener: recorder.listener } as unknown as jsyaml.LoadOptions);
  } catch {
    return undefined;
  }
  if (recorder.unusable || recorder.roots.length !== values.length) return undefined;
  return { values, recorder };
}

export function parseYamlFast(text: string, cache?: ParseCache): ParseResult {
  const key = cache ? ParseCache.keyOf(text) : '';
  let entry = cache?.get(key);
  let parsed: FastParse | undefined;
  let values: unknown[];
  const problems: YamlProblem[] = [];
  if (entry) {
    values = entry.values;
  } else {
    if (COMPLEX_KEY.test(text)) return parseYaml(text);
    parsed = loadWithPositions(text);
    // Also a text of nothing but comments: `yaml` sees no document in it, js-yaml one empty document.
    if (!parsed || parsed.values.every((v) => v === null || v === undefined)) return parseYaml(text);
    values = parsed.values;
    if (parsed.recorder.aliases > 0) {
      // Aliased values are shared: a bomb is cheap to build and ruinous to walk, so it stops here.
      values = values.map((value, index) => {
        if (withinAliasBudget(value)) return value;
        const start = parsed!.recorder.roots[index]!.start;
        problems.push({ code: 'ALIAS_EXPANSION', severity: 'error', message: ALIAS_EXPANSION_MESSAGE, range: new LinePositions(text).range(start, start), documentIndex: index });
        return undefined;
      });
    }
    if (problems.length === 0) entry = cache?.put(key, values);
  }

  let lines: LinePositions | undefined;
  // A cached file has values only: its positions come from one listener pass on the first position asked.
  const roots = (): PositionRecorder['roots'] | undefined => {
    parsed ??= loadWithPositions(text);
    return parsed?.recorder.roots;
  };
  let exact: ParseResult | undefined;
  const range = (index: number, path: JsonPath | undefined): SourceRange => {
    const root = roots()?.[index];
    const offsets = root && !isEmptyRoot(root) ? (path ? locateInIndex(root, path) : rootRange(root)) : undefined;
    if (!offsets) {
      exact ??= parseYaml(text);
      const doc = exact.documents.find((d) => d.index === index);
      return (path ? doc?.locate(path) : doc?.range) ?? ORIGIN;
    }
    return (lines ??= new LinePositions(text)).range(offsets[0], offsets[1]);
  };
  const documents: PositionedDocument[] = [];
  values.forEach((value, index) => {
    if (problems.some((p) => p.documentIndex === index)) return;
    documents.push({
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
    });
  });
  return { documents, problems };
}

const ORIGIN: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
