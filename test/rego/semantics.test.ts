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
