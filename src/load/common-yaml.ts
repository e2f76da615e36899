import jsyaml from 'js-yaml';
import { blockEndOf, Kind, scalarEnd, type EncodedIndex } from './position-index.js';

/**
 * A reader for the YAML that Kubernetes tools write and people write by hand (block mappings and
 * sequences, compact ones included; plain, quoted and block scalars, multi-line ones folded; one-line
 * flow collections; comments, `---` markers and the empty documents helm writes), giving in one pass both
 * the values js-yaml would give and the position index its listener would give (position-index.ts).
 * js-yaml reads any YAML one character at a time through generic routines and reports every node to a
 * listener; the profile of a findings-heavy tree put ~500 ms of a ~2,000 ms check there.
 *
 * It answers only where it is certain to agree with js-yaml (CORE schema with merge keys) and the
 * recorder, value for value and offset for offset: on anything else (anchors, aliases, tags, merge keys,
 * `?` keys, directives, `...`, multi-line keys and flow collections, tabs outside scalars and comments,
 * CR line breaks, duplicate keys, a null sequence item, a scalar document, ...) it gives up and the
 * caller runs js-yaml as before. test/load/common-yaml.test.ts compares both on every fixture, the real
 * corpora on this machine, the bench shapes and generated documents.
 */

// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const { merge } = (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types;
export const CORE_WITH_MERGE = jsyaml.CORE_SCHEMA.extend({ implicit: [merge] });

interface ImplicitType {
  tag: string;
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

// The schema's own resolvers, in its order: the plain scalars' types are js-yaml's by construction.
const IMPLICIT = (CORE_WITH_MERGE as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;
const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** Characters a plain scalar that resolves to something else than a string can start with. */
const MAYBE_TYPED = new Uint8Array(128);
for (const c of '0123456789.+-~nNtTfF<') MAYBE_TYPED[c.charCodeAt(0)] = 1;

/** Printable ASCII that means nothing in a block plain scalar (not `:`, `#` or a space): the scans' fast case. */
const ORDINARY = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x3a && c !== 0x23) ORDINARY[c] = 1;

/**
 * js-yaml refuses nesting beyond 100 node levels; its level for a node is at most two more than this
 * reader's depth (a key, a wrapper read): stay below it.
 */
const MAX_DEPTH = 90;

export interface CommonParse {
  values: unknown[];
  /**
   * The positions as the recorder's index would encode them (`encodeIndex`), written while reading: a
   * node object per value, kept alive as long as the file's documents, cost more in garbage collection
   * than the reading itself on a big bundle. Documents are decoded one by one when a position is asked.
   */
  index: EncodedIndex;
}

class Bail {}
const BAIL = new Bail();

/** Values and position index of `text`, or undefined when it is not certain to read it as js-yaml does. */
export function parseCommonYaml(text: string): CommonParse | undefined {
  // A BOM shifts js-yaml's offsets; a CR is a line break for js-yaml but not for the scans below; NUL is refused.
  if (text.charCodeAt(0) === 0xfeff || text.includes('\r') || text.includes('\0')) return undefined;
  try {
    return new Reader(text).stream();
  } catch {
    // Giving up (BAIL), or any other failure, which would be a gap in this reader and never a verdict
    // on the text: js-yaml decides either way.
    return undefined;
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;

function bail(): never {
  throw BAIL;
}

/** End of line or of text (charCodeAt past the end is NaN). */
function isBreakOrEnd(c: number): boolean {
  return c === LF || c !== c;
}

function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

function isBlankOrEnd(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c !== c;
}

class Reader {
  private readonly len: number;
  /** Offset of the next content character (after blank lines, comments and indentation), or `len`. */
  private pos = 0;
  /** Its column. */
  private ind = 0;
  private depth = 0;
  /** The index: kind, start, end (-1: unknown) and child count (-1: none) of every node, in pre-order. */
  private ints = new Int32Array(1024);
  private used = 0;
  private readonly keys: string[] = [];
  /** The node read last: its kind, start and end (NaN when unknown). */
  private lastKind = Kind.Empty;
  private lastStart = 0;
  private end = 0;

  constructor(private readonly text: string) {
    this.len = text.length;
  }

  private reserve(): number {
    if (this.used + 4 > this.ints.length) {
      const grown = new Int32Array(this.ints.length * 2);
      grown.set(this.ints);
      this.ints = grown;
    }
    const at = this.used;
    this.used += 4;
    return at;
  }

  private leaf(kind: Kind, start: number, end: number): void {
    const at = this.reserve();
    this.ints[at] = kind;
    this.ints[at + 1] = start;
    this.ints[at + 2] = end;
    this.ints[at + 3] = -1;
    this.lastKind = kind;
    this.lastStart = start;
    this.end = end;
  }

  /** A collection's slot, before its children's. */
  private open(kind: Kind, start: number): number {
    const at = this.reserve();
    this.ints[at] = kind;
    this.ints[at + 1] = start;
    return at;
  }

  private close(at: number, kind: Kind, start: number, end: number, count: number): void {
    this.ints[at + 2] = Number.isNaN(end) ? -1 : end;
    this.ints[at + 3] = count;
    this.lastKind = kind;
    this.lastStart = start;
    this.end = end;
  }

  /** Where the next document's nodes and keys begin. */
  private document(docs: number[]): void {
    docs.push(this.used / 4, this.keys.length);
  }

  stream(): CommonParse | undefined {
    const { text, len } = this;
    const values: unknown[] = [];
    const docs: number[] = [];
    this.skipToContent(0);
    if (this.pos >= len) return undefined;
    for (;;) {
      const marker = this.markerAt(this.pos);
      if (marker === 2 || text.charCodeAt(this.pos) === 0x25 /* % */) bail();
      if (marker === 1) {
        let i = this.pos + 3;
        while (text.charCodeAt(i) === SPACE) i++;
        const c = text.charCodeAt(i);
        if (c === HASH) i = this.lineEnd(i);
        else if (!isBreakOrEnd(c)) bail();
        this.skipToContent(i + 1);
        if (this.pos >= len) {
          // A stream that ends with `---`: js-yaml reads one more, empty, document there.
          if (values.length === 0 || text.charCodeAt(len - 1) !== LF) bail();
          this.document(docs);
          values.push(null);
          this.leaf(Kind.Empty, len, len);
          break;
        }
        if (this.markerAt(this.pos) === 1) {
          // `---` twice (helm template writes `---`, a `# Source:` comment, `---`): an empty document, which
          // js-yaml places where it stopped looking for content, at the next marker.
          this.document(docs);
          values.push(null);
          this.leaf(Kind.Empty, this.pos, this.pos);
          continue;
        }
        if (this.markerAt(this.pos) !== 0) bail();
      }
      this.document(docs);
      const dash = text.charCodeAt(this.pos) === DASH && isBlankOrEnd(text.charCodeAt(this.pos + 1));
      values.push(dash ? this.sequence(this.ind) : this.mapping(this.ind));
      if (this.pos >= len) break;
      if (this.markerAt(this.pos) !== 1) bail();
    }
    return { values, index: { nodes: this.ints.slice(0, this.used), keys: this.keys, roots: Int32Array.from(docs) } };
  }

  /** 1 for a `---` line start at `at`, 2 for `...`, else 0. */
  private markerAt(at: number): number {
    const { text } = this;
    if (at !== 0 && text.charCodeAt(at - 1) !== LF) return 0;
    const c = text.charCodeAt(at);
    if ((c !== DASH && c !== 0x2e) || text.charCodeAt(at + 1) !== c || text.charCodeAt(at + 2) !== c || !isBlankOrEnd(text.charCodeAt(at + 3))) return 0;
    return c === DASH ? 1 : 2;
  }

  private lineEnd(from: number): number {
    const nl = this.text.indexOf('\n', from);
    return nl < 0 ? this.len : nl;
  }

  /** From a line start: past blank and comment lines to the next content (sets pos and ind). */
  private skipToContent(lineStart: number): void {
    const { text, len } = this;
    let start = lineStart;
    while (start < len) {
      let i = start;
      while (text.charCodeAt(i) === SPACE) i++;
      const c = text.charCodeAt(i);
      if (c === LF) {
        start = i + 1;
      } else if (c === HASH) {
        start = this.lineEnd(i) + 1;
      } else if (c === TAB) {
        bail();
      } else if (c !== c) {
        break;
      } else {
        // js-yaml takes any `---` starting a document as its marker, whatever follows: leave such lines to it.
        if (i === start && (c === DASH || c === 0x2e) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c && this.markerAt(i) === 0) bail();
        this.pos = i;
        this.ind = i - start;
        return;
      }
    }
    this.pos = len;
    this.ind = 0;
  }

  /** After a node that ends at `at` on its line: only spaces and a comment may follow it there. */
  private finishLine(at: number): void {
    const { text } = this;
    let i = at;
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (c === HASH && i > at) i = this.lineEnd(i);
    else if (!isBreakOrEnd(c)) bail();
    this.skipToContent(i + 1);
  }

  /** Whether the node after this collection is a sibling entry at indent `n` (else the collection ends). */
  private continues(n: number): boolean {
    if (this.pos >= this.len || this.ind < n) return false;
    if (this.ind > n) bail();
    if (n === 0 && this.markerAt(this.pos) !== 0) return false;
    return true;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) bail();
  }

  private mapping(n: number): Record<string, unknown> {
    this.enter();
    const { text } = this;
    const start = this.pos;
    const slot = this.open(Kind.Mapping, start);
    const value: Record<string, unknown> = {};
    let count = 0;
    do {
      const name = this.key();
      if (name === '__proto__' || Object.prototype.hasOwnProperty.call(value, name)) bail();
      value[name] = this.value(this.pos, n, false);
      count += 2;
    } while (this.continues(n));
    this.depth--;
    this.close(slot, Kind.Mapping, start, blockEndOf(text, this.lastKind, this.lastStart, this.end, this.pos), count);
    return value;
  }

  private sequence(n: number): unknown[] {
    this.enter();
    const { text } = this;
    const start = this.pos;
    const slot = this.open(Kind.Sequence, start);
    const value: unknown[] = [];
    do {
      value.push(this.value(this.pos + 1, n, true));
    } while (this.continues(n) && text.charCodeAt(this.pos) === DASH && isBlankOrEnd(text.charCodeAt(this.pos + 1)));
    this.depth--;
    this.close(slot, Kind.Sequence, start, blockEndOf(text, this.lastKind, this.lastStart, this.end, this.pos), value.length);
    return value;
  }

  /** A block mapping key at `pos`, up to its `:`: its name; leaves `pos` just after the `:`. */
  private key(): string {
    const { text } = this;
    const start = this.pos;
    const c = text.charCodeAt(start);
    let name: string;
    let i: number;
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      name = c === 0x22 ? this.doubleQuoted(start) : this.singleQuoted(start);
      i = this.end;
      while (text.charCodeAt(i) === SPACE) i++;
      if (text.charCodeAt(i) !== COLON) bail();
    } else {
      if (!this.plainStart(c, start)) bail();
      let end = start;
      for (i = start; ; i++) {
        const ch = text.charCodeAt(i);
        if (ch < 128 && ORDINARY[ch] === 1) {
          end = i + 1;
          continue;
        }
        if (ch === COLON) {
          const next = text.charCodeAt(i + 1);
          if (next === SPACE || next === LF || next !== next) break;
          if (next === TAB) bail();
          end = i + 1;
        } else if (ch === SPACE) {
          continue;
        } else if (ch === LF || ch !== ch || ch === TAB || (ch === HASH && text.charCodeAt(i - 1) === SPACE)) {
          bail();
        } else {
          if (ch < 0x20 || ch >= 0x7f) this.printable(i);
          end = i + 1;
        }
      }
      name = String(resolvePlain(text.slice(start, end)));
      this.leaf(Kind.Scalar, start, end);
    }
    if (!isBlankOrEnd(text.charCodeAt(i + 1)) || text.charCodeAt(i + 1) === TAB) bail();
    this.keys.push(name);
    this.pos = i + 1;
    return name;
  }

  /**
   * The node after a mapping's `:` or a sequence's `-` (`from` is just after it); `n` is the indent of
   * the collection. Leaves `pos`/`ind` at the next content after it.
   */
  private value(from: number, n: number, inSequence: boolean): unknown {
    const { text } = this;
    let i = from;
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (isBreakOrEnd(c) || c === HASH) {
      if (c === HASH && i === from) bail();
      const emptyAt = i;
      this.skipToContent(this.lineEnd(i) + 1);
      const atEnd = this.pos >= this.len || (this.ind === 0 && this.markerAt(this.pos) !== 0);
      // On the lines after: a block collection, or a scalar or flow collection on a line of its own.
      if (!atEnd && this.ind > n) return this.node(this.pos, n, true);
      // A compact sequence: `key:` then `- item` lines at the key's own indent.
      const dash = !atEnd && text.charCodeAt(this.pos) === DASH && isBlankOrEnd(text.charCodeAt(this.pos + 1));
      if (!inSequence && !atEnd && this.ind === n && dash) return this.sequence(n);
      // js-yaml stores a null item without reading a node (no position event): let it do so.
      if (inSequence) bail();
      this.leaf(Kind.Empty, emptyAt, emptyAt);
      return null;
    }
    return this.node(i, n, inSequence);
  }

  /**
   * The node whose content starts at `i`, in a collection of indent `n`; `compact` when a block
   * collection may start there (at a line's indent, or after a sequence's `- `), not after a key's `: `.
   */
  private node(i: number, n: number, compact: boolean): unknown {
    const { text } = this;
    const c = text.charCodeAt(i);
    if (c === TAB) bail();
    if (c === 0x7c /* | */ || c === 0x3e /* > */) return this.blockScalar(i, n + 1);
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      const collection = this.flow(i);
      this.finishLine(this.end);
      return collection;
    }
    if (compact) {
      if (c === DASH && isBlankOrEnd(text.charCodeAt(i + 1))) {
        this.pos = i;
        this.ind = i - (text.lastIndexOf('\n', i) + 1);
        return this.sequence(this.ind);
      }
      // `- key: value`: a mapping whose first key is on the item's line.
      if (this.isKeyLine(i)) {
        this.pos = i;
        this.ind = i - (text.lastIndexOf('\n', i) + 1);
        return this.mapping(this.ind);
      }
    }
    if (c === 0x22 || c === 0x27) {
      const quoted = c === 0x22 ? this.doubleQuoted(i, true) : this.singleQuoted(i, true);
      this.finishLine(this.end);
      return quoted;
    }
    if (!this.plainStart(c, i)) bail();
    let end = i;
    let j = i;
    for (; ; j++) {
      const ch = text.charCodeAt(j);
      if (ch < 128 && ORDINARY[ch] === 1) {
        end = j + 1;
        continue;
      }
      if (ch === LF || ch !== ch) break;
      if (ch === SPACE) continue;
      if (ch === COLON) {
        // `a: b: c` is an error for js-yaml (or a key when in a sequence, handled above).
        if (isBlankOrEnd(text.charCodeAt(j + 1))) bail();
      } else if (ch === HASH) {
        if (text.charCodeAt(j - 1) === SPACE) break;
      } else if (ch === TAB) {
        bail();
      } else if (ch < 0x20 || ch >= 0x7f) {
        this.printable(j);
      }
      end = j + 1;
    }
    let raw = text.slice(i, end);
    // More-indented lines after it continue the scalar (folded): `n + 1` is js-yaml's indent for it.
    while (text.charCodeAt(j) === LF) {
      const next = this.continuation(j, n + 1);
      if (next < 0) break;
      const stop = this.plainLine(next);
      // A comment line ends the scalar; a comment after content ends it after that content.
      if (this.lineStop === next) break;
      raw += this.folded + text.slice(next, this.lineStop);
      end = this.lineStop;
      j = stop;
    }
    const scalar = resolvePlain(raw);
    this.leaf(Kind.Scalar, i, end);
    this.skipToContent(this.lineEnd(j) + 1);
    return scalar;
  }

  /**
   * The start of the line after the line break at `at` that continues a plain scalar of indent `indent`
   * (blank lines skipped, `folded` set), or -1 when the scalar ends there.
   */
  private continuation(at: number, indent: number): number {
    const { text } = this;
    let breaks = 0;
    let i = at;
    let lineStart = at;
    while (text.charCodeAt(i) === LF) {
      breaks++;
      i++;
      lineStart = i;
      while (text.charCodeAt(i) === SPACE) i++;
    }
    const c = text.charCodeAt(i);
    if (c === TAB) bail();
    if (c !== c || i - lineStart < indent) return -1;
    this.folded = breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
    return i;
  }

  /** Where the last scan of a plain scalar's line stopped keeping characters (its content's end). */
  private lineStop = 0;

  /**
   * One continuation line of a plain scalar from `from`: returns where the scan stopped (the line break,
   * the end, or a comment, after which no line continues the scalar) and sets `lineStop` to the end of
   * its content (`from` for a comment line).
   */
  private plainLine(from: number): number {
    const { text } = this;
    let end = from;
    let j = from;
    for (; ; j++) {
      const ch = text.charCodeAt(j);
      if (ch < 128 && ORDINARY[ch] === 1) {
        end = j + 1;
        continue;
      }
      if (ch === LF || ch !== ch) break;
      if (ch === SPACE) continue;
      if (ch === COLON) {
        if (isBlankOrEnd(text.charCodeAt(j + 1))) bail();
      } else if (ch === HASH) {
        if (j === from || text.charCodeAt(j - 1) === SPACE) break;
      } else if (ch === TAB) {
        bail();
      } else if (ch < 0x20 || ch >= 0x7f) {
        this.printable(j);
      }
      end = j + 1;
    }
    this.lineStop = end;
    return j;
  }

  /** Whether the line from `at` is a block mapping entry (a one-line key then `: `). */
  private isKeyLine(at: number): boolean {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c === 0x22 || c === 0x27) {
      // A quoted scalar alone or a quoted key: find its end on this line.
      let i = at + 1;
      for (;;) {
        const ch = text.charCodeAt(i);
        // A quoted scalar that goes on to the next line is no implicit key.
        if (isBreakOrEnd(ch)) return false;
        if (ch === c) {
          if (c === 0x27 && text.charCodeAt(i + 1) === 0x27) {
            i += 2;
            continue;
          }
          break;
        }
        i += c === 0x22 && ch === 0x5c /* \ */ ? 2 : 1;
      }
      i++;
      while (text.charCodeAt(i) === SPACE) i++;
      return text.charCodeAt(i) === COLON;
    }
    for (let i = at; ; i++) {
      const ch = text.charCodeAt(i);
      if (isBreakOrEnd(ch)) return false;
      if (ch === COLON && isBlankOrEnd(text.charCodeAt(i + 1))) return true;
      if (ch === HASH && (text.charCodeAt(i - 1) === SPACE || text.charCodeAt(i - 1) === TAB)) return false;
    }
  }

  /** Whether a plain scalar may start at `at` (its first character `c`): none of YAML's indicators. */
  private plainStart(c: number, at: number): boolean {
    switch (c) {
      case DASH:
        return !isBlankOrEnd(this.text.charCodeAt(at + 1));
      case 0x2c: // ,
      case 0x5b: // [
      case 0x5d: // ]
      case 0x7b: // {
      case 0x7d: // }
      case HASH:
      case 0x26: // &
      case 0x2a: // *
      case 0x21: // !
      case 0x7c: // |
      case 0x3e: // >
      case 0x27: // '
      case 0x22: // "
      case 0x25: // %
      case 0x40: // @
      case 0x60: // `
      case 0x3f: // ?
      case COLON:
      case SPACE:
      case TAB:
      case LF:
        return false;
      default:
        return c === c;
    }
  }

  /** Characters js-yaml refuses in plain and block scalars (a tab is allowed): bail on them. */
  private printable(at: number): void {
    const c = this.text.charCodeAt(at);
    if (c < 0x20 ? c !== TAB : c < 0xa0 ? c >= 0x7f : c >= 0xfffe) bail();
    if (c >= 0xd800 && c <= 0xdfff) {
      // Only a high surrogate followed by a low one is a character.
      if (c >= 0xdc00) {
        const before = this.text.charCodeAt(at - 1);
        if (!(before >= 0xd800 && before <= 0xdbff)) bail();
      } else {
        const after = this.text.charCodeAt(at + 1);
        if (!(after >= 0xdc00 && after <= 0xdfff)) bail();
      }
    }
  }

  /** @param multiline whether line breaks may fold (a value), or must not occur (a key, a flow entry) */
  private doubleQuoted(start: number, multiline = false): string {
    const { text } = this;
    let out = '';
    let segment = start + 1;
    // js-yaml drops the spaces before a line break, not those before an escape: the end of what a line keeps.
    let kept = segment;
    let i = segment;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c /* \ */) {
        out += text.slice(segment, i);
        const e = text.charCodeAt(i + 1);
        const simple = e < 128 ? SIMPLE_ESCAPES[e] : undefined;
        if (simple !== undefined) {
          out += simple;
          i += 2;
        } else if (e === LF && multiline) {
          // An escaped line break joins the lines: js-yaml then skips every blank line and indent after it.
          i = this.foldBreaks(i + 1);
        } else {
          const digits = e === 0x78 ? 2 : e === 0x75 ? 4 : e === 0x55 ? 8 : 0;
          if (digits === 0) bail();
          let code = 0;
          for (let k = 0; k < digits; k++) {
            const h = hexValue(text.charCodeAt(i + 2 + k));
            if (h < 0) bail();
            code = code * 16 + h;
          }
          // js-yaml shifts in 32-bit integers: above U+10FFFF its result is not a character.
          if (code > 0x10ffff) bail();
          out += String.fromCodePoint(code);
          i += 2 + digits;
        }
        segment = kept = i;
        continue;
      }
      if (c === LF && multiline) {
        out += text.slice(segment, kept);
        i = this.foldBreaks(i);
        out += this.folded;
        segment = kept = i;
        continue;
      }
      // js-yaml refuses control characters in quoted scalars.
      if (c < 0x20 ? c !== TAB : c !== c) bail();
      i++;
      if (c !== SPACE && c !== TAB) kept = i;
    }
    out += text.slice(segment, i);
    this.leaf(Kind.Scalar, start, i + 1);
    return out;
  }


  /** @param multiline whether line breaks may fold (a value), or must not occur (a key, a flow entry) */
  private singleQuoted(start: number, multiline = false): string {
    const { text } = this;
    let out = '';
    let segment = start + 1;
    // js-yaml drops the spaces before a line break: the end of what a line keeps.
    let kept = segment;
    let i = segment;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x27) {
        if (text.charCodeAt(i + 1) !== 0x27) break;
        out += text.slice(segment, i + 1);
        i += 2;
        segment = kept = i;
        continue;
      }
      if (c === LF && multiline) {
        out += text.slice(segment, kept);
        i = this.foldBreaks(i);
        out += this.folded;
        segment = kept = i;
        continue;
      }
      if (c < 0x20 ? c !== TAB : c !== c) bail();
      i++;
      if (c !== SPACE && c !== TAB) kept = i;
    }
    out += text.slice(segment, i);
    this.leaf(Kind.Scalar, start, i + 1);
    return out;
  }

  /** What the line breaks folded by `foldBreaks` became: a space for one, one line break less for several. */
  private folded = '';

  /**
   * Past the line break at `at`, the blank lines after it and the next line's indentation, inside a
   * quoted scalar; sets `folded`. A document marker there is an error for js-yaml, a tab a doubt.
   */
  private foldBreaks(at: number): number {
    const { text } = this;
    let breaks = 0;
    let i = at;
    while (text.charCodeAt(i) === LF) {
      breaks++;
      i++;
      if (this.markerAt(i) !== 0) bail();
      while (text.charCodeAt(i) === SPACE) i++;
    }
    if (text.charCodeAt(i) === TAB) bail();
    this.folded = breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
    return i;
  }


  /** A flow collection that opens and closes on this line, of scalars and flow collections. */
  private flow(start: number): Record<string, unknown> | unknown[] {
    this.enter();
    const { text } = this;
    const isMap = text.charCodeAt(start) === 0x7b;
    const kind = isMap ? Kind.Mapping : Kind.Sequence;
    const slot = this.open(kind, start);
    const close = isMap ? 0x7d : 0x5d;
    const value: Record<string, unknown> | unknown[] = isMap ? {} : [];
    let count = 0;
    let i = start + 1;
    while (text.charCodeAt(i) === SPACE) i++;
    if (text.charCodeAt(i) !== close) {
      for (;;) {
        const item = this.flowItem(i, isMap);
        count++;
        i = this.end;
        while (text.charCodeAt(i) === SPACE) i++;
        if (isMap) {
          const name = String(item);
          if (name === '__proto__' || Object.prototype.hasOwnProperty.call(value, name)) bail();
          this.keys.push(name);
          if (text.charCodeAt(i) !== COLON) bail();
          i++;
          while (text.charCodeAt(i) === SPACE) i++;
          const c = text.charCodeAt(i);
          if (c === 0x2c || c === close) bail();
          (value as Record<string, unknown>)[name] = this.flowItem(i, false);
          count++;
          i = this.end;
          while (text.charCodeAt(i) === SPACE) i++;
        } else {
          (value as unknown[]).push(item);
        }
        const c = text.charCodeAt(i);
        if (c === close) break;
        if (c !== 0x2c) bail();
        i++;
        while (text.charCodeAt(i) === SPACE) i++;
        // A trailing comma: js-yaml accepts it; not worth the doubt.
        if (text.charCodeAt(i) === close) bail();
      }
    }
    this.depth--;
    this.close(slot, kind, start, i + 1, count);
    return value;
  }

  /** An entry of a flow collection: a key of a flow mapping ends at its `:`, anything else at `,` or the end. */
  private flowItem(at: number, isKey: boolean): unknown {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c === 0x5b || c === 0x7b) {
      // A collection as a key: js-yaml would make a string of it.
      if (isKey) bail();
      return this.flow(at);
    }
    if (c === 0x22) return this.doubleQuoted(at);
    if (c === 0x27) return this.singleQuoted(at);
    if (!this.plainStart(c, at) || (c === DASH && isFlowIndicator(text.charCodeAt(at + 1)))) bail();
    let end = at;
    for (let j = at; ; j++) {
      const ch = text.charCodeAt(j);
      if (ch === 0x2c || ch === 0x5d || ch === 0x7d) break;
      if (ch === SPACE) continue;
      if (ch === COLON) {
        const next = text.charCodeAt(j + 1);
        if (next === SPACE || isFlowIndicator(next)) {
          if (isKey) break;
          // A pair in a flow sequence, or a second `:` in a flow mapping entry.
          bail();
        }
        if (isBreakOrEnd(next) || next === TAB) bail();
      }
      // `#`, `[`, `{` inside a flow scalar, a line break: js-yaml's rules there are subtle.
      if (ch === HASH || ch === 0x5b || ch === 0x7b || ch === TAB || isBreakOrEnd(ch)) bail();
      if (ch < 0x20 || ch >= 0x7f) this.printable(j);
      end = j + 1;
    }
    const scalar = resolvePlain(text.slice(at, end));
    this.leaf(Kind.Scalar, at, end);
    return scalar;
  }

  /**
   * A literal or folded block scalar whose header is at `start`; `indent` is js-yaml's node indent for it
   * (the parent collection's indent plus one).
   */
  private blockScalar(start: number, indent: number): string {
    const { text, len } = this;
    const folding = text.charCodeAt(start) === 0x3e;
    let chomping = 0; // 0 clip, 1 strip, 2 keep
    let explicit = 0;
    let i = start + 1;
    for (;; i++) {
      const c = text.charCodeAt(i);
      if ((c === 0x2b || c === DASH) && chomping === 0) chomping = c === DASH ? 1 : 2;
      else if (c >= 0x31 && c <= 0x39 && explicit === 0) explicit = c - 0x30;
      else break;
    }
    if (text.charCodeAt(i) === SPACE) {
      while (text.charCodeAt(i) === SPACE) i++;
      if (text.charCodeAt(i) === HASH) i = this.lineEnd(i);
    }
    if (!isBreakOrEnd(text.charCodeAt(i))) bail();
    let textIndent = explicit > 0 ? indent + explicit - 1 : indent;
    let detected = explicit > 0;
    let out = '';
    let didRead = false;
    let emptyLines = 0;
    let moreIndented = false;
    let lineStart = i + 1;
    let eventEnd = len;
    for (;;) {
      if (lineStart >= len) break;
      let q = lineStart;
      while ((!detected || q - lineStart < textIndent) && text.charCodeAt(q) === SPACE) q++;
      const lineIndent = q - lineStart;
      if (!detected && lineIndent > textIndent) textIndent = lineIndent;
      const c = text.charCodeAt(q);
      if (c === LF) {
        emptyLines++;
        lineStart = q + 1;
        continue;
      }
      if (c !== c) {
        // The last line, spaces without a line break: js-yaml adds one, so it is an empty line.
        emptyLines++;
        break;
      }
      if (lineIndent < textIndent) {
        eventEnd = q;
        break;
      }
      if (folding) {
        if (c === SPACE || c === TAB) {
          moreIndented = true;
          out += '\n'.repeat(didRead ? 1 + emptyLines : emptyLines);
        } else if (moreIndented) {
          moreIndented = false;
          out += '\n'.repeat(emptyLines + 1);
        } else if (emptyLines === 0) {
          if (didRead) out += ' ';
        } else {
          out += '\n'.repeat(emptyLines);
        }
      } else {
        out += '\n'.repeat(didRead ? 1 + emptyLines : emptyLines);
      }
      didRead = true;
      detected = true;
      emptyLines = 0;
      const eol = this.lineEnd(q);
      for (let k = q; k < eol; k++) {
        const ch = text.charCodeAt(k);
        if (ch < 0x20 || ch >= 0x7f) this.printable(k);
      }
      out += text.slice(q, eol);
      lineStart = eol + 1;
    }
    if (chomping === 2) out += '\n'.repeat(didRead ? 1 + emptyLines : emptyLines);
    else if (chomping === 0 && didRead) out += '\n';
    this.leaf(Kind.Scalar, start, scalarEnd(text, start, Math.min(eventEnd, len)));
    this.skipToContent(Math.min(lineStart, len));
    return out;
  }
}

const SIMPLE_ESCAPES: (string | undefined)[] = new Array(128).fill(undefined);
for (const [c, v] of Object.entries({ '0': '\x00', a: '\x07', b: '\x08', t: '\x09', '\t': '\x09', n: '\x0a', v: '\x0b', f: '\x0c', r: '\x0d', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' })) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = v;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** A plain scalar's value by the schema's implicit types, as js-yaml resolves it. */
function resolvePlain(raw: string): unknown {
  const c = raw.charCodeAt(0);
  if (c >= 128 || MAYBE_TYPED[c] === 0) return raw;
  for (const type of IMPLICIT) {
    if (type.resolve(raw)) {
      if (type.tag === MERGE_TAG) bail();
      return type.construct(raw);
    }
  }
  return raw;
}
