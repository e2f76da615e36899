// Host builtins that restructure JSON documents: YAML (de)serialisation and JSON Patch (RFC 6902).
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { typeError, typeName as jsonTypeName } from './builtins/args.js';
import { canon, RegoNumber, RegoSet, sameValue } from './builtins/sets.js';

/** A value's Rego type name; sets arrive as RegoSet here. */
function typeName(v: unknown): string { return v instanceof RegoSet ? 'set' : v instanceof RegoNumber ? 'number' : jsonTypeName(v); }

type Json = unknown;

export class FormatError extends Error {}

/** Like OPA (go-yaml): a multi-document stream is valid and yields its first document. */
export function yamlUnmarshal(s: string): Json {
  const docs = parseAllDocuments(s);
  if (!Array.isArray(docs)) return null;
  for (const d of docs) if (d.errors.length > 0) throw new FormatError(d.errors[0]!.message);
  return (docs[0]?.toJS() ?? null) as Json;
}

export function yamlMarshal(v: Json): string {
  return stringifyYaml(v);
}

// ---------- JSON Patch, json.filter, json.remove (OPA's topdown/json.go semantics) ----------
// Paths are "/a/b" strings (leading slashes trimmed, ~1 and ~0 unescaped) or arrays of segments of
// any type. An object member is addressed by its key, an array element by its index (a number, or a
// string without sign or leading zero; "-" appends), and a set member by its own value.

type Path = Json[];

function parsePath(path: Json): Path {
  if (Array.isArray(path)) return path;
  if (typeof path !== 'string') throw new FormatError('path must be a string or array');
  if (path === '') return [];
  return path.replace(/^\/+/, '').split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RegoSet) && !(v instanceof RegoNumber);
}

/** An array index from a path segment; `append` allows "-" and the length itself (insertion). */
function toIndex(seg: Json, length: number, append: boolean): number {
  let i: number;
  if (typeof seg === 'number' && Number.isInteger(seg)) i = seg;
  else if (typeof seg === 'string' && seg === '-' && append) i = length;
  else if (typeof seg === 'string' && /^(0|[1-9]\d*)$/.test(seg)) i = Number(seg);
  else throw new FormatError('invalid array index');
  if (i < 0 || i > length || (i === length && !append)) throw new FormatError('index out of range');
  return i;
}

function memberIndex(s: RegoSet, seg: Json): number {
  const key = canon(seg);
  return s.items.findIndex((x) => canon(x) === key);
}

function getAt(doc: Json, p: Path): Json | undefined {
  let cur = doc;
  for (const seg of p) {
    if (Array.isArray(cur)) {
      try { cur = cur[toIndex(seg, cur.length, false)]; } catch { return undefined; }
    } else if (cur instanceof RegoSet) {
      const i = memberIndex(cur, seg);
      if (i < 0) return undefined;
      cur = cur.items[i];
    } else if (isObject(cur)) {
      if (typeof seg !== 'string' || !Object.hasOwn(cur, seg)) return undefined;
      cur = cur[seg];
    } else return undefined;
  }
  return cur;
}

/**
 * `doc` with the node under p[0..n-1] rebuilt by `leaf(parent, lastSegment)`. Nothing is mutated:
 * a set member that changes is a different member, so the set is rebuilt around it.
 */
function edit(doc: Json, p: Path, leaf: (parent: Json, seg: Json) => Json): Json {
  if (p.length === 1) return leaf(doc, p[0]);
  const [seg, ...rest] = p;
  if (Array.isArray(doc)) {
    const i = toIndex(seg, doc.length, false);
    const out = doc.slice();
    out[i] = edit(doc[i], rest, leaf);
    return out;
  }
  if (doc instanceof RegoSet) {
    const i = memberIndex(doc, seg);
    if (i < 0) throw new FormatError('path not found');
    const items = doc.items.slice();
    items[i] = edit(doc.items[i], rest, leaf);
    return new RegoSet(items);
  }
  if (isObject(doc) && typeof seg === 'string' && Object.hasOwn(doc, seg)) return { ...doc, [seg]: edit(doc[seg], rest, leaf) };
  throw new FormatError('path not found');
}

function add(doc: Json, p: Path, value: Json): Json {
  if (p.length === 0) return value;
  return edit(doc, p, (parent, seg) => {
    if (Array.isArray(parent)) {
      const out = parent.slice();
      out.splice(toIndex(seg, parent.length, true), 0, value);
      return out;
    }
    if (parent instanceof RegoSet) {
      // A set member is its own key: the path must name the value added.
      if (!sameValue(seg, value)) throw new FormatError('set key does not equal the value inserted');
      return memberIndex(parent, value) >= 0 ? parent : new RegoSet([...parent.items, value]);
    }
    if (isObject(parent) && typeof seg === 'string') return { ...parent, [seg]: value };
    throw new FormatError('path not found');
  });
}

function remove(doc: Json, p: Path): Json {
  // Removing the whole document leaves nothing; only an `add` at the root can follow.
  if (p.length === 0) return undefined;
  return edit(doc, p, (parent, seg) => {
    if (Array.isArray(parent)) {
      const out = parent.slice();
      out.splice(toIndex(seg, parent.length, false), 1);
      return out;
    }
    if (parent instanceof RegoSet) {
      const i = memberIndex(parent, seg);
      if (i < 0) throw new FormatError('path not found');
      return new RegoSet(parent.items.filter((_, j) => j !== i));
    }
    if (isObject(parent) && typeof seg === 'string' && Object.hasOwn(parent, seg)) {
      const { [seg]: _gone, ...rest } = parent;
      return rest;
    }
    throw new FormatError('path not found');
  });
}

export function jsonPatch(doc: Json, patches: Json): Json {
  if (!Array.isArray(patches)) throw new FormatError('patches must be an array');
  let out = doc;
  for (const op of patches) {
    if (!isObject(op)) throw new FormatError('patch must be an object');
    if (typeof op.op !== 'string') throw new FormatError("attribute 'op' must be a string");
    if (!('path' in op)) throw new FormatError("missing 'path' attribute");
    const path = parsePath(op.path);
    const needValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needValue && !('value' in op)) throw new FormatError("missing 'value' attribute");
    switch (op.op) {
      case 'add': out = add(out, path, op.value); break;
      case 'remove': out = remove(out, path); break;
      case 'replace': out = add(remove(out, path), path, op.value); break;
      case 'move': case 'copy': {
        if (!('from' in op)) throw new FormatError("missing 'from' attribute");
        const from = parsePath(op.from);
        const v = getAt(out, from);
        if (v === undefined) throw new FormatError('from path not found');
        if (op.op === 'move') out = remove(out, from);
        out = add(out, path, v);
        break;
      }
      case 'test': {
        const v = getAt(out, path);
        if (v === undefined || !sameValue(v, op.value)) throw new FormatError('test failed');
        break;
      }
      default: throw new FormatError(`unrecognized op '${op.op}'`);
    }
  }
  if (out === undefined) throw new FormatError('the patch removed the whole document');
  return out;
}

/**
 * The path tree json.filter and json.remove walk (OPA's pathsToObject): a node that ends a path
 * covers everything below it; children are keyed by their canonical text.
 */
interface PathNode { end: boolean; children: Map<string, PathNode> }

function pathTree(paths: Path[]): PathNode {
  const root: PathNode = { end: false, children: new Map() };
  for (const p of paths) {
    // An empty path selects nothing (OPA skips it).
    if (p.length === 0) continue;
    let node = root;
    for (const seg of p) {
      if (node.end) break;
      const key = canon(seg);
      let next = node.children.get(key);
      if (!next) { next = { end: false, children: new Map() }; node.children.set(key, next); }
      node = next;
    }
    node.end = true;
    node.children.clear();
  }
  return root;
}

/** json.filter below one node: scalars are kept whole, containers keep the children named. */
function filterDoc(doc: Json, node: PathNode): Json {
  if (node.end) return doc;
  if (Array.isArray(doc)) {
    const out: Json[] = [];
    // Array elements are named by their index as a string ("0"), as OPA's Object.Filter looks them up.
    doc.forEach((x, i) => { const c = node.children.get(canon(String(i))); if (c) out.push(filterDoc(x, c)); });
    return out;
  }
  if (doc instanceof RegoSet) {
    const out: Json[] = [];
    for (const x of doc.items) { const c = node.children.get(canon(x)); if (c) out.push(filterDoc(x, c)); }
    return new RegoSet(out);
  }
  if (isObject(doc)) {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(doc)) { const c = node.children.get(canon(k)); if (c) out[k] = filterDoc(x, c); }
    return out;
  }
  return doc;
}

/** json.remove below one node (OPA's jsonRemove): what a path ends on is dropped. */
function removeDoc(doc: Json, node: PathNode | undefined): Json | undefined {
  if (!node) return doc;
  if (node.end) return undefined;
  if (Array.isArray(doc)) {
    const out: Json[] = [];
    doc.forEach((x, i) => { const r = removeDoc(x, node.children.get(canon(String(i)))); if (r !== undefined) out.push(r); });
    return out;
  }
  if (doc instanceof RegoSet) {
    const out: Json[] = [];
    for (const x of doc.items) { const r = removeDoc(x, node.children.get(canon(x))); if (r !== undefined) out.push(r); }
    return new RegoSet(out);
  }
  if (isObject(doc)) {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(doc)) { const r = removeDoc(x, node.children.get(canon(k))); if (r !== undefined) out[k] = r; }
    return out;
  }
  return doc;
}

/** json.filter / json.remove: keep or drop the given paths ("a/b" strings or arrays of segments). */
export function jsonSelect(doc: Json, paths: Json, keep: boolean): Json {
  const name = keep ? 'json.filter' : 'json.remove';
  // OPA type-checks both operands; a path list that is not a collection of paths is an error, not a no-op.
  if (!isObject(doc)) typeError(name, `operand 1 must be object but got ${typeName(doc)}`);
  const list = paths instanceof RegoSet ? paths.items : paths;
  if (!Array.isArray(list)) typeError(name, `operand 2 must be one of {set, array} but got ${typeName(list)}`);
  const parsed = (list as Json[]).map((p): Path => {
    if (typeof p === 'string' || Array.isArray(p)) return parsePath(p);
    return typeError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
  });
  const tree = pathTree(parsed);
  return keep ? filterDoc(doc, tree) : (removeDoc(doc, tree) ?? {});
}
