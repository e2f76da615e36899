// Static checks on bodies that need no planning: which names a body uses, OPA's declaration
// rules (`:=` / `some` may not redeclare or shadow an earlier use) and literal shape mismatches.
import type { Expr, Term } from './ast.js';
import { RegoError, type Location } from './errors.js';

/** Var names used directly in a body (not inside nested comprehension/every scopes). */
export function namesOf(exprs: Expr[], extra: Term[] = []): { names: Set<string>; declared: Set<string> } {
  const names = new Set<string>();
  const declared = new Set<string>();
  const visit = (t: Term | undefined, decl = false): void => {
    if (!t) return;
    switch (t.type) {
      case 'var': if (t.name !== '_') { names.add(t.name); if (decl) declared.add(t.name); } break;
      case 'ref': visit(t.head); t.path.forEach((x) => visit(x)); break;
      case 'array': case 'set': t.items.forEach((x) => visit(x, decl)); break;
      case 'object': t.entries.forEach(([k, v]) => { visit(k); visit(v, decl); }); break;
      case 'call': t.args.forEach((x) => visit(x)); break;
      default: break;
    }
  };
  for (const e of exprs) {
    switch (e.kind) {
      case 'term': visit(e.term); break;
      case 'unify': visit(e.left); visit(e.right); break;
      case 'assign': visit(e.left, true); visit(e.right); break;
      case 'some': e.vars.forEach((v) => visit(v, true)); break;
      case 'somein': visit(e.key, true); visit(e.value, true); visit(e.collection); break;
      case 'every': visit(e.collection); break;
    }
    for (const w of e.with) visit(w.value);
  }
  extra.forEach((t) => visit(t));
  return { names, declared };
}

/**
 * OPA's declaration rules, checked in source order: `x := ...` and `some x` may not redeclare a
 * var, nor declare one already referenced earlier in the same body.
 */
export function checkDeclarations(exprs: Expr[], predeclared: Set<string>, outerDeclared: ReadonlySet<string> = new Set()): void {
  const declared = new Set(predeclared);
  const used = new Set<string>();
  // Like OPA, only this body's own scope counts: reading a var declared in an enclosing body (from
  // inside a comprehension) does not stop this body from declaring its own var of that name.
  const use = (n: string): void => { if (!outerDeclared.has(n) || declared.has(n)) used.add(n); };
  // `some x` followed by a first assignment `x := ...` is fine.
  const someOnly = new Set<string>();
  const fail = (name: string, what: string, loc: Location): never => {
    throw new RegoError('rego_compile_error', `var ${name} ${what} above (var \`${name}\` used before definition below)`, loc);
  };
  const declare = (t: Term, loc: Location, bySome = false): void => {
    const vars = new Set<string>();
    collectPatternVars(t, vars);
    for (const v of vars) {
      if (someOnly.has(v) && !bySome) { someOnly.delete(v); continue; }
      if (declared.has(v)) fail(v, 'assigned', loc);
      if (used.has(v)) fail(v, 'referenced', loc);
      declared.add(v);
      if (bySome) someOnly.add(v);
    }
  };
  for (const e of exprs) {
    if (e.kind === 'assign') {
      const vars = new Set<string>();
      collectPatternVars(e.left, vars);
      if (vars.size === 0) throw new RegoError('rego_compile_error', 'assignment operator := requires left-hand side to have bindable variables', e.loc);
      namesOf([{ ...e, kind: 'term', term: e.right } as Expr]).names.forEach(use);
      declare(e.left, e.loc);
    } else if (e.kind === 'some') {
      for (const v of e.vars) declare(v, e.loc, true);
    } else if (e.kind === 'somein') {
      namesOf([{ ...e, kind: 'term', term: e.collection } as Expr]).names.forEach(use);
      if (e.key) declare(e.key, e.loc);
      declare(e.value, e.loc);
    } else {
      namesOf([e]).names.forEach(use);
    }
  }
}

/** Literal arrays/objects that can never unify are a compile-time type error, as in OPA. */
export function checkShapes(a: Term, b: Term): void {
  const composite = (t: Term): boolean => t.type === 'array' || t.type === 'object';
  if (!composite(a) || !composite(b)) return;
  if (a.type !== b.type) throw new RegoError('rego_type_error', 'match error: incompatible destructuring patterns: both sides must be arrays or objects with matching structure', a.loc);
  if (a.type === 'array' && b.type === 'array') {
    if (a.items.length !== b.items.length) throw new RegoError('rego_type_error', 'match error: mismatch in number of array elements', a.loc);
    a.items.forEach((x, i) => checkShapes(x, b.items[i]!));
  }
  if (a.type === 'object' && b.type === 'object') {
    const keys = (t: typeof a): string[] | undefined => {
      const ks = t.entries.map(([k]) => (k.type === 'string' ? k.value : undefined));
      return ks.every((k) => k !== undefined) ? (ks as string[]).sort() : undefined;
    };
    const ka = keys(a), kb = keys(b);
    if (ka && kb && ka.join('\u0000') !== kb.join('\u0000')) {
      throw new RegoError('rego_type_error', `match error: object literal keys mismatch. Expected keys ${JSON.stringify(ka)} got ${JSON.stringify(kb)}.`, a.loc);
    }
  }
}

/**
 * `some pattern in collection` with a literal collection: OPA's type checker rejects a scalar collection
 * and a destructuring pattern no element's literal type can match (`some [x, y] in [[1, 2, 3]]`),
 * instead of leaving the expression undefined.
 */
export function checkSomeInShapes(value: Term, collection: Term): void {
  const scalar = (t: Term): boolean => t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';
  if (scalar(collection)) {
    throw new RegoError('rego_type_error', `match error: some ... in expects an array, set or object, got ${collection.type}`, collection.loc);
  }
  if (value.type !== 'array' && value.type !== 'object') return;
  const items = collection.type === 'array' || collection.type === 'set' ? collection.items
    : collection.type === 'object' ? collection.entries.map(([, v]) => v) : undefined;
  if (!items || items.length === 0) return;
  let firstErr: RegoError | undefined;
  for (const item of items) {
    const err = shapeMismatch(value, item);
    if (!err) return;
    firstErr ??= new RegoError('rego_type_error', `match error: ${err}`, value.loc);
  }
  throw firstErr!;
}

/** Why a literal `item` can never unify with the destructuring `pattern`, or undefined when it may. */
function shapeMismatch(pattern: Term, item: Term): string | undefined {
  const known = item.type === 'array' || item.type === 'object' || item.type === 'set' || item.type === 'null' || item.type === 'boolean' || item.type === 'number' || item.type === 'string';
  if (!known) return undefined;
  if (pattern.type === 'array') {
    if (item.type !== 'array') return `cannot bind pattern of type array to a value of type ${item.type}`;
    if (item.items.length !== pattern.items.length) return 'mismatch in number of array elements';
    for (let i = 0; i < item.items.length; i++) { const e = shapeMismatch(pattern.items[i]!, item.items[i]!); if (e) return e; }
    return undefined;
  }
  if (pattern.type === 'object') return item.type === 'object' ? undefined : `cannot bind pattern of type object to a value of type ${item.type}`;
  return undefined;
}

function collectPatternVars(t: Term, into: Set<string>): void {
  switch (t.type) {
    case 'var': if (t.name !== '_') into.add(t.name); break;
    case 'array': t.items.forEach((x) => collectPatternVars(x, into)); break;
    case 'object': t.entries.forEach(([, v]) => collectPatternVars(v, into)); break;
    default: break;
  }
}


/**
 * A comprehension (or `every`) body may read a var of an enclosing body and later declare its own
 * var of the same name (`[v | some v in xs; xs := ...]`): OPA gives each declaration its own name,
 * so the reads before the declaration mean the outer var. The declaration and everything after it
 * (and the heads, evaluated last) are renamed here to get the same effect.
 */
export function renameLateShadows(body: Expr[], heads: Term[], outerDeclared: ReadonlySet<string>, fresh: (name: string) => string): { body: Expr[]; heads: Term[] } {
  if (outerDeclared.size === 0) return { body, heads };
  const out = [...body];
  let outHeads = heads;
  const read = new Set<string>();
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!;
    if (e.kind === 'assign' || e.kind === 'somein' || e.kind === 'some') {
      const vars = new Set<string>();
      if (e.kind === 'assign') collectPatternVars(e.left, vars);
      else if (e.kind === 'some') e.vars.forEach((v) => collectPatternVars(v, vars));
      else { if (e.key) collectPatternVars(e.key, vars); collectPatternVars(e.value, vars); }
      for (const v of vars) {
        if (!outerDeclared.has(v) || !read.has(v)) continue;
        const to = fresh(v);
        const sub = (t: Term): Term => renameVar(t, v, to);
        out[i] = e.kind === 'assign' ? { ...e, left: sub(e.left) } : e.kind === 'some' ? { ...e, vars: e.vars.map(sub) } : { ...e, key: e.key && sub(e.key), value: sub(e.value) };
        for (let j = i + 1; j < out.length; j++) out[j] = renameInExpr(out[j]!, v, to);
        outHeads = outHeads.map(sub);
      }
    }
    namesOf([out[i]!]).names.forEach((n) => read.add(n));
  }
  return { body: out, heads: outHeads };
}

function renameInExpr(e: Expr, from: string, to: string): Expr {
  const sub = (t: Term): Term => renameVar(t, from, to);
  const withs = e.with.map((w) => ({ ...w, value: sub(w.value) }));
  switch (e.kind) {
    case 'term': return { ...e, term: sub(e.term), with: withs };
    case 'unify': case 'assign': return { ...e, left: sub(e.left), right: sub(e.right), with: withs };
    case 'some': return { ...e, vars: e.vars.map(sub), with: withs };
    case 'somein': return { ...e, key: e.key && sub(e.key), value: sub(e.value), collection: sub(e.collection), with: withs };
    case 'every': return { ...e, key: e.key && sub(e.key), value: sub(e.value), collection: sub(e.collection), body: e.body.map((x) => renameInExpr(x, from, to)), with: withs };
  }
}

function renameVar(t: Term, from: string, to: string): Term {
  const sub = (x: Term): Term => renameVar(x, from, to);
  switch (t.type) {
    case 'var': return t.name === from ? { ...t, name: to } : t;
    case 'ref': return { ...t, head: sub(t.head), path: t.path.map(sub) };
    case 'array': case 'set': return { ...t, items: t.items.map(sub) };
    case 'object': return { ...t, entries: t.entries.map(([k, v]) => [sub(k), sub(v)] as [Term, Term]) };
    case 'call': return { ...t, args: t.args.map(sub) };
    case 'arraycomp': case 'setcomp': return { ...t, head: sub(t.head), body: t.body.map((x) => renameInExpr(x, from, to)) };
    case 'objcomp': return { ...t, key: sub(t.key), value: sub(t.value), body: t.body.map((x) => renameInExpr(x, from, to)) };
    default: return t;
  }
}
