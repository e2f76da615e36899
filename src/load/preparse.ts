import jsyaml from 'js-yaml';
import { CORE_WITH_MERGE, parseCommonYaml } from './common-yaml.js';
import { concatIndexes, decodeRoot, encodeIndex, indexedDocuments, PositionRecorder, type EncodedIndex, type PositionNode } from './position-index.js';

/**
 * The js-yaml pass with positions, apart from everything that needs the `yaml` package: a parse thread
 * loads only this module (and js-yaml), not the exact parser it never runs.
 */


/** A `? ` complex key where YAML syntax allows one: js-yaml would turn a collection key into a string. */
export const COMPLEX_KEY = /^\s*(?:-\s+)*\?(?:\s|$)/m;

/** What a parse knows of positions: one root per document, and what makes its values special. */
export interface PositionRoots {
  readonly roots: PositionNode[];
  readonly aliases: number;
  readonly merges: number;
}

/**
 * Values and positions: either the recorder's node trees (js-yaml's pass, which can hold aliases, merge
 * keys, repeated keys) or the purpose-built reader's encoded index (none of those).
 */
export type FastParse =
  | {
      values: unknown[];
      recorder: PositionRoots;
      index?: undefined;
      /** Loaded in js-yaml's `json` mode, which lets keys repeat (the later value wins). */
      tolerant: boolean;
    }
  | { values: unknown[]; recorder?: undefined; index: EncodedIndex; tolerant: false };

/**
 * @param duplicateKeys whether a repeated key may pass (js-yaml's `json` mode, later value wins): the
 * duplicates are then found in the position index, so a file full of them is reported from this one fast
 * pass instead of the exact parser.
 */
function loadWithPositions(text: string, duplicateKeys = false): (FastParse & { recorder: PositionRoots }) | 'duplicate-keys' | undefined {
  const recorder = new PositionRecorder(text);
  const values: unknown[] = [];
  try {
    jsyaml.loadAll(text, (doc) => values.push(doc), { schema: CORE_WITH_MERGE, json: duplicateKeys, listener: recorder.listener } as unknown as jsyaml.LoadOptions);
  } catch (error) {
    return (error as { reason?: string }).reason === 'duplicated mapping key' && !duplicateKeys ? 'duplicate-keys' : undefined;
  }
  if (recorder.unusable || recorder.roots.length !== values.length) return undefined;
  return { values, recorder, tolerant: duplicateKeys };
}

/**
 * Values and position roots of every document: from the purpose-built reader when it is certain of the
 * text (common-yaml.ts), else from js-yaml and its listener.
 */
export function parseWithPositions(text: string): FastParse | undefined {
  const common = parseCommonYaml(text);
  if (common) return { values: common.values, index: common.index, tolerant: false };
  return parseWithRecorder(text);
}

/** The js-yaml pass with its listener: the reference the purpose-built reader must equal. */
export function parseWithRecorder(text: string): (FastParse & { recorder: PositionRoots }) | undefined {
  const first = loadWithPositions(text);
  if (first !== 'duplicate-keys') return first;
  const tolerant = loadWithPositions(text, true);
  return tolerant === 'duplicate-keys' ? undefined : tolerant;
}

/**
 * A parse done ahead (in a parse thread, or on a piece of a big file) of a text that needs nothing but
 * the plain fast path: values and a compact position index that crosses threads as one transferable
 * array (cloning the index's node objects cost more than the parse they saved).
 */
export interface Preparsed {
  values: unknown[];
  index: EncodedIndex;
}

/**
 * The fast parse of `text` when the file takes the plain path of `parseYamlFast` with no problem to
 * report; undefined for anything else (complex keys, syntax errors, duplicate or merge keys, aliases,
 * an empty stream), which the caller then parses as before, on its own thread, so that every finding
 * about it comes from the one code path that always made it.
 * @param base offset of `text` in its file, when it is a piece of a bigger one
 */
export function preparse(text: string, base = 0): Preparsed | undefined {
  if (text.includes('?') && COMPLEX_KEY.test(text)) return undefined;
  // An own `__proto__` key must stay a plain property however the values are copied: leave it to the caller.
  if (text.includes('__proto__')) return undefined;
  const parsed = parseWithPositions(text);
  if (!parsed) return undefined;
  if (parsed.values.every((v) => v === null || v === undefined)) return undefined;
  if (parsed.index) return { values: parsed.values, index: base === 0 ? parsed.index : rebased(parsed.index, base) };
  if (parsed.tolerant || parsed.recorder.merges > 0 || parsed.recorder.aliases > 0) return undefined;
  const index = encodeIndex(parsed.recorder.roots, base);
  return index ? { values: parsed.values, index } : undefined;
}

/** An index of a piece of a file, with offsets in the whole file. */
function rebased(index: EncodedIndex, base: number): EncodedIndex {
  const nodes = index.nodes;
  for (let at = 0; at < nodes.length; at += 4) {
    nodes[at + 1] = nodes[at + 1]! + base;
    if (nodes[at + 2]! >= 0) nodes[at + 2] = nodes[at + 2]! + base;
  }
  return index;
}

/** The pieces of one file parsed apart, in order, as one parse of the whole file. */
export function joinPreparsed(pieces: readonly Preparsed[]): Preparsed {
  if (pieces.length === 1) return pieces[0]!;
  return { values: pieces.flatMap((p) => p.values), index: concatIndexes(pieces.map((p) => p.index)) };
}

/** The position index of a preparsed text, each document's rebuilt on the first position asked in it. */
export function preparsedPositions(pre: Preparsed): { root(index: number): PositionNode | undefined } {
  const roots: PositionNode[] = [];
  return { root: (index) => (index < indexedDocuments(pre.index) ? (roots[index] ??= decodeRoot(pre.index, index)) : undefined) };
}

/**
 * Offsets at which a big file can be cut into pieces that parse as its documents do: the start of a
 * `---` line at column 0 (followed by a space, a tab, a line break or the end). The YAML spec forbids that
 * line inside any node, block scalars and quoted scalars included, so it always starts a document, as
 * `countDocumentStarts` also assumes. Directives (`%` lines) belong to the document after them: a text
 * with any is not cut.
 */
export function splitPoints(text: string, pieces: number): number[] {
  if (pieces < 2 || text.startsWith('%') || text.includes('\n%')) return [];
  const points: number[] = [];
  for (let k = 1; k < pieces; k++) {
    const from = Math.max(Math.floor((text.length * k) / pieces), (points[points.length - 1] ?? 0) + 1);
    const at = markerFrom(text, from);
    if (at < 0) break;
    if (at > (points[points.length - 1] ?? 0)) points.push(at);
  }
  return points;
}

function markerFrom(text: string, from: number): number {
  for (let at = text.indexOf('\n---', from - 1); at >= 0; at = text.indexOf('\n---', at + 4)) {
    const next = text.charCodeAt(at + 4);
    if (Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) return at + 1;
  }
  return -1;
}

/** Documents in a text, counted before parsing: a document marker at column 0 always starts a document. */
export function countDocumentStarts(text: string): number {
  let markers = 0;
  let first = -1;
  for (let at = text.indexOf('---'); at >= 0; at = text.indexOf('---', at + 3)) {
    const next = text.charCodeAt(at + 3);
    const startsLine = at === 0 || text.charCodeAt(at - 1) === 0x0a;
    // `---` followed by the end, a space, a tab or a line break (a CR included).
    if (startsLine && (Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d)) {
      markers++;
      if (first < 0) first = at;
    }
  }
  // Content before the first marker (anything but blank lines, comments and directives) is a document too.
  const before = first < 0 ? text : text.slice(0, first);
  return markers + (/^[ \t]*[^\s#%]/m.test(before) ? 1 : 0);
}
