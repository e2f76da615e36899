// Planner: rule bodies -> flat IR statements. Does safety analysis and body reordering on the fly:
// each expression is planned against the set of bound variables; an expression that needs a var
// not yet bound is retried after the others (OPA's reordering), and if nothing can proceed the
// first blocked var is reported as unsafe.
import type { Expr, Module, Rule, Term } from './ast.js';
import { PRINT_HOST } from './host-alias.js';
import { RegoError, type Location } from './errors.js';
import { OP, RawNumber, type IrValue, type Operand } from './ir.js';
import { builtinInfo, DEPRECATED_BUILTINS, requestCheckInfo, undefinedFunctionMessage, type BuiltinInfo } from './builtin-table.js';
import { RULE_METADATA_BUILTINS, ruleMetadataValue } from './builtins/rule-metadata.js';
import { FILE_LOCATED_BUILTINS } from './builtins/conftest.js';
import { checkDeclarations, checkShapes, checkSomeInShapes, namesOf, renameLateShadows } from './checks.js';

export { namesOf } from './checks.js';

class Unsafe extends Error {
  constructor(readonly varName: string, readonly loc: Location) { super(`var ${varName} is unsafe`); }
}

export type Resolved =
  | { kind: 'input'; path: Term[] }
  | { kind: 'data'; path: Term[] };

/** What the planner needs to know about the program (implemented in compile.ts). */
export interface PlanContext {
  /** Resolve a free (non-local) variable name: import alias, rule in the package, input, data. */
  resolveGlobal(name: string): Resolved | undefined;
  /** Resolve a function call name to a user function group id. */
  resolveFunc(name: string[]): number | undefined;
  /** Plan a `data.<segments>` reference; returns the operand and appends statements. */
  planData(p: Planner, segs: Term[]): Operand;
  /** Name under which a function is mocked by `with` (builtin name or rule path). */
  funcMockName(name: string[]): { name: string; kind: 'builtin' | 'func'; id?: number } | undefined;
  useBuiltin(name: string): void;
  /** A builtin meshguard leaves out that this program mocks with `with` (MOCK_ONLY_BUILTINS). */
  mockedBuiltin?(name: string): BuiltinInfo | undefined;
  funcArity(id: number): number;
  /** Rego v1 module: stricter checks (no shadowing of input/data). */
  regoV1: boolean;
  /**
   * The module imports `future.keywords.not`: a negated expression keeps its operands inside the
   * negation (`not f(input.missing)` is true). Otherwise they are evaluated before it, as OPA does.
   */
  negationKeepsOperands?: boolean;
  dependsOn(id: number): void;
}

export class Scope {
  readonly slots = new Map<string, number>();
  constructor(readonly parent: Scope | undefined, readonly names: Set<string>, readonly declared: Set<string>) {}
  knows(name: string): boolean { return this.slots.has(name) || this.declared.has(name) || this.names.has(name); }
}

export class Planner {
  nslots = 0;
  bound = new Set<number>();
  out: IrValue[] = [];
  scope: Scope;
  /** The rule whose body is planned (rego.metadata.* calls become its annotations). */
  ruleScope: { module: Module; rule: Rule | undefined } | undefined;

  constructor(readonly ctx: PlanContext, names: Set<string>, declared: Set<string>) {
    this.scope = new Scope(undefined, names, declared);
  }

  alloc(): number { return this.nslots++; }
  emit(stmt: IrValue[]): void { this.out.push(stmt); }

  // ---------- variables ----------
  lookup(name: string, _loc?: Location): { slot: number } | Resolved {
    if (name === '_') return { slot: this.alloc() };
    // Local declarations and names used in this body or an enclosing one win over globals.
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      const slot = s.slots.get(name);
      if (slot !== undefined) return { slot };
      if (s.declared.has(name)) return { slot: this.define(s, name) };
    }
    const g = this.ctx.resolveGlobal(name);
    if (g) return g;
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      if (s.names.has(name) && (!s.parent || !this.outerKnows(s.parent, name))) return { slot: this.define(s, name) };
    }
    return { slot: this.define(this.scope, name) };
  }

  private outerKnows(s: Scope, name: string): boolean {
    for (let x: Scope | undefined = s; x; x = x.parent) if (x.knows(name)) return true;
    return false;
  }

  define(s: Scope, name: string): number {
    const slot = this.alloc();
    s.slots.set(name, slot);
    return slot;
  }

  // ---------- terms ----------
  /** Operand for a term that must evaluate to a ground value. */
  value(t: Term): Operand {
    switch (t.type) {
      case 'null': return ['c', null];
      case 'boolean': return ['c', t.value];
      case 'number': return ['c', new RawNumber(t.text)];
      case 'string': return ['c', t.value];
      case 'var': {
        const r = this.lookup(t.name, t.loc);
        if ('slot' in r) {
          if (!this.bound.has(r.slot)) throw new Unsafe(t.name, t.loc);
          return r.slot;
        }
        return this.global(r, []);
      }
      case 'ref': return this.ref(t);
      case 'array': return ['a', ...t.items.map((x) => this.value(x))];
      case 'set': return ['s', ...t.items.map((x) => this.value(x))];
      case 'object': return ['o', ...t.entries.flatMap(([k, v]) => [this.value(k), this.value(v)])];
      case 'call': return this.call(t, undefined);
      case 'arraycomp': return this.compr(0, t.head, undefined, t.body, t.loc);
      case 'setcomp': return this.compr(1, t.head, undefined, t.body, t.loc);
      case 'objcomp': return this.compr(2, t.key, t.value, t.body, t.loc);
    }
  }

  /** Operand for the unification side: unbound vars become slots to bind. */
  pattern(t: Term): Operand {
    switch (t.type) {
      case 'var': {
        const r = this.lookup(t.name, t.loc);
        if ('slot' in r) return r.slot;
        return this.global(r, []);
      }
      case 'array': return ['a', ...t.items.map((x) => this.pattern(x))];
      case 'object': return ['o', ...t.entries.flatMap(([k, v]) => [this.value(k), this.pattern(v)])];
      default: return this.value(t);
    }
  }

  isGround(o: Operand): boolean {
    if (typeof o === 'number') return this.bound.has(o);
    if (o[0] === 'c' || o[0] === 'i' || o[0] === 'd') return true;
    return o.slice(1).every((x) => this.isGround(x as Operand));
  }

  firstUnbound(o: Operand): number | undefined {
    if (typeof o === 'number') return this.bound.has(o) ? undefined : o;
    if (o[0] === 'c' || o[0] === 'i' || o[0] === 'd') return undefined;
    for (const x of o.slice(1)) { const u = this.firstUnbound(x as Operand); if (u !== undefined) return u; }
    return undefined;
  }

  markBound(o: Operand): void {
    if (typeof o === 'number') { this.bound.add(o); return; }
    if (o[0] === 'c' || o[0] === 'i' || o[0] === 'd') return;
    for (const x of o.slice(1)) this.markBound(x as Operand);
  }

  slotName(slot: number): string {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) for (const [n, v] of s.slots) if (v === slot) return n;
    return '_';
  }

  private global(r: Resolved, rest: Term[]): Operand {
    if (r.kind === 'input') return this.dynamic(['i'], [...r.path, ...rest]);
    return this.ctx.planData(this, [...r.path, ...rest]);
  }

  ref(t: Extract<Term, { type: 'ref' }>): Operand {
    const h = t.head;
    if (h.type === 'var') {
      const r = this.lookup(h.name, h.loc);
      if (!('slot' in r)) return this.global(r, t.path);
      if (!this.bound.has(r.slot)) throw new Unsafe(h.name, h.loc);
      return this.dynamic(r.slot, t.path);
    }
    return this.dynamic(this.value(h), t.path);
  }

  /** Index `base` by each key: a ground key is a lookup, otherwise an iteration binding it. */
  dynamic(base: Operand, path: Term[], dataRef = false): Operand {
    let cur = base;
    for (const key of path) {
      const tmp = this.alloc();
      const kp = this.pattern(key);
      // In a ref into base data, a number key also finds the object key with the same text.
      if (this.isGround(kp)) this.emit(dataRef ? [OP.dot, cur, kp, tmp, 1] : [OP.dot, cur, kp, tmp]);
      else { this.emit([OP.scan, cur, kp, tmp]); this.markBound(kp); }
      this.bound.add(tmp);
      cur = tmp;
    }
    return cur;
  }

  /** A builtin the program may call: provided, mocked somewhere, or an http.send that can only fail OPA's request checks. */
  private builtinLookup(dotted: string, args: Term[]): BuiltinInfo | undefined {
    return builtinInfo(dotted) ?? this.ctx.mockedBuiltin?.(dotted) ?? requestCheckInfo(dotted, args);
  }

  /** `statement`: the call is a whole expression, so `f(x, out)` may bind its output argument. */
  call(t: Extract<Term, { type: 'call' }>, output: Term | undefined, statement = false): Operand {
    if (t.args.length === 0 && Object.hasOwn(RULE_METADATA_BUILTINS, t.name.join('.'))) return ['c', ruleMetadataValue(t.name.join('.'), this.ruleScope?.module, this.ruleScope?.rule) as IrValue];
    const fid = this.ctx.resolveFunc(t.name);
    const dotted = t.name.join('.');
    let arity: number;
    let callName = dotted;
    if (fid === undefined) {
      const info = this.builtinLookup(dotted, t.args);
      if (!info) throw new RegoError('rego_type_error', undefinedFunctionMessage(dotted), t.loc);
      if (this.ctx.regoV1 && DEPRECATED_BUILTINS.has(dotted)) throw new RegoError('rego_type_error', `deprecated built-in function calls in expression: ${dotted}`, t.loc);
      arity = info.arity;
      callName = info.hostName ?? dotted;
      if (info.place !== 'native') this.ctx.useBuiltin(callName);
    } else {
      arity = this.ctx.funcArity(fid);
      this.ctx.dependsOn(fid);
    }
    let args = t.args;
    if (arity >= 0 && args.length === arity + 1 && !output && statement) {
      output = args[arity];
      args = args.slice(0, arity);
    } else if (arity >= 0 && args.length !== arity) {
      throw new RegoError('rego_type_error', `${dotted}: arity mismatch: ${args.length} arguments given, ${arity} expected`, t.loc);
    }
    let ops = this.operands(args);
    // conftest resolves these builtins' paths against the calling file's directory.
    if (fid === undefined && FILE_LOCATED_BUILTINS.has(dotted)) ops = [['c', t.loc.file], ...ops];
    if (dotted === 'walk' && fid === undefined) {
      // walk is a relation: one [path, value] solution per node, as an output or as a value.
      const all = this.alloc();
      this.emit([OP.call, dotted, ops, all, `${t.loc.file}:${t.loc.line}`]);
      this.bound.add(all);
      const out = output ? this.pattern(output) : this.alloc();
      this.emit([OP.scan, all, this.alloc(), out]);
      this.markBound(out);
      return out;
    }
    const dst = output ? this.pattern(output) : this.alloc();
    const loc = `${t.loc.file}:${t.loc.line}`;
    if (fid !== undefined) this.emit([OP.callFunc, fid, ops, dst]);
    else this.emit([OP.call, callName, ops, dst, loc]);
    this.markBound(dst);
    return dst;
  }

  /**
   * Call arguments, each planned once the vars it reads are bound: a ref argument may bind a var
   * another argument reads (`foo == input.foos[foo]`), as OPA evaluates refs out of calls first.
   */
  private operands(args: Term[]): Operand[] {
    if (args.length < 2) return args.map((a) => this.value(a));
    // Most calls plan in order; only a blocked argument makes it worth retrying the others first.
    const startOut = this.out.length, startBound = new Set(this.bound);
    try {
      return args.map((a) => this.value(a));
    } catch (e) {
      if (!(e instanceof Unsafe)) throw e;
      this.out.length = startOut;
      this.bound = startBound;
    }
    const ops: Operand[] = new Array<Operand>(args.length);
    let pending = args.map((_, i) => i);
    while (pending.length > 0) {
      const blocked: number[] = [];
      let firstErr: Unsafe | undefined;
      for (const i of pending) {
        const saveOut = this.out.length, saveBound = new Set(this.bound);
        try {
          ops[i] = this.value(args[i]!);
        } catch (e) {
          if (!(e instanceof Unsafe)) throw e;
          this.out.length = saveOut;
          this.bound = saveBound;
          firstErr ??= e;
          blocked.push(i);
        }
      }
      if (blocked.length === pending.length) throw firstErr!;
      pending = blocked;
    }
    return ops;
  }

  compr(kind: number, head: Term, val: Term | undefined, body: Expr[], loc: Location): Operand {
    const renamed = renameLateShadows(body, val ? [head, val] : [head], this.declaredOutside(this.scope), (n) => `${n}$${this.hoisted++}`);
    body = renamed.body;
    head = renamed.heads[0]!;
    if (val) val = renamed.heads[1]!;
    const { names, declared } = namesOf(body, val ? [head, val] : [head]);
    const saveOut = this.out, saveScope = this.scope, saveBound = new Set(this.bound);
    this.out = [];
    this.scope = new Scope(saveScope, names, declared);
    try {
      this.body(body, loc);
      const h1 = this.value(head);
      const h2 = val ? this.value(val) : (['c', null] as Operand);
      const inner = this.out;
      this.out = saveOut;
      this.scope = saveScope;
      this.bound = saveBound;
      const tmp = this.alloc();
      this.emit([OP.compr, kind, inner, h1, h2, tmp]);
      this.bound.add(tmp);
      return tmp;
    } finally {
      this.out = saveOut;
      this.scope = saveScope;
    }
  }

  // ---------- expressions ----------
  /** Vars declared before the body (function arguments), for the redeclaration check. */
  predeclared = new Set<string>();

  /** Plans a body, reordering expressions so each runs once the vars it reads are bound. */
  /** Vars declared (`:=`, `some`) by the bodies enclosing the one being planned. */
  private declaredOutside(from: Scope | undefined): Set<string> {
    const out = new Set<string>();
    for (let s: Scope | undefined = from; s; s = s.parent) s.declared.forEach((n) => out.add(n));
    return out;
  }

  body(exprs: Expr[], loc: Location): void {
    checkDeclarations(exprs, this.predeclared, this.declaredOutside(this.scope.parent));
    this.predeclared = new Set();
    const pending = this.ctx.negationKeepsOperands ? [...exprs] : exprs.flatMap((e) => (e.negated ? this.hoistOutOfNegation(e) : [e]));
    while (pending.length > 0) {
      let firstErr: Unsafe | undefined;
      let done = -1;
      for (let i = 0; i < pending.length; i++) {
        const saveOut = this.out.length, saveBound = new Set(this.bound);
        try {
          this.expr(pending[i]!);
          done = i;
          break;
        } catch (e) {
          if (!(e instanceof Unsafe)) throw e;
          this.out.length = saveOut;
          this.bound = saveBound;
          firstErr ??= e;
        }
      }
      if (done < 0) {
        const e = firstErr!;
        throw new RegoError('rego_unsafe_var_error', `var ${e.varName} is unsafe`, e.loc ?? loc);
      }
      pending.splice(done, 1);
    }
  }

  private hoisted = 0;

  /**
   * OPA's default treatment of `not` (its RewriteExprTerms and RewriteDynamicTerms compiler stages,
   * which ignore negation): nested calls, refs passed to a call (but not to `==`, which OPA rewrites to
   * `=` first), refs inside composite operands and refs used as keys are each bound to a fresh var by an expression placed before the negated one,
   * so `not f(input.missing)` and `not obj[input.missing]` are undefined rather than true
   * (open-policy-agent/opa#1877). A plain ref (`not input.x`) or var stays inside the negation.
   * Gatekeeper's library and Trivy's checks rely on this; `import future.keywords.not` opts out.
   */
  private hoistOutOfNegation(e: Expr): Expr[] {
    const extras: Expr[] = [];
    const bind = (t: Term): Term => {
      const v: Term = { type: 'var', name: `__not${this.hoisted++}__`, loc: t.loc };
      extras.push({ kind: 'unify', left: v, right: t, negated: false, with: e.with, loc: t.loc });
      return v;
    };
    // Keys of a ref (and a call at its head): the ref itself stays.
    const inRef = (t: Extract<Term, { type: 'ref' }>): Term => ({
      ...t,
      head: t.head.type === 'call' ? operand(t.head) : t.head,
      path: t.path.map(operand),
    });
    // An operand: refs (including vars naming rules, imports, input, data) and calls are hoisted.
    const operand = (t: Term): Term => {
      switch (t.type) {
        case 'ref': return bind(inRef(t));
        case 'var': return this.isGlobalVar(t.name) ? bind(t) : t;
        case 'call': return bind({ ...t, args: t.args.map(operand) });
        case 'array': return { ...t, items: t.items.map(operand) };
        case 'set': return { ...t, items: t.items.map(operand) };
        case 'object': return { ...t, entries: t.entries.map(([k, v]) => [operand(k), operand(v)] as [Term, Term]) };
        default: return t;
      }
    };
    // The expression's own operand: a ref or global var is evaluated inside the negation.
    const side = (t: Term): Term => (t.type === 'ref' ? inRef(t) : t.type === 'var' || t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objcomp' ? t : operand(t));
    let rewritten: Expr;
    if (e.kind === 'term') {
      const t = e.term;
      if (t.type === 'call') {
        if (t.name.length === 1 && t.name[0] === 'print') return [e];
        // OPA turns `a == b` into `a = b` before this rewrite, so its sides are treated as unification's.
        if (t.name.length === 1 && t.name[0] === 'equal' && t.args.length === 2 && this.ctx.resolveFunc(t.name) === undefined) {
          rewritten = { ...e, term: { ...t, args: t.args.map(side) } };
          return [...extras, rewritten];
        }
        rewritten = { ...e, term: { ...t, args: t.args.map(operand) } };
      } else {
        rewritten = { ...e, term: side(t) };
      }
    } else if (e.kind === 'unify') {
      rewritten = { ...e, left: side(e.left), right: side(e.right) };
    } else {
      return [e];
    }
    return [...extras, rewritten];
  }

  /** True when `name` is not a local of this body or an enclosing one but a rule, import, input or data. */
  private isGlobalVar(name: string): boolean {
    if (name === '_') return false;
    for (let s: Scope | undefined = this.scope; s; s = s.parent) if (s.slots.has(name) || s.declared.has(name)) return false;
    return this.ctx.resolveGlobal(name) !== undefined;
  }

  expr(e: Expr): void {
    if (e.with.length > 0) return this.withExpr(e);
    if (e.negated) {
      const saveOut = this.out, saveBound = new Set(this.bound);
      this.out = [];
      try {
        this.positive({ ...e, negated: false });
        const inner = this.out;
        this.out = saveOut;
        this.bound = saveBound;
        this.emit([OP.not, inner]);
      } finally {
        this.out = saveOut;
      }
      return;
    }
    this.positive(e);
  }

  private positive(e: Expr): void {
    switch (e.kind) {
      case 'term': {
        const t = e.term;
        if (t.type === 'call' && t.name.length === 1 && t.name[0] === 'print' && !this.ctx.resolveFunc(t.name)) {
          // print never fails: each argument is captured as a set (empty when undefined).
          const ops = t.args.map((a, i) => {
            const v: Term = { type: 'var', name: `$print${i}`, loc: a.loc };
            return this.compr(1, v, undefined, [{ kind: 'assign', left: v, right: a, negated: false, with: [], loc: a.loc }], a.loc);
          });
          this.emit([OP.print, ops]);
          this.ctx.useBuiltin(PRINT_HOST);
          return;
        }
        if (t.type === 'call') {
          const fid = this.ctx.resolveFunc(t.name);
          const arity = fid === undefined ? this.builtinLookup(t.name.join('.'), t.args)?.arity : this.ctx.funcArity(fid);
          if (arity !== undefined && t.args.length === arity + 1) { this.call(t, undefined, true); return; }
        }
        this.emit([OP.test, this.value(t)]);
        return;
      }
      case 'unify':
      case 'assign': {
        if (e.kind === 'assign') this.checkAssignable(e.left);
        checkShapes(e.left, e.right);
        // Evaluate refs/calls on either side first; what remains are patterns.
        const a = this.pattern(e.left);
        const b = this.pattern(e.right);
        if (!this.isGround(a) && !this.isGround(b)) {
          const sameShape = Array.isArray(a) && Array.isArray(b) && a[0] === b[0] && (a[0] === 'a' || a[0] === 'o') && a.length === b.length;
          if (!sameShape || !this.pairwiseGround(a, b)) {
            const u = this.firstUnbound(b) ?? this.firstUnbound(a)!;
            throw new Unsafe(this.slotName(u), e.loc);
          }
        }
        this.emit([OP.unify, a, b]);
        this.markBound(a);
        this.markBound(b);
        return;
      }
      case 'some': {
        for (const v of e.vars) if (v.type === 'var') this.lookup(v.name, v.loc);
        return;
      }
      case 'somein': {
        checkSomeInShapes(e.value, e.collection);
        const coll = this.value(e.collection);
        const k = e.key ? this.pattern(e.key) : this.alloc();
        const v = this.pattern(e.value);
        this.emit([OP.scan, coll, k, v]);
        this.markBound(k);
        this.markBound(v);
        return;
      }
      case 'every': {
        const coll = this.value(e.collection);
        const extra = e.key ? [e.key, e.value] : [e.value];
        const everyBody = renameLateShadows(e.body, [], this.declaredOutside(this.scope), (n) => `${n}$${this.hoisted++}`).body;
        const { names, declared } = namesOf(everyBody);
        for (const x of extra) if (x.type === 'var') declared.add(x.name);
        const saveOut = this.out, saveScope = this.scope, saveBound = new Set(this.bound);
        this.out = [];
        this.scope = new Scope(saveScope, names, declared);
        try {
          const k = e.key ? this.pattern(e.key) : this.alloc();
          const v = this.pattern(e.value);
          this.markBound(k);
          this.markBound(v);
          this.body(everyBody, e.loc);
          const inner = this.out;
          this.out = saveOut;
          this.bound = saveBound;
          this.emit([OP.every, coll, k, v, inner]);
        } finally {
          this.out = saveOut;
          this.scope = saveScope;
        }
        return;
      }
    }
  }

  /** Each element pair (array index, or object entry with the same constant key) has a ground side. */
  private pairwiseGround(a: IrValue[], b: IrValue[]): boolean {
    if (a[0] === 'o') {
      for (let i = 1; i < a.length; i += 2) {
        const key = JSON.stringify(a[i]);
        let j = 1;
        while (j < b.length && JSON.stringify(b[j]) !== key) j += 2;
        if (j >= b.length || !Array.isArray(a[i]) || (a[i] as IrValue[])[0] !== 'c') return false;
        if (!this.isGround(a[i + 1] as Operand) && !this.isGround(b[j + 1] as Operand)) return false;
      }
      return true;
    }
    for (let i = 1; i < a.length; i++) {
      if (!this.isGround(a[i] as Operand) && !this.isGround(b[i] as Operand)) return false;
    }
    return true;
  }

  private checkAssignable(t: Term): void {
    if (t.type === 'var' && (t.name === 'input' || t.name === 'data') && this.ctx.regoV1) {
      throw new RegoError('rego_compile_error', `variables must not shadow ${t.name} (${t.name} cannot be shadowed)`, t.loc);
    }
    if (t.type === 'array') { t.items.forEach((x) => this.checkAssignable(x)); return; }
    if (t.type === 'object') { t.entries.forEach(([, v]) => this.checkAssignable(v)); return; }
    if (t.type === 'var') return;
    if (t.type !== 'ref' && t.type !== 'call' && t.type !== 'arraycomp' && t.type !== 'setcomp' && t.type !== 'objcomp' && t.type !== 'set') return;
    throw new RegoError('rego_compile_error', `cannot assign to ${t.type}`, t.loc);
  }

  private withExpr(e: Expr): void {
    const items: IrValue[] = [];
    for (const w of e.with) {
      const tgt = w.target;
      const path = tgt.type === 'ref' ? [tgt.head, ...tgt.path] : [tgt];
      const root = path[0]!;
      const strs = path.slice(1).map((x) => {
        if (x.type !== 'string') throw new RegoError('rego_compile_error', 'with target must be a constant ref', w.loc);
        return x.value;
      });
      const rootName = root.type === 'var' ? root.name : '';
      if (rootName === 'input' && this.lookupIsGlobal('input')) { items.push([0, strs, this.value(w.value)]); continue; }
      // An import alias or package rule as the target: rewrite it to its input/data path.
      const g = rootName !== 'input' && rootName !== 'data' ? this.ctx.resolveGlobal(rootName) : undefined;
      const gPath = g?.path.map((x) => (x.type === 'string' ? x.value : undefined));
      if (g && gPath && gPath.every((x) => x !== undefined) && !this.ctx.funcMockName([rootName, ...strs])) {
        items.push([g.kind === 'input' ? 0 : 1, [...(gPath as string[]), ...strs], this.value(w.value)]);
        continue;
      }
      const fnName = [rootName, ...strs];
      const mock = this.ctx.funcMockName(fnName);
      if (mock) {
        const v = w.value;
        const vname = v.type === 'var' ? [v.name] : v.type === 'ref' && v.head.type === 'var' && v.path.every((x) => x.type === 'string')
          ? [v.head.name, ...v.path.map((x) => (x.type === 'string' ? x.value : ''))] : undefined;
        const target = vname ? this.ctx.funcMockName(vname) : undefined;
        // A replacement function does not get the calling file the planner passes to conftest's file builtins.
        const hidden = FILE_LOCATED_BUILTINS.has(mock.name) ? [1] : [];
        if (target && target.kind === 'func') { this.ctx.dependsOn(target.id!); items.push([2, mock.name, 1, target.id!, ...hidden]); }
        else if (target) {
          const info = builtinInfo(target.name);
          const hn = info?.hostName ?? target.name;
          if (info && info.place !== 'native') this.ctx.useBuiltin(hn);
          items.push([2, builtinInfo(mock.name)?.hostName ?? mock.name, 2, hn, ...hidden]);
        }
        else items.push([2, builtinInfo(mock.name)?.hostName ?? mock.name, 0, this.value(v)]);
        continue;
      }
      if (rootName === 'data') { items.push([1, strs, this.value(w.value)]); continue; }
      throw new RegoError('rego_compile_error', 'with keyword target must reference existing input, data, or a function', w.loc);
    }
    const saveOut = this.out;
    this.out = [];
    try {
      this.expr({ ...e, with: [] });
      const inner = this.out;
      this.out = saveOut;
      this.emit([OP.with, items, inner]);
    } finally {
      this.out = saveOut;
    }
  }

  private lookupIsGlobal(name: string): boolean {
    const r = this.lookup(name, { file: '', line: 0, col: 0 });
    return !('slot' in r);
  }
}

export { Unsafe };
