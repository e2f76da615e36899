// strings.render_template: the part of Go's text/template that policies use to build messages —
// `{{.field.path}}`, `{{.}}`, `{{range .list}}...{{end}}` (with `$i, $v :=`), `{{if ...}}...{{else}}...{{end}}`
// and `{{-`/`-}}` trimming. Any other action is an error naming it rather than a silently different result.
import { HOST_RESULT_LIMIT, reserve } from './budget.js';
import { builtinError, obj, str, type HostBuiltin, type Json } from './args.js';

const NAME = 'strings.render_template';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; expr: string }
  | { kind: 'range'; expr: string; key?: string; val?: string; body: Node[]; otherwise: Node[] }
  | { kind: 'if'; expr: string; body: Node[]; otherwise: Node[] };

function tokenize(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) { out.push({ text: src.slice(i) }); break; }
    let text = src.slice(i, open);
    let inner = open + 2;
    if (src.startsWith('- ', inner) || src.startsWith('-\t', inner) || src.startsWith('-\n', inner)) { text = text.replace(/\s+$/, ''); inner += 1; }
    const close = src.indexOf('}}', inner);
    if (close < 0) builtinError(NAME, 'template: unclosed action');
    let action = src.slice(inner, close);
    let next = close + 2;
    if (/\s-$/.test(action)) { action = action.slice(0, -1); const m = /^\s*/.exec(src.slice(next))!; next += m[0].length; }
    out.push({ text }, { action: action.trim() });
    i = next;
  }
  return out;
}

function parse(tokens: Array<{ text: string } | { action: string }>): Node[] {
  let pos = 0;
  const block = (): { nodes: Node[]; end: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if ('text' in t) { if (t.text) nodes.push({ kind: 'text', text: t.text }); continue; }
      const a = t.action;
      if (a.startsWith('/*')) continue;
      if (a === 'end') return { nodes, end: 'end' };
      if (a === 'else') return { nodes, end: 'else' };
      const m = /^(range|if)\s+(.*)$/.exec(a);
      if (m) {
        const body = block();
        const otherwise = body.end === 'else' ? block() : { nodes: [], end: body.end };
        if (otherwise.end !== 'end') builtinError(NAME, `template: unexpected EOF in ${m[1]}`);
        if (m[1] === 'if') { nodes.push({ kind: 'if', expr: m[2]!, body: body.nodes, otherwise: otherwise.nodes }); continue; }
        const decl = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*(.*)$/.exec(m[2]!);
        const range: Node = decl
          ? { kind: 'range', expr: decl[3]!, key: decl[2] ? decl[1] : undefined, val: decl[2] ?? decl[1], body: body.nodes, otherwise: otherwise.nodes }
          : { kind: 'range', expr: m[2]!, body: body.nodes, otherwise: otherwise.nodes };
        nodes.push(range);
        continue;
      }
      nodes.push({ kind: 'value', expr: a });
    }
    return { nodes, end: 'eof' };
  };
  const top = block();
  if (top.end !== 'eof') builtinError(NAME, `template: unexpected {{${top.end}}}`);
  return top.nodes;
}

const MISSING = Symbol('no value');

function lookup(expr: string, dot: Json, vars: Map<string, Json>): Json | typeof MISSING {
  const e = expr.trim();
  const m = /^(\$\w*|\.)((?:\.[A-Za-z_]\w*)*)$/.exec(e) ?? /^()((?:\.[A-Za-z_]\w*)+)$/.exec(e);
  if (!m) return builtinError(NAME, `template: unsupported action {{${e}}}`);
  let cur: Json | typeof MISSING = m[1] === '' || m[1] === '.' ? dot : vars.has(m[1]!) ? vars.get(m[1]!) : builtinError(NAME, `template: undefined variable "${m[1]}"`);
  for (const field of m[2]!.split('.').filter(Boolean)) {
    if (cur === MISSING || cur === null || typeof cur !== 'object' || Array.isArray(cur)) {
      if (cur === MISSING || cur === null) return MISSING;
      return builtinError(NAME, `template: can't evaluate field ${field} in type ${Array.isArray(cur) ? '[]interface {}' : typeof cur}`);
    }
    cur = Object.hasOwn(cur, field) ? (cur as Record<string, Json>)[field] : MISSING;
  }
  return cur;
}

/** Go's fmt %v of the values OPA hands to text/template. */
function show(v: Json | typeof MISSING): string {
  // OPA 1.x prints a key the variables lack as <undefined> (Go's text/template alone prints <no value>).
  if (v === MISSING) return '<undefined>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${show((v as Record<string, Json>)[k])}`).join(' ')}]`;
  return String(v);
}

function truthy(v: Json | typeof MISSING): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function render(nodes: Node[], dot: Json, vars: Map<string, Json>): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'value') out += show(lookup(n.expr, dot, vars));
    else if (n.kind === 'if') out += render(truthy(lookup(n.expr, dot, vars)) ? n.body : n.otherwise, dot, vars);
    else {
      const coll = lookup(n.expr, dot, vars);
      const items: Array<[Json, Json]> = Array.isArray(coll) ? coll.map((x, i) => [i, x])
        : coll !== null && typeof coll === 'object' ? Object.keys(coll).sort().map((k) => [k, (coll as Record<string, Json>)[k]]) : [];
      if (coll !== MISSING && coll !== null && typeof coll !== 'object') builtinError(NAME, `template: range can't iterate over ${show(coll)}`);
      if (!items.length) { out += render(n.otherwise, dot, vars); continue; }
      for (const [k, v] of items) {
        const scope = new Map(vars);
        if (n.key) scope.set(n.key, k);
        if (n.val) scope.set(n.val, v);
        out += render(n.body, v, scope);
        // A range multiplies its body: stop once the text outgrows what one call may return.
        if (out.length > HOST_RESULT_LIMIT) reserve(NAME, out.length);
      }
    }
  }
  return out;
}

export const TEMPLATE_BUILTINS: Record<string, HostBuiltin> = {
  'strings.render_template': { arity: 2, fn: (t, v) => {
    const data = obj(NAME, v, 2);
    return render(parse(tokenize(str(NAME, t, 1))), data, new Map([['$', data]]));
  } },
};
