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
export function checkDeclarations(exprs: Expr[], predeclared: Set<string>): void {
  const declared = new Set(predeclared);
  const used = new Set<string>();
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
      namesOf([{ ...e, kind: 'term', term: e.right } as Expr]).names.forEach((n) => used.add(n));
      declare(e.left, e.loc);
    } else if (e.kind === 'some') {
      for (const v of e.vars) declare(v, e.loc, true);
    } else if (e.kind === 'somein') {
      namesOf([{ ...e, kind: 'term', term: e.collection } as Expr]).names.forEach((n) => used.add(n));
      if (e.key) declare(e.key, e.loc);
      declare(e.value, e.loc);
    } else {
      namesOf([e]).names.forEach((n) => used.add(n));
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

function collectPatternVars(t: Term, into: Set<string>): void {
  switch (t.type) {
    case 'var': if (t.name !== '_') into.add(t.name); break;
    case 'array': t.items.forEach((x) => collectPatternVars(x, into)); break;
    case 'object': t.entries.forEach(([, v]) => collectPatternVars(v, into)); break;
    default: break;
  }
}

