// The Rego AST shared by every phase. Every node carries the location of its first token.
import type { Location } from './errors.js';
import type { Comment } from './lexer.js';

export type Term =
  | { type: 'null'; loc: Location }
  | { type: 'boolean'; value: boolean; loc: Location }
  | { type: 'number'; text: string; loc: Location }
  | { type: 'string'; value: string; loc: Location }
  | { type: 'var'; name: string; loc: Location }
  | { type: 'ref'; head: Term; path: Term[]; loc: Location }
  | { type: 'array'; items: Term[]; loc: Location }
  | { type: 'set'; items: Term[]; loc: Location }
  | { type: 'object'; entries: [Term, Term][]; loc: Location }
  | { type: 'call'; name: string[]; args: Term[]; loc: Location }
  | { type: 'arraycomp'; head: Term; body: Expr[]; loc: Location }
  | { type: 'setcomp'; head: Term; body: Expr[]; loc: Location }
  | { type: 'objcomp'; key: Term; value: Term; body: Expr[]; loc: Location };

export interface With {
  target: Term;          // a ref (input..., data..., or a function name)
  value: Term;
  loc: Location;
}

export type ExprKind =
  | { kind: 'term'; term: Term }
  | { kind: 'unify'; left: Term; right: Term }
  | { kind: 'assign'; left: Term; right: Term }
  | { kind: 'some'; vars: Term[] }
  | { kind: 'somein'; key: Term | undefined; value: Term; collection: Term }
  | { kind: 'every'; key: Term | undefined; value: Term; collection: Term; body: Expr[] };

export type Expr = ExprKind & { negated: boolean; with: With[]; loc: Location };

export interface RuleHead {
  /** Rule reference relative to the package: `p`, `a.b[x]`, `f` (for functions). */
  ref: Term[];
  args: Term[] | undefined;       // functions
  key: Term | undefined;          // `contains` element (partial set)
  value: Term | undefined;        // `= v` / `:= v`
  assign: boolean;                // `:=`
  contains: boolean;
  loc: Location;
}

export interface Rule {
  head: RuleHead;
  body: Expr[];
  isDefault: boolean;
  else: { value: Term | undefined; body: Expr[]; loc: Location }[];
  /** v0 `p[x] { }` without `contains`: a partial set rule. */
  v0Set: boolean;
  loc: Location;
  file: string;
}

export interface Import {
  path: Term;            // a ref: data.x.y / input.z / future.keywords.in / rego.v1
  alias: string | undefined;
  loc: Location;
}

export interface Module {
  file: string;
  package: string[];
  packageLoc: Location;
  imports: Import[];
  rules: Rule[];
  comments: Comment[];
  regoV1: boolean;
  /** The targets of the module's `with` modifiers, dotted (`http.send`, `input.x`): read without walking the AST. */
  withTargets?: string[];
}

export function refToPath(t: Term): Term[] | undefined {
  if (t.type === 'var') return [t];
  if (t.type === 'ref') return [t.head, ...t.path];
  return undefined;
}
