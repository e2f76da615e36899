// Host builtins that format or restructure JSON documents: sprintf (Go fmt verbs, OPA's %v
// rendering of composite values), JSON/YAML (de)serialisation, and JSON Patch (RFC 6902).
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

type Json = unknown;

export class FormatError extends Error {}

/** Rego's textual form of a value, as OPA's %v prints composites. */
export function regoText(v: Json, top = true): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return top ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map((x) => regoText(x, false)).join(', ') + ']';
  return '{' + Object.entries(v as Record<string, Json>).map(([k, x]) => `${JSON.stringify(k)}: ${regoText(x, false)}`).join(', ') + '}';
}

export function sprintf(format: string, args: Json[]): string {
  let i = 0;
  return format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+))?([a-zA-Z%])/g, (m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    let out: string;
    switch (verb) {
      case 'v': case 's': out = regoText(a); break;
      case 'q': out = JSON.stringify(typeof a === 'string' ? a : regoText(a)); break;
      case 'd': out = typeof a === 'number' && Number.isInteger(a) ? String(a) : `%!d(${typeName(a)}=${regoText(a)})`; break;
      case 'f': case 'F': out = typeof a === 'number' ? a.toFixed(prec === undefined ? 6 : +prec) : `%!f(${regoText(a)})`; break;
      case 'e': out = typeof a === 'number' ? a.toExponential(prec === undefined ? 6 : +prec).replace(/e([+-])(\d)$/, 'e$10$2') : `%!e(${regoText(a)})`; break;
      case 'g': out = typeof a === 'number' ? String(a) : `%!g(${regoText(a)})`; break;
      case 'x': case 'X': {
        const s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(String(a)).toString('hex');
        out = verb === 'X' ? s.toUpperCase() : s;
        break;
      }
      case 'o': out = typeof a === 'number' ? Math.trunc(a).toString(8) : `%!o(${regoText(a)})`; break;
      case 'b': out = typeof a === 'number' ? Math.trunc(a).toString(2) : `%!b(${regoText(a)})`; break;
      case 't': out = typeof a === 'boolean' ? String(a) : `%!t(${regoText(a)})`; break;
      default: out = m;
    }
    if (flags.includes('+') && typeof a === 'number' && a >= 0 && 'dfeg'.includes(verb)) out = '+' + out;
    if (width && width !== '*' && out.length < +width) {
      const pad = (flags.includes('0') && !flags.includes('-') ? '0' : ' ').repeat(+width - out.length);
      out = flags.includes('-') ? out + pad : pad + out;
    }
    return out;
  });
}

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export function yamlUnmarshal(s: string): Json {
  return parseYaml(s) as Json;
}

export function yamlMarshal(v: Json): string {
  return stringifyYaml(v);
}

// ---------- JSON Patch ----------
function pointer(path: Json): string[] {
  if (Array.isArray(path)) return path.map(String);
  if (typeof path !== 'string') throw new FormatError('path must be a string or array');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new FormatError(`invalid JSON pointer ${path}`);
  return path.slice(1).split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(v: T): T { return v === undefined ? v : JSON.parse(JSON.stringify(v)) as T; }

function getAt(doc: Json, p: string[]): Json | undefined {
  let cur = doc;
  for (const k of p) {
    if (Array.isArray(cur)) { const i = Number(k); if (!/^\d+$/.test(k) || i >= cur.length) return undefined; cur = cur[i]; }
    else if (cur !== null && typeof cur === 'object') { if (!(k in (cur as object))) return undefined; cur = (cur as Record<string, Json>)[k]; }
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
    if (!/^\d+$/.test(key) && key !== '-') throw new FormatError('invalid array index');
    if (i > parent.length) throw new FormatError('index out of range');
    parent.splice(i, 0, value);
  } else (parent as Record<string, Json>)[key] = value;
  return doc;
}

function remove(doc: Json, p: string[]): Json {
  if (p.length === 0) throw new FormatError('cannot remove root');
  const { parent, key } = parentOf(doc, p);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw new FormatError('index out of range');
    parent.splice(i, 1);
  } else {
    if (!(key in (parent as object))) throw new FormatError('path not found');
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
  return out;
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, Json>)[k])]));
  return v;
}

/** json.filter / json.remove: keep or drop the given paths ("a/b" strings or arrays). */
export function jsonSelect(doc: Json, paths: Json, keep: boolean): Json {
  const list = (Array.isArray(paths) ? paths : []).map((p) => (Array.isArray(p) ? p.map(String) : String(p).split('/').filter((x) => x !== '')));
  if (keep) {
    let out: Json = undefined;
    for (const p of list) {
      const v = getAt(doc, p);
      if (v === undefined) continue;
      if (p.length === 0) return clone(doc);
      out ??= Array.isArray(doc) ? [] : {};
      let cur = out as Record<string, Json>;
      let src = doc as Record<string, Json>;
      for (let i = 0; i < p.length - 1; i++) {
        src = src[p[i]!] as Record<string, Json>;
        cur[p[i]!] ??= Array.isArray(src) ? [] : {};
        cur = cur[p[i]!] as Record<string, Json>;
      }
      cur[p[p.length - 1]!] = clone(v);
    }
    if (Array.isArray(out)) return out.filter((x) => x !== undefined);
    return out ?? {};
  }
  let out = clone(doc);
  for (const p of list) if (getAt(out, p) !== undefined && p.length) out = remove(out, p);
  return out;
}
