// Parser: tokens -> AST for Rego v1 (OPA 1.x) and v0 syntax. Precedence (low -> high), as in OPA:
// `in`, relations (== != < > <= >=), `|`, `&`, `+ -`, `* / %`, unary minus, primaries.
import { lex, type Token } from './lexer.js';
import { RegoError, type Location } from './errors.js';
import type { Expr, ExprKind, Import, Module, Rule, RuleHead, Term, With } from './ast.js';

export interface ParseOptions {
  /** Parse as Rego v0 unless the module imports rego.v1 (default: v1). */
  v0?: boolean;
}

const NOT_KEYWORD_AFTER = new Set([':=', '=', '==', '!=', '.', '(', ')', ',', ';', '}', ']']);

const INFIX: Record<string, string> = {
  '==': 'equal', '!=': 'neq', '<': 'lt', '>': 'gt', '<=': 'lte', '>=': 'gte',
  '|': 'or', '&': 'and', '+': 'plus', '-': 'minus', '*': 'mul', '/': 'div', '%': 'rem',
};

class Parser {
  private p = 0;
  /** Inside (), [] or a term's {}, newlines are plain whitespace. */
  private nest = 0;
  /** Every `with` target read (attempts the parser backtracks from included: the set only over-approximates). */
  readonly withTargets = new Set<string>();
  /** `import rego.v2` or `future.keywords.not`: `not { ... }` negates a whole body. */
  private notBody = false;

  constructor(private readonly toks: Token[]) {}

  get tok(): Token { return this.toks[this.p]!; }
  peekAt(n: number): Token { return this.toks[Math.min(this.p + n, this.toks.length - 1)]!; }
  next(): Token { const t = this.tok; if (t.kind !== 'eof') this.p++; return t; }
  is(text: string): boolean { return (this.tok.kind === 'punct' || this.tok.kind === 'ident') && this.tok.text === text; }
  isKw(text: string): boolean { return this.tok.kind === 'ident' && this.tok.text === text; }

  fail(msg: string, t: Token = this.tok): never {
    throw new RegoError('rego_parse_error', msg, t.loc);
  }
  expect(text: string): Token {
    if (!this.is(text)) this.fail(`unexpected ${this.describe()} token: expected ${text}`);
    return this.next();
  }
  describe(): string {
    const t = this.tok;
    if (t.kind === 'eof') return 'eof';
    if (t.kind === 'string') return 'string';
    if (t.kind === 'number') return 'number';
    if (t.kind === 'ident') return 'ident';
    return t.text;
  }
  /** An operator on a new line starts a new expression (bodies are newline-separated). */
  cont(): boolean { return this.nest > 0 || !this.tok.nl; }

  // ---------- module ----------
  module(file: string, comments: Module['comments'], opts: ParseOptions): Module {
    const pkgTok = this.tok;
    if (!this.isKw('package')) this.fail(`unexpected ${this.describe()} token: expected package`);
    this.next();
    const pkgRef = this.refTerm();
    const pkg = this.constPath(pkgRef, pkgTok).map((t) => (t.type === 'string' ? t.value : t.type === 'var' ? t.name : ''));
    const imports: Import[] = [];
    let regoV1 = !opts.v0;
    while (this.isKw('import')) {
      const t = this.next();
      const path = this.refTerm();
      let alias: string | undefined;
      if (this.isKw('as')) { this.next(); alias = this.next().text; }
      const txt = refText(path);
      const rootName = path.type === 'ref' ? (path.head.type === 'var' ? path.head.name : '') : path.type === 'var' ? path.name : '';
      if (!['data', 'input', 'future', 'rego'].includes(rootName)) {
        this.fail(`invalid import ${txt}: import path must begin with one of: {data, input, future, rego}`, t);
      }
      // rego.v1 implies every future keyword; importing either after it (or it twice) shadows.
      if (txt === 'rego.v1' || txt.startsWith('future.keywords')) {
        const prior = imports.map((x) => refText(x.path));
        if (prior.includes('rego.v1') || (txt === 'rego.v1' && prior.some((x) => x.startsWith('future.keywords')))) {
          this.fail(`import ${txt} shadows previous import`, t);
        }
      }
      if (txt === 'rego.v1' || txt === 'rego.v2') regoV1 = true;
      if (txt === 'rego.v2' || txt === 'future.keywords.not') this.notBody = true;
      imports.push({ path, alias, loc: t.loc });
    }
    const rules: Rule[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.isKw('import')) this.fail('import must come before rules');
      if (this.isKw('package')) this.fail('unexpected package keyword');
      rules.push(...this.rule(file, regoV1));
    }
    return { file, package: pkg, packageLoc: pkgTok.loc, imports, rules, comments, regoV1, withTargets: [...this.withTargets] };
  }

  constPath(t: Term, at: Token): Term[] {
    const path = t.type === 'ref' ? [t.head, ...t.path] : [t];
    for (const x of path) if (x.type !== 'var' && x.type !== 'string') this.fail('package name must be a constant ref', at);
    return path;
  }

  refTerm(): Term {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(`unexpected ${t.kind} token: expected ref`, t);
    let term: Term = { type: 'var', name: t.text, loc: t.loc };
    return this.postfix(term, false);
  }

  // ---------- rules ----------
  rule(file: string, v1: boolean): Rule[] {
    const start = this.tok;
    let isDefault = false;
    if (this.isKw('default')) { this.next(); isDefault = true; }
    const refT = this.refTerm();
    const ref = refT.type === 'ref' ? [refT.head, ...refT.path] : [refT];
    let args: Term[] | undefined;
    if (this.is('(') && !this.tok.nl) {
      this.next();
      this.nest++;
      args = [];
      while (!this.is(')')) {
        args.push(this.term());
        if (!this.is(',')) break;
        this.next();
      }
      this.expect(')');
      this.nest--;
    }
    let key: Term | undefined;
    let value: Term | undefined;
    let assign = false;
    let contains = false;
    if (this.isKw('contains') && !this.tok.nl) { this.next(); contains = true; key = this.term(); }
    if ((this.is('=') || this.is(':=')) && !this.tok.nl) {
      assign = this.next().text === ':=';
      value = this.term();
    }
    const head: RuleHead = { ref, args, key, value, assign, contains, loc: start.loc };
    if (isDefault) {
      if (!value) this.fail('default rules must have a value', start);
      return [{ head, body: [], isDefault, else: [], v0Set: false, loc: start.loc, file }];
    }
    const lastRef = ref[ref.length - 1]!;
    // v0: `p[x] { }` and `p.q { }` (= p contains "q") are partial set rules.
    const v0Set = !v1 && !contains && !value && !args && ref.length > 1 && (ref.length === 2 || lastRef.type !== 'string');
    let body: Expr[] = [];
    let hasBody = false;
    if (this.isKw('if') && !this.tok.nl) { this.next(); body = this.ifBody(); hasBody = true; }
    else if (this.is('{')) {
      // A body may open on the next line: no rule starts with `{`.
      if (v1) this.fail('`if` keyword is required before rule body');
      body = this.block(); hasBody = true;
    }
    const rule: Rule = { head, body, isDefault, else: [], v0Set, loc: start.loc, file };
    const out = [rule];
    if (!hasBody && !value && !contains && !args && !v0Set) {
      if (v1 && ref.length === 2 && lastRef.type !== 'string') this.fail('`contains` keyword is required for partial set rules', start);
      if (ref.length > 1 || v1) this.fail(`rule ${refText(refT)} must have a body or assignment`, start);
      this.fail(`rule ${refText(refT)} has no body or value`, start);
    }
    // `else` chains, and v0's `p { a } { b }` (one rule per extra body).
    for (;;) {
      if (this.isKw('else')) {
        const et = this.next();
        let evalue: Term | undefined;
        if (this.is('=') || this.is(':=')) { this.next(); evalue = this.term(); }
        let ebody: Expr[] = [];
        if (this.isKw('if')) { this.next(); ebody = this.ifBody(); }
        else if (this.is('{')) {
          if (v1) this.fail('`if` keyword is required before rule body');
          ebody = this.block();
        }
        rule.else.push({ value: evalue, body: ebody, loc: et.loc });
        continue;
      }
      if (this.is('{') && hasBody && !v1) {
        out.push({ ...rule, body: this.block(), else: [] });
        continue;
      }
      break;
    }
    return out;
  }

  ifBody(): Expr[] {
    if (this.is('{')) {
      // `if {` usually opens a body, but may start a term (`if {x: i | ...}`): backtrack. A brace
      // that reads whole as a comprehension is one (`if { 1 | 1 }`), as a single term is read first.
      const save = this.p, saveNest = this.nest;
      const start = this.tok;
      if (this.barInBrace()) {
        try {
          const t = this.braceTerm();
          const ends = this.tok.kind === 'eof' || this.tok.nl || this.isKw('else');
          if ((t.type === 'setcomp' || t.type === 'objcomp') && ends) return [{ kind: 'term', term: t, negated: false, with: [], loc: start.loc }];
        } catch (e) {
          if (!(e instanceof RegoError)) throw e;
        }
        this.p = save;
        this.nest = saveNest;
      }
      try {
        return this.block();
      } catch (e) {
        if (!(e instanceof RegoError)) throw e;
        this.p = save;
        this.nest = saveNest;
        try {
          return [this.literal()];
        } catch {
          throw e;
        }
      }
    }
    return [this.literal()];
  }

  /** A `|` directly inside the brace at the current token: only then may the brace be a comprehension. */
  private barInBrace(): boolean {
    let depth = 0;
    for (let i = this.p; i < this.toks.length; i++) {
      const t = this.toks[i]!;
      if (t.kind === 'eof') return false;
      if (t.kind !== 'punct') continue;
      if (t.text === '{' || t.text === '[' || t.text === '(') depth++;
      else if (t.text === '}' || t.text === ']' || t.text === ')') { if (--depth === 0) return false; }
      else if (t.text === '|' && depth === 1) return true;
    }
    return false;
  }

  block(): Expr[] {
    this.expect('{');
    const saved = this.nest;
    this.nest = 0;
    const body = this.exprs('}');
    this.nest = saved;
    this.expect('}');
    return body;
  }

  exprs(end: string): Expr[] {
    const out: Expr[] = [];
    const atEnd = (): boolean => (end === '' ? this.tok.kind === 'eof' : this.is(end));
    while (!atEnd()) {
      if (this.tok.kind === 'eof') this.fail(`unexpected eof token: expected ${end}`);
      out.push(this.literal());
      if (this.is(';')) { this.next(); continue; }
      if (atEnd()) break;
      if (!this.tok.nl) this.fail(`unexpected ${this.describe()} token: expected \\n or ; or ${end}`);
    }
    return out;
  }

  // ---------- literals ----------
  literal(): Expr {
    const start = this.tok;
    let negated = false;
    if (this.isKw('not') && !(this.peekAt(1).kind === 'punct' && [':=', '=', '.'].includes(this.peekAt(1).text))) {
      this.next();
      negated = true;
    }
    let kind: ExprKind;
    if (negated && this.notBody && this.is('{') && !this.barInBrace()) {
      // The negated body is true when the body has no solution: count([true | body]) == 0, as a
      // comprehension sees the enclosing bindings and keeps its own vars local, as a negated body does.
      const at = this.tok.loc;
      const body = this.block();
      const comp: Term = { type: 'arraycomp', head: { type: 'boolean', value: true, loc: at }, body, loc: at };
      const count: Term = { type: 'call', name: ['count'], args: [comp], loc: at };
      kind = { kind: 'term', term: { type: 'call', name: ['equal'], args: [count, { type: 'number', text: '0', loc: at }], loc: at } };
      negated = false;
    } else if (this.isKw('some') && !negated && !NOT_KEYWORD_AFTER.has(this.peekAt(1).text) && this.peekAt(1).kind !== 'eof') kind = this.some();
    else if (this.isKw('every') && this.peekAt(1).kind === 'ident' && !negated) kind = this.every();
    else {
      const left = this.termWithComma();
      // The right side may be a `key, value in collection` membership, as the left side may.
      if (this.is(':=') && this.cont()) { this.next(); kind = { kind: 'assign', left, right: this.termWithComma() }; }
      else if (this.is('=') && this.cont()) { this.next(); kind = { kind: 'unify', left, right: this.termWithComma() }; }
      else kind = { kind: 'term', term: left };
    }
    const withs: With[] = [];
    // `with` cannot start an expression, so it may continue one on the next line.
    while (this.isKw('with')) {
      const wt = this.next();
      const target = this.refTerm();
      this.withTargets.add(withTargetName(target));
      if (!this.isKw('as')) this.fail(`unexpected ${this.describe()} token: expected as`);
      this.next();
      withs.push({ target, value: this.term(), loc: wt.loc });
    }
    return { ...kind, negated, with: withs, loc: start.loc };
  }

  some(): ExprKind {
    this.next();
    const terms: Term[] = [this.relation()];
    while (this.is(',')) { this.next(); terms.push(this.relation()); }
    if (this.isKw('in')) {
      this.next();
      const collection = this.relation();
      if (terms.length > 2) this.fail('unexpected , token');
      return terms.length === 2
        ? { kind: 'somein', key: terms[0], value: terms[1]!, collection }
        : { kind: 'somein', key: undefined, value: terms[0]!, collection };
    }
    // `some x in xs` parses above; a bare `x in xs` as the last term is a membership call here.
    if (terms.length === 1) {
      const t = terms[0]!;
      if (t.type === 'call' && t.name.join('.') === 'internal.member_2') {
        return { kind: 'somein', key: undefined, value: t.args[0]!, collection: t.args[1]! };
      }
    }
    for (const t of terms) if (t.type !== 'var') this.fail('expected var in some declaration');
    return { kind: 'some', vars: terms };
  }

  every(): ExprKind {
    this.next();
    const first = this.primary();
    let key: Term | undefined;
    let value = first;
    if (this.is(',')) { this.next(); key = first; value = this.primary(); }
    if (!this.isKw('in')) this.fail(`unexpected ${this.describe()} token: expected in`);
    this.next();
    const collection = this.relation();
    const body = this.block();
    return { kind: 'every', key, value, collection, body };
  }

  // ---------- terms ----------
  /** `key, value in collection` membership, allowed at expression level and inside parens. */
  termWithComma(): Term {
    const first = this.relation();
    if (!this.is(',') || !this.cont()) return this.inChain(first);
    const save = this.p;
    this.next();
    const second = this.relation();
    if (!this.isKw('in')) { this.p = save; return this.inChain(first); }
    this.next();
    const coll = this.relation();
    return this.inChain(call('internal.member_3', [first, second, coll], first.loc));
  }

  private inChain(left: Term): Term {
    while (this.isKw('in') && this.cont()) {
      this.next();
      const right = this.relation();
      left = call('internal.member_2', [left, right], left.loc);
    }
    return left;
  }

  term(): Term {
    let left = this.relation();
    while (this.isKw('in') && this.cont()) {
      this.next();
      const right = this.relation();
      left = call('internal.member_2', [left, right], left.loc);
    }
    return left;
  }

  private binary(ops: string[], sub: () => Term): Term {
    let left = sub();
    // OPA separates body expressions by what cannot continue one, not by newlines: an operator at the
    // start of a line continues the expression above it.
    while (this.tok.kind === 'punct' && ops.includes(this.tok.text)) {
      const op = this.next().text;
      const right = sub();
      left = call(INFIX[op]!, [left, right], left.loc);
    }
    return left;
  }

  relation(): Term { return this.binary(['==', '!=', '<', '>', '<=', '>='], () => this.or()); }
  or(): Term { return this.binary(['|'], () => this.and()); }
  and(): Term { return this.binary(['&'], () => this.arith()); }
  arith(): Term { return this.binary(['+', '-'], () => this.factor()); }
  factor(): Term { return this.binary(['*', '/', '%'], () => this.unary()); }

  unary(): Term {
    if (this.is('-')) {
      const t = this.next();
      const n = this.tok;
      if (n.kind === 'number') {
        this.next();
        return this.postfix({ type: 'number', text: '-' + n.text, loc: t.loc }, true);
      }
      return this.fail('unary - can only be used with numeric literals', t);
    }
    return this.primary();
  }

  primary(): Term {
    const t = this.tok;
    switch (t.kind) {
      case 'number': this.next(); return { type: 'number', text: t.text, loc: t.loc };
      case 'string': this.next(); return this.postfix({ type: 'string', value: t.text, loc: t.loc }, true);
      case 'ident': {
        this.next();
        if (t.text === 'true' || t.text === 'false') return { type: 'boolean', value: t.text === 'true', loc: t.loc };
        if (t.text === 'null') return { type: 'null', loc: t.loc };
        if (t.text === 'set' && this.is('(') && this.peekAt(1).text === ')') {
          this.next(); this.next();
          return { type: 'set', items: [], loc: t.loc };
        }
        return this.postfix({ type: 'var', name: t.text, loc: t.loc }, true);
      }
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.nest++;
          const inner = this.termWithComma();
          this.expect(')');
          this.nest--;
          return this.postfix(inner, true);
        }
        if (t.text === '[') return this.postfix(this.arrayTerm(), true);
        if (t.text === '{') return this.postfix(this.braceTerm(), true);
        break;
      default:
        break;
    }
    return this.fail(`unexpected ${this.describe()} token`);
  }

  /**
   * `[` and `{` read their first item as a single term (no infix operator) and take a `|` after it as
   * the start of a comprehension, as OPA's parser does: `[x | y]` is a comprehension, while
   * `[x - {10} | y, 5]` is an array whose first item is a set union, and `[x + 1 | x := ...]` is the
   * parse error OPA gives (open-policy-agent/opa#4215). Otherwise the items are read again as full terms.
   */
  arrayTerm(): Term {
    const start = this.next();
    this.nest++;
    if (this.is(']')) { this.next(); this.nest--; return { type: 'array', items: [], loc: start.loc }; }
    const afterBracket = this.p;
    const nest = this.nest;
    const first = this.unary();
    if (this.is('|')) {
      const compr = this.comprehensionOr(']', afterBracket, nest, () => this.arrayItems(this.term(), start));
      if (compr.kind === 'other') return compr.term;
      this.nest--;
      return { type: 'arraycomp', head: first, body: compr.body, loc: start.loc };
    }
    if (this.is(']') || this.is(',')) return this.arrayItems(first, start);
    this.p = afterBracket;
    return this.arrayItems(this.term(), start);
  }

  /**
   * After `head |`: the comprehension body up to `end`, or, when no body can be read there, the
   * literal `other` reads from `from` (`[x | y, 5]` is an array holding `x | y`). When neither reading
   * works, the comprehension's error is the one reported.
   */
  private comprehensionOr(end: string, from: number, nest: number, other: () => Term): { kind: 'compr'; body: Expr[] } | { kind: 'other'; term: Term } {
    this.next();
    try {
      return { kind: 'compr', body: this.comprBody(end) };
    } catch (error) {
      if (!(error instanceof RegoError) || error.code !== 'rego_parse_error') throw error;
      this.p = from;
      this.nest = nest;
      try {
        return { kind: 'other', term: other() };
      } catch {
        throw error;
      }
    }
  }

  private arrayItems(first: Term, start: Token): Term {
    return { type: 'array', items: this.itemsUntil(first, ']'), loc: start.loc };
  }

  /** The rest of an array's or set's items after the first, a trailing comma allowed, through `close`. */
  private itemsUntil(first: Term, close: ']' | '}'): Term[] {
    const items = [first];
    while (this.is(',')) {
      this.next();
      if (this.is(close)) break;
      items.push(this.term());
    }
    this.expect(close);
    this.nest--;
    return items;
  }

  comprBody(end: string): Expr[] {
    const saved = this.nest;
    this.nest = 0;
    const body = this.exprs(end);
    this.nest = saved;
    this.expect(end);
    return body;
  }

  braceTerm(): Term {
    const start = this.next();
    this.nest++;
    if (this.is('}')) { this.next(); this.nest--; return { type: 'object', entries: [], loc: start.loc }; }
    const afterBrace = this.p;
    const nest = this.nest;
    let first = this.unary();
    if (this.is(':')) return this.objectTerm(first, start);
    if (this.is('|')) {
      const compr = this.comprehensionOr('}', afterBrace, nest, () => this.setItems(this.term(), start));
      if (compr.kind === 'other') return compr.term;
      this.nest--;
      return { type: 'setcomp', head: first, body: compr.body, loc: start.loc };
    }
    if (this.is('}') || this.is(',')) return this.setItems(first, start);
    this.p = afterBrace;
    first = this.term();
    // `{a + 1: v | ...}` may still be an object comprehension.
    if (this.is(':')) return this.objectTerm(first, start);
    return this.setItems(first, start);
  }

  private setItems(first: Term, start: Token): Term {
    return { type: 'set', items: this.itemsUntil(first, '}'), loc: start.loc };
  }

  /** After the first key and its `:`: an object comprehension when a single-term value is followed by `|`. */
  private objectTerm(key: Term, start: Token): Term {
    this.next();
    const afterColon = this.p;
    let v = this.unary();
    if (this.is('|')) {
      this.next();
      const body = this.comprBody('}');
      this.nest--;
      return { type: 'objcomp', key, value: v, body, loc: start.loc };
    }
    if (!this.is('}') && !this.is(',')) {
      this.p = afterColon;
      v = this.term();
    }
    const entries: [Term, Term][] = [[key, v]];
    while (this.is(',')) {
      this.next();
      if (this.is('}')) break;
      const k = this.term();
      this.expect(':');
      entries.push([k, this.term()]);
    }
    this.expect('}');
    this.nest--;
    return { type: 'object', entries, loc: start.loc };
  }

  /** `.name`, `[term]` and `(args)` suffixes; a newline before `[` starts a new expression. */
  postfix(base: Term, allowCall: boolean): Term {
    let head = base;
    const path: Term[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'punct' && t.text === '.' && !t.nl && this.peekAt(1).kind === 'ident' && this.peekAt(1).offset === t.offset + 1) {
        this.next();
        const id = this.next();
        path.push({ type: 'string', value: id.text, loc: id.loc });
      } else if (t.kind === 'punct' && t.text === '[' && !(t.nl && this.nest === 0)) {
        this.next();
        this.nest++;
        path.push(this.term());
        this.expect(']');
        this.nest--;
      } else if (allowCall && t.kind === 'punct' && t.text === '(' && !t.nl && head.type === 'var' &&
        path.every((x) => x.type === 'string')) {
        const name = [head.name, ...path.map((x) => (x.type === 'string' ? x.value : ''))];
        this.next();
        this.nest++;
        const args: Term[] = [];
        while (!this.is(')')) {
          args.push(this.term());
          if (!this.is(',')) break;
          this.next();
        }
        this.expect(')');
        this.nest--;
        head = { type: 'call', name, args, loc: head.loc };
        path.length = 0;
      } else break;
    }
    return path.length === 0 ? head : { type: 'ref', head, path, loc: head.loc };
  }
}

function call(name: string, args: Term[], loc: Location): Term {
  return { type: 'call', name: name.split('.'), args, loc };
}

/** A `with` target as a dotted name (`http.send`, `data.a.b`); a non-constant part is `[...]`. */
export function withTargetName(t: Term): string {
  const parts = t.type === 'ref' ? [t.head, ...t.path] : [t];
  return parts.map((x) => (x.type === 'var' ? x.name : x.type === 'string' ? x.value : '[...]')).join('.');
}

export function refText(t: Term): string {
  if (t.type === 'var') return t.name;
  if (t.type === 'ref') {
    return [t.head, ...t.path].map((x, i) => (x.type === 'var' && i === 0 ? x.name : x.type === 'string' ? (i ? '.' : '') + x.value : '[...]')).join('');
  }
  return '';
}

export function parseModule(file: string, src: string, opts: ParseOptions = {}): Module {
  const { tokens, comments } = lex(file, src);
  return new Parser(tokens).module(file, comments, opts);
}

export function parseQuery(src: string, file = 'query'): Expr[] {
  const { tokens } = lex(file, src);
  const p = new Parser(tokens);
  const body = p.exprs('');
  if (p.tok.kind !== 'eof') p.fail(`unexpected ${p.describe()} token`);
  return body;
}

export function parseTerm(src: string, file = 'term'): Term {
  const { tokens } = lex(file, src);
  const p = new Parser(tokens);
  const t = p.term();
  if (p.tok.kind !== 'eof') p.fail(`unexpected ${p.describe()} token`);
  return t;
}
