import jsyaml from 'js-yaml';
import { toJsonPointer } from '../model/refs.js';
import type { JsonPath, SourceRange } from '../model/types.js';
import { ParseCache } from './parse-cache.js';
import { parseYaml, type ParseResult, type PositionedDocument } from './yaml.js';

/**
 * js-yaml builds plain values about three times faster than `yaml` builds its position-carrying AST,
 * and most documents never need a position: only those with findings do. So values come from js-yaml
 * and positions from a lazy `yaml` parse of the same text, on first `locate()` in that file.
 *
 * Anything unusual takes the exact path instead (`parseYaml`): anchors, aliases and tags (alias
 * budgets, unknown-tag warnings), complex keys, and every text js-yaml rejects (so that syntax errors,
 * duplicate keys and tabs are reported by the one parser that gives them positions).
 */
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const { merge } = (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types;
const CORE_WITH_MERGE = jsyaml.CORE_SCHEMA.extend({ implicit: [merge] });

/**
 * `&anchor` or `*alias` (alias budgets), or a `? ` complex key, where YAML syntax allows them. Inside a
 * quoted string a match only costs the slower path. Unknown `!tags` need no test: js-yaml rejects them.
 * Anchor names start with a name character, so cron schedules such as "5 2 * * *" stay on the fast path.
 */
const NEEDS_EXACT_PATH = /(?:^|[\s,[{:-])[&*][\w.-]|^\s*\?(?:\s|$)/m;

export function parseYamlFast(text: string, cache?: ParseCache): ParseResult {
  const key = cache ? ParseCache.keyOf(text) : '';
  let entry = cache?.get(key);
  let values: unknown[];
  if (entry) {
    values = entry.values;
  } else {
    if (NEEDS_EXACT_PATH.test(text)) return parseYaml(text);
    values = [];
    try {
      jsyaml.loadAll(text, (doc) => values.push(doc), { schema: CORE_WITH_MERGE, json: false });
    } catch {
      return parseYaml(text);
    }
    entry = cache?.put(key, values);
  }

  let exact: ParseResult | undefined;
  const positions = (): ParseResult => (exact ??= parseYaml(text));
  const origin: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const documents: PositionedDocument[] = values.map((value, index) => ({
    index,
    value,
    get range(): SourceRange {
      return positions().documents.find((d) => d.index === index)?.range ?? origin;
    },
    locate(path: JsonPath): SourceRange {
      const rangeKey = `${index}${toJsonPointer(path)}`;
      const known = entry?.ranges[rangeKey];
      if (known) return known;
      const range = positions().documents.find((d) => d.index === index)?.locate(path) ?? origin;
      if (entry && cache) cache.recordRange(entry, rangeKey, range);
      return range;
    },
    locateInText(path: JsonPath, line: number, column: number): SourceRange {
      return positions().documents.find((d) => d.index === index)?.locateInText?.(path, line, column) ?? this.locate(path);
    },
  }));
  return { documents, problems: [] };
}

