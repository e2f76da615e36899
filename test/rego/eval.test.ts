import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compilePolicy, compilePolicyDetailed, evalQuery, hostBuiltins, RegoError } from '../../src/rego/index.js';
import { runPolicyBuild, runPolicyEval } from '../../src/rego/cli.js';
import { tempDir } from '../helpers/tmp.js';

const K8S = `package kubernetes.admission

import rego.v1

default allow := false

allow if count(deny) == 0

deny contains msg if {
	some c in input.spec.containers
	c.securityContext.privileged
	msg := sprintf("container %q is privileged", [c.name])
}

deny contains msg if {
	some c in input.spec.containers
	not c.resources.limits.memory
	msg := sprintf("container %s has no memory limit", [c.name])
}
`;

const pod = {
  spec: { containers: [
    { name: 'a', securityContext: { privileged: true }, resources: { limits: { memory: '1Gi' } } },
    { name: 'b' },
  ] },
};

describe('rego -> wasm through opa-wasm', () => {
  it('evaluates entrypoints with loadPolicy() and our host builtins', async () => {
    const wasm = await compilePolicy([{ path: 'k8s.rego', source: K8S }], { entrypoints: ['kubernetes/admission/deny', 'kubernetes/admission/allow'] });
    const policy = await loadPolicy(wasm.slice().buffer as ArrayBuffer, undefined, hostBuiltins());
    expect(policy.evaluate(pod, 'kubernetes/admission/deny')).toEqual([
      { result: ['container "a" is privileged', 'container b has no memory limit'] },
    ]);
    expect(policy.evaluate(pod, 'kubernetes/admission/allow')).toEqual([{ result: false }]);
    expect(policy.evaluate({ spec: { containers: [] } }, 'kubernetes/admission/allow')).toEqual([{ result: true }]);
  });

  it('gives the same answers on repeated evaluations (heap reuse)', async () => {
    const src = 'package k\nd contains x if { some y in input.cs; x := y }\na := [count(d), d]\n';
    const wasm = await compilePolicy([{ path: 'k.rego', source: src }], { entrypoints: ['k/d', 'k/a'] });
    const policy = await loadPolicy(wasm.slice().buffer as ArrayBuffer, undefined, hostBuiltins());
    const input = { cs: [1, 2] };
    for (const ep of ['k/a', 'k/d', 'k/a', 'k/d', 'k/a']) {
      expect(policy.evaluate(input, ep)).toEqual([{ result: ep === 'k/a' ? [2, [1, 2]] : [1, 2] }]);
    }
  });

  it('evaluates ad-hoc queries with bindings', async () => {
    const r = await evalQuery('some i; x := input.xs[i]; x > 1', [], { input: { xs: [1, 2, 3] } });
    expect(r).toEqual([{ i: 1, x: 2 }, { i: 2, x: 3 }]);
  });

  it('reports conflicts at runtime as eval_conflict_error', async () => {
    const err = await evalQuery('x := data.p.q', [{ path: 'c.rego', source: 'package p\nq := 1\nq := 2 if true\n' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegoError);
    expect((err as RegoError).code).toBe('eval_conflict_error');
    expect((err as RegoError).location).toEqual({ file: 'c.rego', line: 2, col: 1 });
  });

  it('reports unsafe variables with file:line:col and the OPA code', async () => {
    try {
      await compilePolicy([{ path: 'u.rego', source: 'package p\n\nq if {\n\tx > 1\n}\n' }], { entrypoints: ['p/q'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegoError);
      expect((e as RegoError).message).toBe('u.rego:4:2: rego_unsafe_var_error: var x is unsafe');
    }
  });

  it('names unsupported builtins at compile time', async () => {
    await expect(compilePolicy([{ path: 'b.rego', source: 'package p\nq := http.send({"method": "get", "url": "http://x"})\n' }], { entrypoints: ['p/q'] }))
      .rejects.toThrow(/b\.rego:2:6: rego_type_error: builtin http\.send is not supported by meshguard: policies evaluated by meshguard do no I\/O/);
  });

  it('rejects recursion at compile time', async () => {
    await expect(compilePolicy([{ path: 'r.rego', source: 'package p\nq if r\nr if q\n' }], { entrypoints: ['p/q'] }))
      .rejects.toThrow(/rego_recursion_error/);
  });

  it('stops a huge comprehension with a bounded error', async () => {
    const src = 'package p\nq := count([[i, j] | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000)])\n';
    const t0 = Date.now();
    await expect(evalQuery('x := data.p.q', [{ path: 'h.rego', source: src }])).rejects.toThrow(/eval_(cancel|memory_limit)_error/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('stops rules nested deeper than the engine can go with a depth error', async () => {
    const chain = Array.from({ length: 6000 }, (_, i) => `f${i}(x) := f${i + 1}(x)\n`).join('');
    const err = await evalQuery('y := data.p.f0(1)', [{ path: 'd.rego', source: `package p\n${chain}f6000(x) := x\n` }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegoError);
    expect((err as RegoError).code).toBe('eval_cancel_error');
  });

  it('stops a memory bomb at the memory limit', async () => {
    const src = 'package p\nbig := concat("", [s | some i in numbers.range(1, 20000); s := concat("", [t | some j in numbers.range(1, 200); t := "abcdefghij"])])\n';
    await expect(evalQuery('n := count(data.p.big)', [{ path: 'm.rego', source: src }])).rejects.toThrow(/eval_memory_limit_error/);
  });

  it('supports with for input, data and function mocks', async () => {
    const src = 'package p\nf(x) := x + 1\ng(x) := x * 10\nq := f(input.v)\n';
    const r = await evalQuery('a := data.p.q with input.v as 1; b := data.p.q with input.v as 1 with data.p.f as data.p.g', [{ path: 'w.rego', source: src }]);
    expect(r).toEqual([{ a: 2, b: 10 }]);
  });

  it('remembers function calls per evaluation, never across with scopes', async () => {
    const src = 'package p\nf(x) := input.v + x\na := f(1)\nb := y if { y := f(1) with input.v as 10 }\nc := f(1)\n';
    const r = await evalQuery('a := data.p.a; b := data.p.b; c := data.p.c', [{ path: 'm.rego', source: src }], { input: { v: 1 } });
    expect(r).toEqual([{ a: 2, b: 11, c: 2 }]);
  });

  it('trims and splits strings as Go does', async () => {
    const r = await evalQuery(
      'a := trim_space("\\u00a0\\u2003 x \\t\\n"); b := trim_space("\\ufeffx"); c := split("a😀b", ""); d := split(",a,,b,", ","); e := split("", ",")',
      [],
    );
    // Go's TrimSpace trims Unicode White_Space, which U+FEFF is not; an empty separator splits code points.
    expect(r).toEqual([{ a: 'x', b: '\ufeffx', c: ['a', '😀', 'b'], d: ['', 'a', '', 'b', ''], e: [''] }]);
  });

  it('parses UUIDs with exact nanosecond times', async () => {
    const r = await evalQuery('a := uuid.parse("b01d0062-a116-11ee-822b-7ab0b9e5e0c0"); b := uuid.parse("{a6342df8-7801-469c-b3f3-c5317a0ebdaa}"); c := uuid.parse("nope")', []).catch((e: unknown) => e);
    // c is undefined, so the whole query has no result.
    expect(r).toEqual([]);
    const [ok] = (await evalQuery('a := uuid.parse("b01d0062-a116-11ee-822b-7ab0b9e5e0c0"); b := uuid.parse("{a6342df8-7801-469c-b3f3-c5317a0ebdaa}")', [])) as [{ a: Record<string, unknown>; b: unknown }];
    expect(ok.b).toEqual({ variant: 'RFC4122', version: 4 });
    expect(ok.a).toMatchObject({ version: 1, clocksequence: 555, nodeid: '7a-b0-b9-e5-e0-c0', macvariables: 'local:unicast' });
    // 1703282931110717000 is beyond a double's exact integers: it must arrive intact.
    const [exact] = await evalQuery('t := json.marshal(uuid.parse("b01d0062-a116-11ee-822b-7ab0b9e5e0c0").time)', []);
    expect(exact).toEqual({ t: '1703282931110717000' });
  });

  it('applies regex flags that follow the leading ^', async () => {
    const r = await evalQuery('a := regex.match(`^(?i)https?:`, "HTTPS://x"); b := regex.match(`(?i)^ftp:`, "FTP:/")', []);
    expect(r).toEqual([{ a: true, b: true }]);
  });

  it('places a large IR above the runtime static memory (300 rules)', async () => {
    const rules = Array.from({ length: 300 }, (_, i) => `deny contains msg if {\n\tsome c in input.spec.containers\n\tc.image == "bad${i}"\n\tmsg := sprintf("rule ${i}: %v", [c.name])\n}\n`).join('\n');
    const c = await compilePolicyDetailed([{ path: 'big.rego', source: `package k8s\nimport rego.v1\n${rules}` }], { entrypoints: ['k8s/deny'] });
    const policy = await loadPolicy(c.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
    expect(policy.evaluate({ spec: { containers: [{ name: 'a', image: 'bad299' }] } }, 'k8s/deny')).toEqual([{ result: ['rule 299: a'] }]);
  });

  it('compiles a 20-rule policy into a module whose rules all fire', async () => {
    const rules = Array.from({ length: 20 }, (_, i) => `deny contains msg if {\n\tsome c in input.spec.containers\n\tc.image == "bad${i}"\n\tmsg := sprintf("bad image %v (${i})", [c.name])\n}\n`).join('\n');
    const c = await compilePolicyDetailed([{ path: 'r.rego', source: `package p\nimport rego.v1\n${rules}` }], { entrypoints: ['p/deny'] });
    const policy = await loadPolicy(c.wasm.slice().buffer as ArrayBuffer, { initial: Math.max(5, c.memoryPages) }, hostBuiltins());
    const containers = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, image: `bad${i}` }));
    const [first] = policy.evaluate({ spec: { containers } }, 'p/deny') as [{ result: string[] }];
    expect(first.result).toHaveLength(20);
  });
});

describe('policy CLI functions', () => {
  it('builds a wasm file and evaluates a query', async () => {
    const dir = tempDir('mg-rego-');
    writeFileSync(join(dir, 'k8s.rego'), K8S);
    writeFileSync(join(dir, 'input.json'), JSON.stringify(pod));
    const out = join(dir, 'policy.wasm');
    const b = await runPolicyBuild([dir, '-e', 'kubernetes/admission/deny', '-o', out]);
    expect(b.exitCode).toBe(0);
    expect(readFileSync(out).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    const e = await runPolicyEval(['data.kubernetes.admission.allow', '-i', join(dir, 'input.json'), dir]);
    expect(e.exitCode).toBe(0);
    expect(JSON.parse(e.stdout)).toEqual([{ result: false }]);
    const bad = await runPolicyEval(['x := y', dir]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/rego_unsafe_var_error: var y is unsafe/);
  });
});
