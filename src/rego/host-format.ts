// Host builtins that restructure JSON documents: YAML (de)serialisation and JSON Patch (RFC 6902).
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { typeError, typeName } from './builtins/args.js';

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

// ---------- JSON Patch ----------
// Array indexes as RFC 6901 writes them: no sign, no leading zero.
const INDEX = /^(0|[1-9]\d*)$/;

function pointer(path: Json): string[] {
  if (Array.isArray(path)) return path.map(String);
  if (typeof path !== 'string') throw new FormatError('path must be a string or array');
  if (path === '') return [];
  // OPA trims every leading slash instead of requiring one: "securityContext" and "/securityContext" are the same path.
  return path.replace(/^\/+/, '').split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(v: T): T { return v === undefined ? v : JSON.parse(JSON.stringify(v)) as T; }

function getAt(doc: Json, p: string[]): Json | undefined {
  let cur = doc;
  for (const k of p) {
    if (Array.isArray(cur)) { const i = Number(k); if (!INDEX.test(k) || i >= cur.length) return undefined; cur = cur[i]; }
    else if (cur !== null && typeof cur === 'object') { if (!Object.hasOwn(cur, k)) return undefined; cur = (cur as Record<string, Json>)[k]; }
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, p: string[]): { parent: Json; key: string } {
  const parent = getAt(doc, p.slice(0, -1));
  if (parent === undefined || parent === null || typeof parent !== 'object') throw new FormatError('path not found');
  return { parent, key: p[p.length - 1]! };
}

function add(doc: Json, p: string[], value: Json): Json {
  if (p.length === 0) return value;
  const { parent, key } = parentOf(doc, p);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!INDEX.test(key) && key !== '-') throw new FormatError('invalid array index');
    if (i > parent.length) throw new FormatError('index out of range');
    parent.splice(i, 0, value);
  } else (parent as Record<string, Json>)[key] = value;
  return doc;
}

function remove(doc: Json, p: string[]): Json {
  // Removing the whole document leaves nothing; only an `add` at the root can follow.
  if (p.length === 0) return undefined;
  const { parent, key } = parentOf(doc, p);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!INDEX.test(key) || i >= parent.length) throw new FormatError('index out of range');
    parent.splice(i, 1);
  } else {
    if (!Object.hasOwn(parent as object, key)) throw new FormatError('path not found');
    delete (parent as Record<string, Json>)[key];
  }
  return doc;
}

export function jsonPatch(doc: Json, patches: Json): Json {
  if (!Array.isArray(patches)) throw new FormatError('patches must be an array');
  let out = clone(doc);
  for (const op of patches) {
    if (op === null || typeof op !== 'object' || Array.isArray(op)) throw new FormatError('patch must be an object');
    const o = op as Record<string, Json>;
    const path = pointer(o.path);
    switch (o.op) {
      case 'add': if (!('value' in o)) throw new FormatError('missing value'); out = add(out, path, clone(o.value)); break;
      case 'remove': out = remove(out, path); break;
      case 'replace':
        if (getAt(out, path) === undefined) throw new FormatError('path not found');
        if (!('value' in o)) throw new FormatError('missing value');
        out = path.length === 0 ? clone(o.value) : add(remove(out, path), path, clone(o.value));
        break;
      case 'move': case 'copy': {
        const from = pointer(o.from);
        const v = getAt(out, from);
        if (v === undefined) throw new FormatError('from path not found');
        if (o.op === 'move') out = remove(out, from);
        out = add(out, path, clone(v));
        break;
      }
      case 'test': {
        const v = getAt(out, path);
        if (v === undefined || JSON.stringify(sortKeys(v)) !== JSON.stringify(sortKeys(o.value))) throw new FormatError('test failed');
        break;
      }
      default: throw new FormatError(`unknown op ${String(o.op)}`);
    }
  }
  if (out === undefined) throw new FormatError('the patch removed the whole document');
  return out;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, Json>)[k])]));
  return v;
}

interface FilterNode { end: boolean; children: Map<string, FilterNode> }

/**
 * What json.filter keeps of `doc` under one node of the path tree. A path segment is a string: an
 * array element is selected by its index written as a string ("0"), and the elements kept close up.
 */
function filterDoc(doc: Json, node: FilterNode): Json {
  if (node.end) return clone(doc);
  if (Array.isArray(doc)) {
    const out: Json[] = [];
    doc.forEach((x, i) => {
      const child = node.children.get(String(i));
      const kept = child ? filterDoc(x, child) : undefined;
      if (kept !== undefined) out.push(kept);
    });
    return out;
  }
  if (doc !== null && typeof doc === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, child] of node.children) {
      if (!Object.hasOwn(doc, k)) continue;
      const kept = filterDoc((doc as Record<string, Json>)[k], child);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return undefined;
}

/** json.filter / json.remove: keep or drop the given paths ("a/b" strings or arrays). */
export function jsonSelect(doc: Json, paths: Json, keep: boolean): Json {
  const name = keep ? 'json.filter' : 'json.remove';
  // OPA type-checks both operands; a path list that is not a collection of paths is an error, not a no-op.
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) typeError(name, `operand 1 must be object but got ${typeName(doc)}`);
  if (!Array.isArray(paths)) typeError(name, `operand 2 must be one of {set, array} but got ${typeName(paths)}`);
  const segments = (paths as Json[]).map((p): Json[] => {
    if (Array.isArray(p)) return p;
    if (typeof p !== 'string') return typeError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
    return p.split('/').filter((x) => x !== '');
  });
  if (keep) {
    const root: FilterNode = { end: false, children: new Map() };
    for (const p of segments) {
      let node = root;
      for (const seg of p) {
        const key = typeof seg === 'string' ? seg : `\u0000${JSON.stringify(seg)}`;
        let next = node.children.get(key);
        if (!next) { next = { end: false, children: new Map() }; node.children.set(key, next); }
        node = next;
      }
      node.end = true;
    }
    return filterDoc(doc, root) ?? {};
  }
  const list = segments.map((p) => p.map(String));
  let out = clone(doc);
  for (const p of list) if (getAt(out, p) !== undefined && p.length) out = remove(out, p);
  return out;
}
