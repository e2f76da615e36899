// Compiler: modules -> IR program. Groups rules by path (complete / partial set / partial object /
// function), builds the package tree used for virtual documents, resolves names, plans every rule
// body and query, and rejects recursion.
import type { Expr, Module, Rule, Term } from './ast.js';
import { RegoError, RegoErrors, locString, type Location } from './errors.js';
import { OP, RULE_KIND, type IrDef, type IrProgram, type IrQuery, type IrRule, type IrValue, type Operand } from './ir.js';
export type { Operand };
import { Planner, namesOf, type PlanContext, type Resolved } from './plan.js';
import { builtinInfo, mockOnlyInfo } from './builtin-table.js';
import { refText } from './parser.js';

type Kind = keyof typeof RULE_KIND;

interface Def { rule: Rule | undefined; module: Module; key: Term[]; value: Term | undefined; args: Term[] | undefined }

interface Group {
  id: number;
  kind: Kind;
  path: string[];
  defs: Def[];
  default: { term: Term; module: Module } | undefined;
  /** `default p[true] := v`: a value for one constant key, used when no definition gives that key. */
  keyDefaults: { key: Term[]; term: Term; module: Module; loc: Location }[];
  loc: Location;
  arity: number;
}

interface TreeNode { children: Map<string, TreeNode>; rule: number | undefined }

export interface CompileOptions {
  entrypoints: string[];
  /** Ad-hoc queries, compiled as extra entrypoints named by `name`. */
  queries?: { name: string; source: Expr[] }[];
  strictBuiltinErrors?: boolean;
}

export function compileProgram(modules: Module[], opts: CompileOptions): IrProgram {
  return new Compiler(modules).compile(opts);
}

class Compiler {
  groups: Group[] = [];
  byPath = new Map<string, Group>();
  tree: TreeNode = { children: new Map(), rule: undefined };
  treeIds = new Map<TreeNode, Map<string, number>>();
  trees: [string[], IrValue, number][] = [];
  hostBuiltins = new Set<string>();
  deps = new Map<number, Set<number>>();
  errors: RegoError[] = [];

  private mocked: Set<string> | undefined;

  /** MOCK_ONLY_BUILTINS named as a `with` target anywhere in the program. */
  mockedBuiltins(): Set<string> {
    if (this.mocked) return this.mocked;
    const found = new Set<string>();
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) { for (const e of x) walk(e); return; }
      if (x === null || typeof x !== 'object') return;
      const o = x as Record<string, unknown>;
      if (Array.isArray(o.with)) {
        for (const w of o.with as { target: Term }[]) {
          const t = w.target;
          const name = t.type === 'var' ? t.name : t.type === 'ref' && t.head.type === 'var' && t.path.every((p) => p.type === 'string')
            ? [t.head.name, ...t.path.map((p) => (p as { value: string }).value)].join('.') : '';
          if (mockOnlyInfo(name)) found.add(name);
        }
      }
      for (const v of Object.values(o)) if (v !== null && typeof v === 'object') walk(v);
    };
    for (const m of this.modules) walk(m.rules);
    this.mocked = found;
    return found;
  }

  constructor(readonly modules: Module[]) {
    for (const m of modules) for (const r of m.rules) this.addRule(m, r);
    // A package defined by a module exists as a document ({}), even without rules.
    for (const m of modules) this.insertPath(m.package);
    for (const g of this.groups) this.insertTree(g);
  }

  private addRule(m: Module, r: Rule): void {
    const ref = r.head.ref;
    const head = ref[0]!;
    if (head.type !== 'var') throw new RegoError('rego_parse_error', 'rule name must be a var', r.loc);
    if (m.regoV1 && ref.length === 1 && (head.name === 'input' || head.name === 'data')) {
      throw new RegoError('rego_compile_error', `rules must not shadow ${head.name} (${head.name} cannot be shadowed)`, r.loc);
    }
    if (r.isDefault && r.head.value) checkDefaultValue(r.head.value);
    const prefix = [head.name];
    let i = 1;
    while (i < ref.length && ref[i]!.type === 'string') { prefix.push((ref[i] as { value: string }).value); i++; }
    const rest = ref.slice(i);
    let kind: Kind;
    let key: Term[] = [];
    let value = r.head.value;
    if (r.head.args) kind = 'func';
    else if (r.head.contains && rest.length > 0) {
      // `a[x][y] contains v`: an object whose leaves are sets.
      kind = 'multi'; key = rest; value = r.head.key;
    } else if (r.head.contains) { kind = 'set'; key = [r.head.key!]; }
    else if (r.v0Set) {
      kind = 'set';
      if (rest.length === 0) { key = [{ type: 'string', value: prefix.pop()!, loc: r.loc }]; }
      else { key = [rest[rest.length - 1]!]; if (rest.length > 1) throw new RegoError('rego_parse_error', 'unsupported v0 set rule head', r.loc); }
    } else if (rest.length > 0) { kind = 'object'; key = rest; }
    else kind = 'complete';
    const scalar = (t: Term): boolean => t.type === 'null' || t.type === 'boolean' || t.type === 'number';
    const keyDefault = r.isDefault && kind === 'object' && rest.length === 1 && scalar(rest[0]!);
    if (r.isDefault && kind === 'object' && !keyDefault) kind = 'complete';
    const path = [...m.package, ...prefix];
    const pk = path.join('\u0000');
    let g = this.byPath.get(pk);
    if (!g) {
      g = { id: this.groups.length, kind, path, defs: [], default: undefined, keyDefaults: [], loc: r.loc, arity: r.head.args?.length ?? 0 };
      this.groups.push(g);
      this.byPath.set(pk, g);
    } else if (g.kind !== kind && !r.isDefault) {
      if (g.defs.length === 0) g.kind = kind;
      else throw new RegoError('rego_type_error', `conflicting rules data.${path.join('.')} found`, r.loc);
    }
    if (keyDefault) {
      const k = rest[0]!;
      const keyText = k.type === 'number' ? k.text : k.type === 'boolean' ? String(k.value) : 'null';
      if (g.keyDefaults.some((d) => JSON.stringify(stripLoc(d.key)) === JSON.stringify(stripLoc(rest)))) {
        throw new RegoError('rego_type_error', `multiple default rules data.${path.join('.')}[${keyText}] found`, r.loc);
      }
      g.keyDefaults.push({ key: rest, term: value!, module: m, loc: r.loc });
      return;
    }
    if (r.isDefault) {
      if (g.default) throw new RegoError('rego_type_error', `multiple default rules data.${path.join('.')} found`, r.loc);
      g.default = { term: value!, module: m };
      return;
    }
    if (kind === 'complete' && value === undefined) value = { type: 'boolean', value: true, loc: r.loc };
    g.defs.push({ rule: r, module: m, key, value, args: r.head.args });
  }

  private insertPath(path: string[]): TreeNode {
    let n = this.tree;
    for (const seg of path) {
      let c = n.children.get(seg);
      if (!c) { c = { children: new Map(), rule: undefined }; n.children.set(seg, c); }
      n = c;
    }
    return n;
  }

  private insertTree(g: Group): void {
    let n = this.tree;
    for (const seg of g.path) {
      let c = n.children.get(seg);
      if (!c) { c = { children: new Map(), rule: undefined }; n.children.set(seg, c); }
      n = c;
    }
    n.rule = g.id;
  }

  /**
   * The document at `node` for a ref that continues with `pat` below it (a key, or undefined where the
   * ref has a variable): subtrees the ref cannot reach are left out, so evaluating `data[x].allow`
   * neither evaluates nor depends on rules that have no `allow` beneath them (OPA's rule tree walk
   * matches the constant parts of a dynamic ref the same way).
   */
  private treeId(node: TreeNode, path: string[], pat: (string | undefined)[] = []): number {
    const cacheKey = JSON.stringify(pat.map((k) => k ?? null));
    let byPat = this.treeIds.get(node);
    if (!byPat) { byPat = new Map(); this.treeIds.set(node, byPat); }
    let id = byPat.get(cacheKey);
    const reached: number[] = [];
    // A leaf rule is its id; a rule with rules beneath it (a.b := ... and a.b.c := ...) is
    // [id, children]; a plain package node is an object of children.
    const enc = (x: TreeNode, at: number): IrValue => {
      const o: Record<string, IrValue> = {};
      const want = at < pat.length ? pat[at] : undefined;
      for (const [k, c] of x.children) {
        if (want !== undefined && k !== want) continue;
        if (c.rule !== undefined && this.groups[c.rule]!.kind === 'func') continue;
        if (c.rule !== undefined) reached.push(c.rule);
        if (c.rule !== undefined) o[k] = c.children.size ? [c.rule, enc(c, at + 1)] : c.rule;
        else o[k] = enc(c, at + 1);
      }
      return o;
    };
    const self = node.rule !== undefined && this.groups[node.rule]!.kind !== 'func' ? node.rule : -1;
    const tree = enc(node, 0);
    if (self >= 0) reached.push(self);
    for (const g of reached) this.curDeps?.add(g);
    if (id === undefined) {
      id = this.trees.length;
      byPat.set(cacheKey, id);
      this.trees.push([path, tree, self]);
    }
    return id;
  }

  curDeps: Set<number> | undefined;

  // ---------- the planner's view of the program ----------
  context(m: Module | undefined): PlanContext {
    const pkg = m?.package ?? [];
    const imports = new Map<string, Term[]>();
    for (const imp of m?.imports ?? []) {
      const p = imp.path.type === 'ref' ? [imp.path.head, ...imp.path.path] : [imp.path];
      const root = p[0]!.type === 'var' ? (p[0] as { name: string }).name : '';
      if (root !== 'data' && root !== 'input') continue;
      const last = p[p.length - 1]!;
      const alias = imp.alias ?? (last.type === 'string' ? last.value : last.type === 'var' ? last.name : undefined);
      if (alias) imports.set(alias, p);
    }
    const pkgNode = m ? this.nodeAt(pkg) : undefined;
    const str = (s: string, loc: Location): Term => ({ type: 'string', value: s, loc });
    const self = this;
    const ctx: PlanContext = {
      resolveGlobal(name): Resolved | undefined {
        if (name === 'input') return { kind: 'input', path: [] };
        if (name === 'data') return { kind: 'data', path: [] };
        // A rule of the package shadows an import alias of the same name.
        if (pkgNode?.children.has(name)) {
          const loc = m?.packageLoc ?? { file: '', line: 0, col: 0 };
          return { kind: 'data', path: [...pkg, name].map((s) => str(s, loc)) };
        }
        const imp = imports.get(name);
        if (imp) {
          const root = (imp[0] as { name: string }).name;
          return root === 'input' ? { kind: 'input', path: imp.slice(1) } : { kind: 'data', path: imp.slice(1) };
        }
        return undefined;
      },
      resolveFunc(name) {
        const g = self.funcGroup(name, pkg, imports);
        return g?.kind === 'func' ? g.id : undefined;
      },
      planData(p, segs) { return self.planData(p, segs); },
      funcMockName(name) {
        const g = self.funcGroup(name, pkg, imports);
        if (g) return g.kind === 'func' ? { name: 'data.' + g.path.join('.'), kind: 'func', id: g.id } : undefined;
        const dotted = name.join('.');
        if (builtinInfo(dotted) || dotted === 'print' || mockOnlyInfo(dotted)) return { name: dotted, kind: 'builtin' };
        return undefined;
      },
      useBuiltin(name) { self.hostBuiltins.add(name); },
      mockedBuiltin(name) { return self.mockedBuiltins().has(name) ? mockOnlyInfo(name) : undefined; },
      regoV1: m?.regoV1 ?? true,
      negationKeepsOperands: m?.imports.some((i) => refText(i.path) === 'future.keywords.not') ?? false,
      funcArity(id) { return self.groups[id]!.arity; },
      dependsOn(id) { self.curDeps?.add(id); },
    };
    return ctx;
  }

  private nodeAt(path: string[]): TreeNode | undefined {
    let n: TreeNode | undefined = this.tree;
    for (const s of path) { n = n?.children.get(s); if (!n) return undefined; }
    return n;
  }

  private funcGroup(name: string[], pkg: string[], imports: Map<string, Term[]>): Group | undefined {
    const candidates: string[][] = [];
    if (name[0] === 'data') candidates.push(name.slice(1));
    else {
      const imp = imports.get(name[0]!);
      if (imp && (imp[0] as { name: string }).name === 'data') {
        candidates.push([...imp.slice(1).map((t) => (t.type === 'string' ? t.value : '')), ...name.slice(1)]);
      }
      candidates.push([...pkg, ...name]);
    }
    for (const c of candidates) {
      const g = this.byPath.get(c.join('\u0000'));
      if (g) return g;
    }
    return undefined;
  }

  /** `data.a.b[x]...`: a rule, a package's virtual document, or plain base data. */
  planData(p: Planner, segs: Term[]): Operand {
    let node = this.tree;
    const consumed: string[] = [];
    let i = 0;
    for (; i < segs.length; i++) {
      const s = segs[i]!;
      // Package and rule paths are strings; data.x[2] also names data.x["2"].
      const key = s.type === 'string' ? s.value : s.type === 'number' ? s.text : undefined;
      if (key === undefined) break;
      const child = node.children.get(key);
      if (!child) {
        // Nothing virtual below this point: plain base data.
        return p.dynamic(['d'], segs, true);
      }
      consumed.push(key);
      node = child;
      if (child.rule !== undefined && child.children.size > 0) {
        // Rules both at and below this path: materialise the merged document here.
        this.curDeps?.add(child.rule);
        const tmp = p.alloc();
        p.emit([OP.vdoc, this.treeId(child, consumed, keyPattern(segs.slice(i + 1))), tmp]);
        p.bound.add(tmp);
        return p.dynamic(tmp, segs.slice(i + 1));
      }
      if (child.rule !== undefined) {
        const g = this.groups[child.rule]!;
        if (g.kind === 'func') {
          // A zero-argument function referenced without parentheses evaluates to its value.
          if (!g.defs.every((d) => (d.args?.length ?? 0) === 0)) throw new RegoError('rego_type_error', `function data.${g.path.join('.')} used as a value`, s.loc);
          this.curDeps?.add(g.id);
          const out = p.alloc();
          p.emit([OP.callFunc, g.id, [], out]);
          p.bound.add(out);
          return p.dynamic(out, segs.slice(i + 1));
        }
        this.curDeps?.add(g.id);
        const tmp = p.alloc();
        p.emit([OP.rule, g.id, tmp]);
        p.bound.add(tmp);
        return p.dynamic(tmp, segs.slice(i + 1));
      }
    }
    const tmp = p.alloc();
    p.emit([OP.vdoc, this.treeId(node, consumed, keyPattern(segs.slice(i))), tmp]);
    p.bound.add(tmp);
    return p.dynamic(tmp, segs.slice(i));
  }

  // ---------- rules ----------
  private planDef(d: Def, body: Expr[], value: Term | undefined, loc: Location): IrDef {
    const extra: Term[] = [...d.key, ...(value ? [value] : []), ...(d.args ?? [])];
    const { names, declared } = namesOf(body, extra);
    for (const a of d.args ?? []) collectVars(a, declared);
    const p = new Planner(this.context(d.module), names, declared);
    p.ruleScope = { module: d.module, rule: d.rule };
    for (const a of d.args ?? []) collectVars(a, p.predeclared);
    const args = (d.args ?? []).map((a) => { const o = p.pattern(a); p.markBound(o); return o; });
    p.body(body, loc);
    const key = d.key.map((k) => p.value(k));
    const val = value ? p.value(value) : undefined;
    return { n: p.nslots, args, body: p.out, key, value: val };
  }

  private planGroup(g: Group): IrRule {
    this.curDeps = new Set();
    this.deps.set(g.id, this.curDeps);
    const defs: IrDef[] = [];
    for (const d of g.defs) {
      try {
        const rule = d.rule!;
        const first = this.planDef(d, rule.body, d.value, rule.loc);
        let tail = first;
        for (const e of rule.else) {
          const v = e.value ?? { type: 'boolean', value: true, loc: e.loc } as Term;
          const x = this.planDef(d, e.body, v, e.loc);
          tail.else = x;
          tail = x;
        }
        defs.push(first);
      } catch (e) {
        if (e instanceof RegoError) this.errors.push(e); else throw e;
      }
    }
    let dflt: IrDef | undefined;
    if (g.default) {
      // A default value may hold comprehensions; it is planned like a body-less definition.
      const d: Def = { rule: undefined, module: g.default.module, key: [], value: g.default.term, args: undefined };
      try {
        dflt = this.planDef(d, [], g.default.term, g.default.term.loc);
      } catch (e) {
        if (e instanceof RegoError) this.errors.push(e);
        else throw e;
      }
    }
    const keyDefaults: IrDef[] = [];
    for (const kd of g.keyDefaults) {
      try {
        keyDefaults.push(this.planDef({ rule: undefined, module: kd.module, key: kd.key, value: kd.term, args: undefined }, [], kd.term, kd.loc));
      } catch (e) {
        if (e instanceof RegoError) this.errors.push(e); else throw e;
      }
    }
    this.curDeps = undefined;
    return {
      kind: RULE_KIND[g.kind], name: 'data.' + g.path.join('.'), path: g.path, loc: locString(g.loc), defs,
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(keyDefaults.length > 0 ? { key_defaults: keyDefaults } : {}),
    };
  }

  private planQuery(body: Expr[], outs: 'result' | 'vars', loc: Location): IrQuery {
    const { names, declared } = namesOf(body);
    const p = new Planner(this.context(undefined), names, declared);
    this.curDeps = new Set();
    if (outs === 'result') {
      p.body(body, loc);
      this.curDeps = undefined;
      return { n: p.nslots, body: p.out, outs: [] };
    }
    p.body(body, loc);
    this.curDeps = undefined;
    const result: [string, number][] = [];
    for (const [name, slot] of p.scope.slots) if (!name.startsWith('_') && !name.startsWith('$') && p.bound.has(slot)) result.push([name, slot]);
    return { n: p.nslots, body: p.out, outs: result };
  }

  private entrypointQuery(ep: string): IrQuery {
    const segs = ep.split('/').filter((s) => s.length > 0);
    const loc: Location = { file: 'entrypoint', line: 1, col: 1 };
    const p = new Planner(this.context(undefined), new Set(), new Set());
    this.curDeps = new Set();
    const op = this.planData(p, segs.map((s) => ({ type: 'string', value: s, loc }) as Term));
    this.curDeps = undefined;
    const slot = typeof op === 'number' ? op : p.alloc();
    if (typeof op !== 'number') { p.emit([OP.unify, slot, op]); }
    return { n: p.nslots, body: p.out, outs: [['result', slot]] };
  }

  compile(opts: CompileOptions): IrProgram {
    const rules = this.groups.map((g) => this.planGroup(g));
    this.checkRecursion();
    const queries: IrQuery[] = [];
    const entrypoints: Record<string, number> = {};
    for (const ep of opts.entrypoints) {
      entrypoints[ep] = queries.length;
      queries.push(this.entrypointQuery(ep));
    }
    for (const q of opts.queries ?? []) {
      try {
        entrypoints[q.name] = queries.length;
        queries.push(this.planQuery(q.source, 'vars', q.source[0]?.loc ?? { file: 'query', line: 1, col: 1 }));
      } catch (e) {
        if (e instanceof RegoError) this.errors.push(e); else throw e;
      }
    }
    if (this.errors.length === 1) throw this.errors[0]!;
    if (this.errors.length > 1) throw new RegoErrors(this.errors);
    return { rules, trees: this.trees, queries, entrypoints, builtins: [...this.hostBuiltins].sort(), strict: !!opts.strictBuiltinErrors };
  }

  private checkRecursion(): void {
    // Iterative depth-first search: a chain of thousands of rules must not exhaust the host's stack.
    const state = new Map<number, number>();
    const depsOf = new Map([...this.deps].map(([id, deps]) => [id, [...deps]]));
    const path: number[] = [];
    const next: number[] = [];
    for (const g of this.groups) {
      if (state.has(g.id)) continue;
      state.set(g.id, 1);
      path.push(g.id);
      next.push(0);
      while (path.length > 0) {
        const id = path[path.length - 1]!;
        const deps = depsOf.get(id) ?? [];
        const at = next[next.length - 1]!;
        if (at === deps.length) {
          state.set(id, 2);
          path.pop();
          next.pop();
          continue;
        }
        next[next.length - 1] = at + 1;
        const d = deps[at]!;
        const s = state.get(d);
        if (s === 1) {
          const cyc = path.slice(path.indexOf(d)).concat(d).map((x) => 'data.' + this.groups[x]!.path.join('.'));
          throw new RegoError('rego_recursion_error', `rule ${cyc[0]} is recursive: ${cyc.join(' -> ')}`, this.groups[d]!.loc);
        }
        if (s === undefined) {
          state.set(d, 1);
          path.push(d);
          next.push(0);
        }
      }
    }
  }
}

/** Default values are constants: no refs or calls outside comprehensions. */
function checkDefaultValue(t: Term): void {
  switch (t.type) {
    case 'ref': throw new RegoError('rego_type_error', 'invalid `ref` in default value', t.loc);
    case 'call': throw new RegoError('rego_type_error', `invalid call ${t.name.join('.')} in default value`, t.loc);
    case 'array': case 'set': t.items.forEach(checkDefaultValue); break;
    case 'object': t.entries.forEach(([k, v]) => { checkDefaultValue(k); checkDefaultValue(v); }); break;
    default: break;
  }
}

/** A term without its locations, to compare constant keys. */
function stripLoc(t: unknown): unknown {
  return JSON.parse(JSON.stringify(t, (k, v: unknown) => (k === 'loc' ? undefined : v)));
}

/** The keys a ref names below a tree node: a constant's key text, undefined where any key may match. */
function keyPattern(segs: Term[]): (string | undefined)[] {
  return segs.map((s) => (s.type === 'string' ? s.value : s.type === 'number' ? s.text : undefined));
}

function collectVars(t: Term, into: Set<string>): void {
  switch (t.type) {
    case 'var': if (t.name !== '_') into.add(t.name); break;
    case 'array': case 'set': t.items.forEach((x) => collectVars(x, into)); break;
    case 'object': t.entries.forEach(([, v]) => collectVars(v, into)); break;
    default: break;
  }
}
