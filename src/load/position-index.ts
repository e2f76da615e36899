import type { JsonPath, SourceRange } from '../model/types.js';

/**
 * Exact node positions recorded during the one js-yaml pass that also builds the values, through its
 * `listener` events: a second full parse with the `yaml` package (~1 MB/s) for every file with a finding
 * is what made findings-heavy trees and big bundles slow. The offsets reproduce what `yaml` reports
 * (`range[0]` and `range[1]`) so that both paths give identical line:column; a test compares them on
 * every node of every fixture.
 */

export const enum Kind {
  Scalar,
  Mapping,
  Sequence,
  Alias,
  Empty,
}

export interface PositionNode {
  kind: Kind;
  start: number;
  end: number;
  /** The js-yaml result: the key text for map keys, identity for collections (to spot wrapper events). */
  value: unknown;
  /** Mappings: key, value, key, value ...; sequences: items. */
  children?: PositionNode[];
  /** `<<` merge key. */
  merge?: boolean;
  /** Alias: the node its anchor names. */
  target?: PositionNode;
}

interface Frame {
  open: number;
  children: PositionNode[] | undefined;
}

/** The js-yaml loader state fields the listener reads. */
interface LoaderState {
  position: number;
  kind: string | null;
  result: unknown;
  anchor: string | null;
  tag: string | null;
}

const MERGE_TAG = 'tag:yaml.org,2002:merge';

/**
 * Collects one root node per document. Anything it cannot map with certainty (a flow mapping entry
 * without a value, a pair inside a flow sequence) marks the index unusable: the caller then takes
 * positions from `yaml` for that file.
 */
export class PositionRecorder {
  readonly roots: PositionNode[] = [];
  aliases = 0;
  /** `<<` merge keys met: js-yaml lets explicit keys repeat a merged one, so duplicates must then be searched. */
  merges = 0;
  unusable = false;
  private readonly stack: Frame[] = [];
  private anchors = new Map<string, PositionNode>();

  constructor(private readonly text: string) {}

  readonly listener = (event: 'open' | 'close', state: LoaderState): void => {
    if (event === 'open') {
      this.stack.push({ open: state.position, children: undefined });
      return;
    }
    const frame = this.stack.pop()!;
    const node = this.close(frame, state);
    const parent = this.stack[this.stack.length - 1];
    if (parent) (parent.children ??= []).push(node);
    else {
      this.roots.push(node);
      this.anchors = new Map();
    }
  };

  private close(frame: Frame, state: LoaderState): PositionNode {
    const { text } = this;
    const children = frame.children;
    const kind = state.kind;
    let node: PositionNode;
    // js-yaml reads a block-level node as a would-be mapping key first. That attempt leaves an empty
    // event when it reads nothing (before a block scalar, after a mapping's last entry), or wraps the
    // same node when it succeeds (a plain scalar, an alias, a flow collection).
    if (kind === 'mapping' && children && children.length % 2 === 1 && children[children.length - 1]!.kind === Kind.Empty) children.pop();
    const only = children?.length === 1 && children[0]!.kind !== Kind.Empty ? children[0]! : undefined;
    if (only && (kind === 'scalar' || kind === null || only.value === state.result)) {
      node = only;
    } else {
      const start = skipToContent(text, frame.open);
      const end = Math.min(state.position, text.length);
      if (kind === 'scalar') {
        node = { kind: Kind.Scalar, start, end: scalarEnd(text, start, end), value: state.result };
        if (state.tag === MERGE_TAG) {
          node.merge = true;
          this.merges++;
        }
      } else if (kind === 'mapping' || kind === 'sequence') {
        const flow = isFlowStart(text, start);
        const last = children?.[children.length - 1];
        node = {
          kind: kind === 'mapping' ? Kind.Mapping : Kind.Sequence,
          start,
          end: flow ? trimEnd(text, start, end) : last ? blockEnd(text, last, end) : end,
          value: state.result,
          children: children ?? [],
        };
        if (flow && !this.flowEntriesAligned(node)) this.unusable = true;
      } else if (text.charCodeAt(start) === 0x2a /* * */ && start < end) {
        const nameEnd = anchorNameEnd(text, start + 1);
        const target = this.anchors.get(text.slice(start + 1, nameEnd));
        if (!target) this.unusable = true;
        this.aliases++;
        node = { kind: Kind.Alias, start, end: nameEnd, value: state.result, ...(target ? { target } : {}) };
      } else {
        // yaml puts an empty value after the spaces that follow its indicator, before any line break.
        const at = skipPropertiesOnLine(text, frame.open);
        node = { kind: Kind.Empty, start: at, end: at, value: null };
      }
    }
    if (state.anchor !== null) this.anchors.set(state.anchor, node);
    return node;
  }

  /** Key/value alternation holds in a flow mapping only when every key has a `:` before the next entry. */
  private flowEntriesAligned(node: PositionNode): boolean {
    const children = node.children!;
    if (node.kind === Kind.Sequence) {
      for (const child of children) if (nextIndicator(this.text, child.end) === 0x3a /* : */) return false;
      return true;
    }
    if (children.length % 2 !== 0) return false;
    for (let i = 0; i < children.length; i += 2) {
      if (nextIndicator(this.text, children[i]!.end) !== 0x3a) return false;
    }
    return true;
  }
}

/** After separation space, comments, and node properties (`&anchor`, `!tag`). */
function skipToContent(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === 0x26 /* & */ || c === 0x21 /* ! */) {
      while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    } else return i;
  }
}

/** Past spaces and node properties, not past the end of the line. */
function skipPropertiesOnLine(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) i++;
    else if (c === 0x26 /* & */ || c === 0x21 /* ! */) {
      while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    } else return i;
  }
}

/**
 * A block collection ends with the line of its last entry (an empty last value: right after its `:`).
 * Comment lines after it belong to it or not by rules of `yaml`'s lexer that depend on what follows:
 * the end is then unknown (NaN) and a position asked through it comes from `yaml`.
 */
export function blockEnd(text: string, last: PositionNode, eventEnd: number): number {
  return blockEndOf(text, last.kind, last.start, last.end, eventEnd);
}

/** `blockEnd` from the last entry's kind, start and end. */
export function blockEndOf(text: string, kind: Kind, start: number, lastEnd: number, eventEnd: number): number {
  if (Number.isNaN(lastEnd)) return Number.NaN;
  // `yaml` ends it where its last value's node ends: an empty value or a block collection ends where it
  // is (nested empty values propagate), a scalar, alias or flow collection with the rest of its line.
  const carried = kind === Kind.Empty || ((kind === Kind.Mapping || kind === Kind.Sequence) && !isFlowStart(text, start));
  const end = carried ? lastEnd : lineEndAfter(text, lastEnd);
  return hasCommentBetween(text, end, eventEnd) ? Number.NaN : end;
}

/**
 * Only the gap up to the event's end: `indexOf('#', end)` ran to the next comment anywhere after it, to the
 * end of the text when there is none, once per block collection: quadratic in a big bundle without comments.
 */
function hasCommentBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 0x23 /* # */) return true;
  return false;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isFlowStart(text: string, start: number): boolean {
  const c = text.charCodeAt(start);
  return c === 0x7b /* { */ || c === 0x5b; /* [ */
}

function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
  return e;
}

/** A block scalar ends after its last non-blank line unless it keeps trailing lines (`|+`). */
export function scalarEnd(text: string, start: number, end: number): number {
  const c = text.charCodeAt(start);
  if (c !== 0x7c /* | */ && c !== 0x3e /* > */) return trimEnd(text, start, end);
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0 || headerEnd >= end) return end;
  if (text.slice(start, headerEnd).includes('+')) return end;
  const last = trimEnd(text, headerEnd, end);
  if (last <= headerEnd) return headerEnd + 1;
  return lineEndAfter(text, last);
}

/** Past the line break that ends the line holding `offset - 1` (yaml's valueEnd of a block collection). */
function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text.charCodeAt(offset - 1) === 0x0a) return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

function anchorNameEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c) || isSpace(c) || c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) return i;
    i++;
  }
}

/** The first character after `offset` that is not space or a comment. */
function nextIndicator(text: string, offset: number): number {
  return text.charCodeAt(skipToContentNoProps(text, offset));
}

function skipToContentNoProps(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) i++;
    else if (c === 0x23) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else return i;
  }
}

/**
 * Start offsets of keys repeated in the same mapping (the second and later ones), compared as `yaml` compares
 * them (the scalar's value, so `1` and `"1"` differ). Explicit stack: linear, no recursion on depth.
 */
export function duplicateKeyStarts(root: PositionNode): number[] {
  const starts: number[] = [];
  const stack: PositionNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!node.children) continue;
    if (node.kind === Kind.Mapping) {
      const seen = new Set<unknown>();
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        const key = node.children[i]!;
        if (key.kind === Kind.Scalar && !key.merge) {
          if (seen.has(key.value)) starts.push(key.start);
          seen.add(key.value);
        }
      }
    }
    for (const child of node.children) stack.push(child);
  }
  return starts.sort((a, b) => a - b);
}

/**
 * Offsets of the node at `path`, with the same rules as the exact path (`locateOffsets` in yaml.ts);
 * undefined when the index does not know where that node ends.
 */
export function locateInIndex(root: PositionNode, path: JsonPath): [number, number] | undefined {
  let node: PositionNode | undefined = root;
  let best: [number, number] = [root.start, root.end];
  for (const segment of path) {
    node = resolveAlias(node);
    let next: PositionNode | undefined;
    let span: [number, number] | undefined;
    if (node.kind === Kind.Mapping) {
      const pair = findPair(node, String(segment), 0);
      if (pair) {
        next = pair[1];
        span = [pair[0].start, pair[1].end];
      }
    } else if (node.kind === Kind.Sequence && typeof segment === 'number') {
      next = node.children![segment];
      if (next) span = [next.start, next.end];
    }
    if (!next) break;
    best = span!;
    node = next;
  }
  return Number.isNaN(best[1]) ? undefined : best;
}

function findPair(map: PositionNode, wanted: string, depth: number): [PositionNode, PositionNode] | undefined {
  const children = map.children!;
  for (let i = 0; i + 1 < children.length; i += 2) {
    const key = children[i]!;
    if (key.kind === Kind.Scalar && !key.merge && String(key.value) === wanted) return [key, children[i + 1]!];
  }
  if (depth > 20) return undefined;
  for (let i = 0; i + 1 < children.length; i += 2) {
    if (!children[i]!.merge) continue;
    const value = resolveAlias(children[i + 1]!);
    const sources = value.kind === Kind.Sequence ? value.children! : [value];
    for (const source of sources) {
      const target = resolveAlias(source);
      if (target.kind !== Kind.Mapping) continue;
      const found = findPair(target, wanted, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function resolveAlias(node: PositionNode): PositionNode {
  let current = node;
  for (let hops = 0; current.kind === Kind.Alias && current.target && hops < 100; hops++) current = current.target;
  return current;
}

export function rootRange(root: PositionNode): [number, number] | undefined {
  return Number.isNaN(root.end) ? undefined : [root.start, root.end];
}

/** An empty document: `yaml` places it after the `---` that js-yaml's events do not show. */
export function isEmptyRoot(root: PositionNode): boolean {
  return root.kind === Kind.Empty;
}

/**
 * Line:column for offsets, as `yaml`'s LineCounter gives them, with columns in Unicode code points.
 * Line starts are found once per file, on the first position asked for.
 */
export class LinePositions {
  private lineStarts?: number[];
  private hasSurrogates?: boolean;

  constructor(private readonly text: string) {}

  range(start: number, end: number): SourceRange {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  position(offset: number): { line: number; column: number } {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const lineStart = starts[low]!;
    this.hasSurrogates ??= /[\ud800-\udbff]/.test(this.text);
    return { line: low + 1, column: this.hasSurrogates ? codePointColumn(this.text, lineStart, offset) : offset - lineStart + 1 };
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  return starts;
}

export function codePointColumn(text: string, lineStart: number, offset: number): number {
  let column = 1;
  for (let i = lineStart; i < offset; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate and its low surrogate are one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) i++;
    column++;
  }
  return column;
}

/**
 * A file's position index as flat data: four integers per node in pre-order (kind, start, end, number of
 * children or -1 for a node without a child list), an unknown end as -1, the text of every scalar mapping
 * key in the same order, and where each document's nodes and keys begin (documents are rebuilt one by one,
 * when a position in them is asked: a finding in a big bundle needs its own document only). Aliases and
 * merge keys are not encoded (their files are not preparsed).
 */
export interface EncodedIndex {
  nodes: Int32Array;
  keys: string[];
  /** Per document: index of its first node (in nodes, not integers), then of its first key. */
  roots: Int32Array;
}

const FIELDS = 4;

/** Undefined when the tree holds what the encoding leaves out (an alias, a merge key). */
export function encodeIndex(roots: readonly PositionNode[], base = 0): EncodedIndex | undefined {
  // A growing typed array and an explicit stack without an object per node: this runs on every node of a big file.
  let ints = new Int32Array(1024);
  let used = 0;
  const keys: string[] = [];
  const starts = new Int32Array(roots.length * 2);
  const stack: PositionNode[] = [];
  const keyFlags: boolean[] = [];
  for (let r = 0; r < roots.length; r++) {
    starts[r * 2] = used / FIELDS;
    starts[r * 2 + 1] = keys.length;
    stack.push(roots[r]!);
    keyFlags.push(false);
    while (stack.length > 0) {
      const node = stack.pop()!;
      const isKey = keyFlags.pop()!;
      if (node.kind === Kind.Alias || node.merge) return undefined;
      const children = node.children;
      if (used + FIELDS > ints.length) {
        const grown = new Int32Array(ints.length * 2);
        grown.set(ints);
        ints = grown;
      }
      ints[used] = node.kind;
      ints[used + 1] = node.start + base;
      ints[used + 2] = Number.isNaN(node.end) ? -1 : node.end + base;
      ints[used + 3] = children ? children.length : -1;
      used += FIELDS;
      if (isKey) keys.push(String(node.value));
      if (!children) continue;
      const mapping = node.kind === Kind.Mapping;
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i]!;
        stack.push(child);
        keyFlags.push(mapping && i % 2 === 0 && child.kind === Kind.Scalar);
      }
    }
  }
  // A copy of the used part: the array crosses threads by transfer, and a transfer takes the whole buffer.
  return { nodes: ints.slice(0, used), keys, roots: starts };
}

/** Indexes of several files or pieces, one after the other, as one (their offsets are already the file's). */
export function concatIndexes(parts: readonly EncodedIndex[]): EncodedIndex {
  const nodes = new Int32Array(parts.reduce((n, p) => n + p.nodes.length, 0));
  const roots = new Int32Array(parts.reduce((n, p) => n + p.roots.length, 0));
  const keys: string[] = [];
  let nodeAt = 0;
  let rootAt = 0;
  for (const part of parts) {
    nodes.set(part.nodes, nodeAt);
    for (let i = 0; i < part.roots.length; i += 2) {
      roots[rootAt + i] = part.roots[i]! + nodeAt / FIELDS;
      roots[rootAt + i + 1] = part.roots[i + 1]! + keys.length;
    }
    for (const key of part.keys) keys.push(key);
    nodeAt += part.nodes.length;
    rootAt += part.roots.length;
  }
  return { nodes, keys, roots };
}

/** Number of documents an index holds. */
export function indexedDocuments(index: EncodedIndex): number {
  return index.roots.length / 2;
}

/**
 * Document `document`'s nodes as the recorder built them. A key's `value` is its text (what lookups
 * compare); other nodes carry no value, which nothing reads once recording is over.
 */
export function decodeRoot(index: EncodedIndex, document: number): PositionNode {
  const { nodes, keys } = index;
  const open: { node: PositionNode; left: number }[] = [];
  let key = index.roots[document * 2 + 1]!;
  let root: PositionNode | undefined;
  for (let at = index.roots[document * 2]! * FIELDS; at < nodes.length; at += FIELDS) {
    const kind = nodes[at]! as Kind;
    const end = nodes[at + 2]!;
    const count = nodes[at + 3]!;
    const node: PositionNode = { kind, start: nodes[at + 1]!, end: end < 0 ? Number.NaN : end, value: undefined };
    if (count >= 0) node.children = [];
    const parent = open[open.length - 1];
    if (parent) {
      const siblings = parent.node.children!;
      if (parent.node.kind === Kind.Mapping && siblings.length % 2 === 0 && kind === Kind.Scalar) node.value = keys[key++];
      siblings.push(node);
      parent.left--;
    } else root = node;
    if (count > 0) open.push({ node, left: count });
    else while (open.length > 0 && open[open.length - 1]!.left === 0) open.pop();
    if (open.length === 0) break;
  }
  return root!;
}
