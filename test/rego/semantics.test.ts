import { describe, expect, it } from 'vitest';
import { evalQuery } from '../../src/rego/index.js';

/** The value of `data.<pkg>` for one module (v1 syntax unless `v0`), as OPA's `opa eval data.<pkg>` shows it. */
async function evalPackage(source: string, input: unknown = {}, v0 = false): Promise<unknown> {
  const pkg = /^package\s+([\w.]+)/m.exec(source)![1]!;
  const rows = await evalQuery(`x := data.${pkg}`, [{ path: 'p.rego', source }], { input, v0 });
  return rows[0]?.x;
}

describe('negation: operands evaluated before `not` unless future.keywords.not', () => {
  // The shape of Gatekeeper's psp/users template: a missing `ranges` parameter must not be a violation.
  const users = `package t
import rego.v1
accept_value("RunAsAny", _, _)
params := {"rule": "RunAsAny"}
violation contains "bad" if not accept_value(params.rule, 1000, params.ranges)
obj := {}
dynamic_key if not obj[input.key_not_present]
plain_ref if not input.key_not_present
compared if not input.missing == "x"
not_equal if not input.missing != "x"
nested_call if not count(input.missing) == 0
local_var if { x := 1; not x == 2 }
rule_in_array if not [undefined_rule]
rule_alone if not undefined_rule
undefined_rule if false
`;

  it('makes a negated call with an undefined argument undefined, as OPA does', async () => {
    expect(await evalPackage(users)).toEqual({
      obj: {},
      params: { rule: 'RunAsAny' },
      violation: [],
      plain_ref: true,
      // OPA rewrites == to unification before hoisting, so its ref operands stay inside the negation.
      compared: true,
      local_var: true,
      rule_alone: true,
    });
  });

  it('keeps the operands inside the negation with import future.keywords.not', async () => {
    const optIn = users.replace('import rego.v1', 'import future.keywords.not\nimport future.keywords.if\nimport future.keywords.contains');
    expect(await evalPackage(optIn, {}, true)).toEqual({
      obj: {},
      params: { rule: 'RunAsAny' },
      violation: ['bad'],
      dynamic_key: true,
      plain_ref: true,
      compared: true,
      not_equal: true,
      nested_call: true,
      local_var: true,
      rule_in_array: true,
      rule_alone: true,
    });
  });

  it('still negates when the hoisted operands are defined', async () => {
    const src = `package t
import rego.v1
f(x) if x > 1
a if not f(input.n)
b if not input.s == "y"
`;
    expect(await evalPackage(src, { n: 0, s: 'x' })).toEqual({ a: true, b: true });
    expect(await evalPackage(src, { n: 2, s: 'y' })).toEqual({});
  });
});

describe('comprehension scopes: a local := may shadow a var of the enclosing body', () => {
  it('reads the outer var before the local declaration and the local one after it, as OPA does', async () => {
    const src = `package t
import rego.v1
keys := ks if {
	xs := ["a", "b"]
	ks := {k: v | some k, v in xs; xs := 3}
}
scaled := ys if {
	xs := [1, 2]
	ys := [xs | some v in xs; xs := v * 10]
}
every_local if {
	xs := [1, 2]
	every v in xs { xs := v; xs > 0 }
}
`;
    expect(await evalPackage(src)).toEqual({ keys: { 0: 'a', 1: 'b' }, scaled: [10, 20], every_local: true });
  });

  it('still rejects a declaration after a use in the same scope', async () => {
    const src = 'package t\nimport rego.v1\np if {\n\tinput.xs[x]\n\tys := [y | y := 1; z := y; z := 2]\n}\n';
    await expect(evalPackage(src)).rejects.toThrow(/var z assigned above/);
    const sameScope = 'package t\nimport rego.v1\np := ys if {\n\tys := [x | some v in input.xs; v == x; x := 1]\n}\n';
    await expect(evalPackage(sameScope)).rejects.toThrow(/var x referenced above/);
  });
});

describe('dynamic refs into data reach only the rules their constant keys can match', () => {
  // OPA's rule tree walk (open-policy-agent/opa#7399): `data[first].allow.x` does not depend on a rule
  // that has no `allow` beneath it, so a rule may read such a ref from inside the same tree.
  const modules = [
    { path: 'a.rego', source: 'package test\np := data[first].allow.see.x if first := "primary"\n' },
    { path: 'b.rego', source: 'package primary\nallow[action].something if action := "show"\nallow.see.x if true\n' },
    { path: 'c.rego', source: 'package unrelated\nallow.other.stuff if true\n' },
  ];

  it('evaluates the ref without a recursion error', async () => {
    expect(await evalQuery('x := data.test.p', modules)).toEqual([{ x: true }]);
  });

  it('still rejects a rule whose dynamic ref can reach itself', async () => {
    const self = [{ path: 'a.rego', source: 'package test\np := data[k].p if k := "test"\n' }];
    await expect(evalQuery('x := data.test.p', self)).rejects.toThrow(/rego_recursion_error/);
    // A rule the ref reaches before its end may hold the rest of the path in its value: still a dependency.
    const prefix = [{ path: 'a.rego', source: 'package test\nq := data.test[k].y if k := "r"\nr.y := 2\n' }];
    await expect(evalQuery('x := data.test.q', prefix)).rejects.toThrow(/rule data\.test\.q is recursive/);
  });

  it('names base data keys with a number key text', async () => {
    const src = [{ path: 'a.rego', source: 'package test\na := [data[1], data[1.2], data.t[2.5]]\n' }];
    expect(await evalQuery('x := data.test.a', src, { data: { 1: 'one', '1.2': 'x', t: { '2.5': 3 } } })).toEqual([{ x: ['one', 'x', 3] }]);
  });
});

describe('call arguments: a ref argument binds the vars another argument reads', () => {
  it('plans `foo == input.foos[foo]` with foo bound by the ref, as OPA does', async () => {
    const src = 'package t\np := foo if {\n\tsome foo\n\tfoo == input.foos[foo]\n}\n';
    expect(await evalPackage(src, { foos: [2, 1, 0] })).toEqual({ p: 1 });
    expect(await evalPackage(src, { foos: ['foo'] })).toEqual({});
  });

  it('still reports a var no argument binds', async () => {
    await expect(evalPackage('package t\np if { some x; x == y }\n')).rejects.toThrow(/var (x|y) is unsafe/);
  });
});

describe('with: an OPA builtin meshguard leaves out may be replaced', () => {
  const src = `package t
mock_send(req) := {"body": {"roles": ["admin"]}} if req.body.name == "alice"
allow if "admin" in http.send({"method": "GET", "url": "https://authz.example", "body": input}).body.roles
test_allow if allow with http.send as mock_send with input.name as "alice"
test_value if allow with http.send as {"body": {"roles": ["admin"]}}
`;

  it('evaluates the call through the mock', async () => {
    const rows = await evalQuery('a := data.t.test_allow; b := data.t.test_value', [{ path: 't.rego', source: src }], { input: { name: 'bob' } });
    expect(rows).toEqual([{ a: true, b: true }]);
  });

  it('fails at evaluation, naming the builtin, when the call is reached unmocked', async () => {
    await expect(evalQuery('x := data.t.allow', [{ path: 't.rego', source: src }], { input: { name: 'alice' } }))
      .rejects.toThrow(/http\.send: not supported by meshguard/);
  });

  it('is still a compile error when nothing replaces it', async () => {
    await expect(evalQuery('x := data.t.p', [{ path: 't.rego', source: 'package t\np := http.send({"method": "get", "url": "x"})\n' }]))
      .rejects.toThrow(/builtin http\.send is not supported by meshguard: policies evaluated by meshguard do no I\/O/);
  });
});

describe('brackets: the first item is read as a single term before a `|`, as OPA reads it', () => {
  it('tells comprehensions from arrays and sets holding a union', async () => {
    const src = `package t
x := {1}
y := {2}
a := [x - {10} | y, 5 in {5}]
b := [(x - {10}) | y, 5 in {5}]
c := [x | y]
d := {1 | 1}
e := {({1} | {2})}
f if { 1 | 1 }
g := {k: v | some k, v in ["a"]}
h := {x - {9} | y}
`;
    expect(await evalPackage(src)).toEqual({
      x: [1], y: [2], a: [[1, 2], true], b: [], c: [[1]], d: [1], e: [[1, 2]], f: true, g: { 0: 'a' }, h: [[1, 2]],
    });
  });

  it('rejects an infix operator in a comprehension head, as OPA does (open-policy-agent/opa#4215)', async () => {
    await expect(evalPackage('package t\np := [x + 1 | some x in [1]]\n')).rejects.toThrow(/rego_parse_error/);
    expect(await evalPackage('package t\np := [plus(x, 1) | some x in [1]]\n')).toEqual({ p: [2] });
  });
});

describe('some ... in a literal collection: shapes OPA\'s type checker rejects', () => {
  it('rejects a scalar collection and a pattern no element can match', async () => {
    for (const body of ['some _ in null', 'some _ in "abc"', 'some [1] in [1]', 'some [x, y] in [[1, 2, 3]]', 'some {"a": x} in {"k": 1}']) {
      await expect(evalPackage(`package t\np if { ${body} }\n`), body).rejects.toThrow(/rego_type_error: match error/);
    }
  });

  it('accepts a pattern some element may match, and any pattern over non-literal elements', async () => {
    const src = 'package t\np contains [x, y] if some [x, y] in [[1, 2, 3], [4, 5]]\nq contains x if some [x] in input.xs\n';
    expect(await evalPackage(src, { xs: [[1], 2] })).toEqual({ p: [[4, 5]], q: [1] });
  });
});

describe('default rules for one constant key of an object rule', () => {
  it('gives the key its default only when no definition gives that key', async () => {
    const src = 'package t\ndefault p[true] := "d"\ndefault p[2] := "two"\np[k] := "v" if k := input.k\np["s"] := 1\n';
    expect(await evalPackage(src, { k: true })).toEqual({ p: { true: 'v', 2: 'two', s: 1 } });
    expect(await evalPackage(src, { k: false })).toEqual({ p: { false: 'v', true: 'd', 2: 'two', s: 1 } });
  });

  it('rejects two defaults for the same key', async () => {
    await expect(evalPackage('package t\ndefault p[1] := "a"\ndefault p[1] := "b"\n')).rejects.toThrow(/multiple default rules data\.t\.p\[1\] found/);
  });
});

describe('every over a domain that is no collection', () => {
  it('fails, as OPA asserts the domain is iterable (open-policy-agent/opa#6762)', async () => {
    const src = 'package t\nnum if every _ in input.n { false }\nstr if every _ in "abc" { false }\nnul if every _ in null { false }\nempty if every _ in [] { false }\n';
    expect(await evalPackage(src, { n: 1 })).toEqual({ empty: true });
  });
});

describe('not over a body (import rego.v2 or future.keywords.not)', () => {
  it('holds when the body has no solution, sees outer bindings and keeps its own vars local', async () => {
    const src = `package t
import rego.v2
one_false if not { input.a; input.b }
all_true if not { input.a; input.a }
outer if { x := 2; not { some y in input.xs; y == x } }
local_var if { not { y := 3; y == 4 }; y := 5; y == 5 }
`;
    expect(await evalPackage(src, { a: true, b: false, xs: [1, 3] })).toEqual({ one_false: true, outer: true, local_var: true });
    expect(await evalPackage(src.replace('import rego.v2', 'import future.keywords.not'), { a: true, b: false, xs: [2] }))
      .toEqual({ one_false: true, local_var: true });
  });

  it('stays a parse error without either import, as in OPA', async () => {
    await expect(evalPackage('package t\np if { not { input.a; input.b } }\n')).rejects.toThrow(/rego_parse_error/);
  });
});
