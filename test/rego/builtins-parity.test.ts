// Builtins where Regorus' conformance cases led to a check of what OPA 1.x does (topdown/*.go and Go's
// documented fmt/strings behaviour); each case here is OPA's answer, not Regorus'.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evalQuery } from '../../src/rego/index.js';

async function value(expr: string, opts: { strict?: boolean } = {}): Promise<unknown> {
  const source = `package t\nimport rego.v1\nx := ${expr}\n`;
  const rows = await evalQuery('x = data.t.x', [{ path: 't.rego', source }], { strictBuiltinErrors: opts.strict });
  return rows.length ? rows[0]!.x : undefined;
}

describe('print', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('writes each operand as its term text (OPA: [1, "b"], {"k": 1}, set()), strings bare, non-ASCII intact', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(' ')); });
    const source = 'package t\nimport rego.v1\nx if {\n  print(1, "a b", [1, "b"], {"k": {1, 2}}, set(), "வணக்கம்", input.missing)\n}\n';
    const rows = await evalQuery('x = data.t.x', [{ path: 't.rego', source }], {});
    expect(rows).toEqual([{ x: true }]);
    expect(lines).toEqual(['1 a b [1, "b"] {"k": {1, 2}} set() வணக்கம் <undefined>']);
  });
});

describe('argument checks OPA makes', () => {
  it('rand.intn: operand 2 must be an integer number', async () => {
    await expect(value('rand.intn("a", "b")', { strict: true })).rejects.toThrow(/eval_type_error: rand.intn: operand 2 must be number but got string/);
    await expect(value('rand.intn("a", 10.3)', { strict: true })).rejects.toThrow(/operand 2 must be integer number/);
    expect(await value('rand.intn("a", 10.3)')).toBeUndefined();
    expect(await value('rand.intn("a", 0)')).toBe(0);
  });
  it('indexof and indexof_n refuse an empty needle ("empty search character")', async () => {
    await expect(value('indexof("", "")', { strict: true })).rejects.toThrow(/eval_builtin_error: indexof: empty search character/);
    await expect(value('indexof_n("abc", "")', { strict: true })).rejects.toThrow(/indexof_n: empty search character/);
    expect(await value('indexof("", "")')).toBeUndefined();
    expect(await value('indexof("héllo", "l")')).toBe(2);
  });
  it('replace with an empty old string inserts at every position, as Go\'s strings.Replacer', async () => {
    expect(await value('replace("ab", "", "-")')).toBe('-a-b-');
    expect(await value('replace("a.b.c", ".", "$&")')).toBe('a$&b$&c');
  });
});

describe('units.parse_bytes (topdown/parse_bytes.go)', () => {
  it('is exact beyond 2^53 and truncates fractions like big.Float.Int', async () => {
    expect(await value('units.parse_bytes("1EiB") == 1152921504606846976')).toBe(true);
    expect(await value('units.parse_bytes("1EiB") == 1152921504606846977')).toBe(false);
    expect(await value('units.parse_bytes("8eb") == 8000000000000000000')).toBe(true);
    expect(await value('units.parse_bytes("1.5KiB")')).toBe(1536);
    expect(await value('units.parse_bytes("1.9")')).toBe(1);
    expect(await value('units.parse_bytes("\\"2MB\\"")')).toBe(2_000_000);
  });
  it('knows OPA\'s units only (up to exa): others are an error naming the unit', async () => {
    await expect(value('units.parse_bytes("1ZiB")', { strict: true })).rejects.toThrow(/units.parse_bytes: byte unit zib not recognized/);
    await expect(value('units.parse_bytes("1b")', { strict: true })).rejects.toThrow(/byte unit b not recognized/);
    expect(await value('units.parse_bytes("1yb")')).toBeUndefined();
    await expect(value('units.parse_bytes("1e1234567")', { strict: true })).rejects.toThrow(/exponent too large/);
  });
});

describe('json.filter, json.remove and json.patch address set members by value (OPA topdown/json.go)', () => {
  it('json.filter keeps the set members named and leaves the result a set', async () => {
    expect(await value('json.filter({"a": {1, 2, {"x"}, {8, 9}}}, [["a", 1]]) == {"a": {1}}')).toBe(true);
    expect(await value('json.filter({"a": {1, 2, {"x"}}}, [["a", {"x"}]]) == {"a": {{"x"}}}')).toBe(true);
    expect(await value('json.filter({"a": {{8, 9, 10}}}, [["a", {8, 9, 10}, 9]]) == {"a": {{9}}}')).toBe(true);
  });
  it('json.filter: array elements are named by their index as a string; a scalar reached early is kept', async () => {
    expect(await value('json.filter({"a": [[1, 7], 2]}, [["a", 1]])')).toEqual({ a: [] });
    expect(await value('json.filter({"a": [[1, 7], 2]}, ["a/0/1"])')).toEqual({ a: [[7]] });
    expect(await value('json.filter({"a": 5, "b": 1}, ["a/b"])')).toEqual({ a: 5 });
    expect(await value('json.filter({"a": 5}, [""])')).toEqual({});
  });
  it('json.remove drops set members by value', async () => {
    expect(await value('json.remove({"a": {1, 2, 3}, "b": 1}, [["a", 2]]) == {"a": {1, 3}, "b": 1}')).toBe(true);
    expect(await value('json.remove({"a": [1, 2, 3]}, ["a/1"])')).toEqual({ a: [1, 3] });
  });
  it('json.patch adds, removes and moves set members, and edits inside a member', async () => {
    expect(await value('json.patch({"a", "b"}, [{"op": "add", "path": ["c"], "value": "c"}]) == {"a", "b", "c"}')).toBe(true);
    expect(await value('json.patch({"a", "b"}, [{"op": "remove", "path": ["b"]}]) == {"a"}')).toBe(true);
    expect(await value('json.patch({{"a": [1]}}, [{"op": "copy", "from": [{"a": [1]}, "a", 0], "path": [{"a": [1]}, "a", "-"]}]) == {{"a": [1, 1]}}')).toBe(true);
    expect(await value('json.patch({"s": {1, 2}}, [{"op": "test", "path": ["s", 2], "value": 2}]) == {"s": {1, 2}}')).toBe(true);
  });
  it('json.patch: a set member is its own key, and an index must be an integer', async () => {
    expect(await value('json.patch({"a", "b"}, [{"op": "add", "path": ["c"], "value": "d"}])')).toBeUndefined();
    expect(await value('json.patch({"a", "b"}, [{"op": "replace", "path": ["a"], "value": "c"}])')).toBeUndefined();
    expect(await value('json.patch(["a", "b"], [{"op": "remove", "path": [1.0]}])')).toBeUndefined();
    expect(await value('json.patch(["a", "b"], [{"op": "remove", "path": [1]}])')).toEqual(['a']);
    expect(await value('json.patch(["a", "b"], [{"op": "remove", "path": ["01"]}])')).toBeUndefined();
  });
  it('json.patch keeps the text of numbers it does not touch (no detour through doubles)', async () => {
    expect(await value('json.patch({"n": 12345678901234567891, "f": 1.0}, [{"op": "add", "path": "/m", "value": 1}]) == {"n": 12345678901234567891, "f": 1, "m": 1}')).toBe(true);
    expect(await value('json.patch({"n": 12345678901234567891}, [{"op": "add", "path": "/m", "value": 1}]).n == 12345678901234567890')).toBe(false);
  });
});

describe('numbers are exact decimals, as OPA keeps them (issue 18)', () => {
  it('adds, subtracts and multiplies decimals exactly', async () => {
    expect(await value('0.1 + 0.2 == 0.3')).toBe(true);
    expect(await value('0.1 + 0.2')).toBe(0.3);
    expect(await value('0.1 * 3 == 0.3')).toBe(true);
    expect(await value('1.1 * 1.1 == 1.21')).toBe(true);
    expect(await value('0.3 - 0.1 == 0.2')).toBe(true);
    expect(await value('sum([0.1, 0.2, 0.3]) == 0.6')).toBe(true);
    expect(await value('product([1.5, 2, 0.1]) == 0.3')).toBe(true);
    expect(await value('0.000001 * 0.000001 == 1e-12')).toBe(true);
  });
  it('keeps digits a double cannot hold', async () => {
    expect(await value('1.0000000000000001 - 1 == 1e-16')).toBe(true);
    expect(await value('1.0000000000000001 > 1')).toBe(true);
    expect(await value('12345678901234567890.5 + 0.5 == 12345678901234567891')).toBe(true);
    expect(await value('12345678901234567890.5 + 0.5 == 12345678901234567890')).toBe(false);
    expect(await value('floor(12345678901234567.5) == 12345678901234567')).toBe(true);
    expect(await value('ceil(12345678901234567.5) == 12345678901234568')).toBe(true);
  });
  it('divides to the quotient OPA prints for short decimals', async () => {
    expect(await value('0.3 / 0.1 == 3')).toBe(true);
    expect(await value('10 / 4')).toBe(2.5);
    expect(await value('1 / 8 == 0.125')).toBe(true);
    expect(await value('1 / 3 * 3 == 1')).toBe(true);
    expect(await value('1 / 3')).toBeCloseTo(0.333333333333333, 14);
  });
  it('rounds half away from zero; ceil and floor of negative fractions', async () => {
    expect(await value('[round(2.5), round(-2.5), round(-0.4), ceil(-1.1), floor(-1.1), ceil(-0.5), floor(0.5)]')).toEqual([3, -3, 0, -1, -2, 0, 0]);
  });
  it('computed decimals order, print and compare like the literals they equal', async () => {
    expect(await value('sum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]) == 1')).toBe(true);
    expect(await value('sort([0.1 + 0.2, 0.25, 0.30000000000000001, 0.3])')).toEqual([0.25, 0.3, 0.3, 0.3]);
    expect(await value('count({0.1 + 0.2, 0.3, 3 / 10})')).toBe(1);
    expect(await value('0.1 + 0.2 < 0.30000000000000001')).toBe(true);
    expect(await value('sprintf("%v %v %v", [0.1 + 0.2, -0.5 * 0.5, 1 / 1024])')).toBe('0.3 -0.25 0.0009765625');
    expect(await value('json.marshal([0.1 * 0.1, 2.5 - 2.5])')).toBe('[0.01,0]');
  });
  it('stays within the memory limit over many decimal operations (each result is one small value)', async () => {
    expect(await value('sum([y | some i in numbers.range(1, 100000); y := i * 1.5 + 0.25]) == 7500100000')).toBe(true);
    expect(await value('sum([y | some i in numbers.range(1, 100000); y := i / 3]) > 1666683333')).toBe(true);
  });
  it('% stays integer-only', async () => {
    await expect(value('1.5 % 1', { strict: true })).rejects.toThrow(/modulo on floating-point number/);
    expect(await value('100000000000000000e-1 % 3')).toBe(1);
  });
});

describe("quotients as OPA computes them: a 64-bit big.Float, printed as Go's Text('g', -1)", () => {
  // Expected texts computed with Go's math/big as OPA's builtins use it (SetString at the default
  // precision, Quo/Add/Sub/Mul, Text('g', -1)); the same comparison passed on 900 random cases.
  const cases: [string, string][] = [
    ['1 / 3', '0.33333333333333333334'],
    ['2 / 3', '0.6666666666666666667'],
    ['-1 / 3', '-0.33333333333333333334'],
    ['22 / 7', '3.1428571428571428572'],
    ['1000000 / 3', '333333.33333333333334'],
    ['10000000 / 3', '3.3333333333333333333e+06'],
    ['1 / 3000000', '3.3333333333333333333e-07'],
    ['1e-7 / 3', '3.3333333333333333333e-08'],
    ['10000000000 / 4', '2.5e+09'],
    ['123.456 / 0.001', '123456.00000000000001'],
    ['1 / 9999999999999999999', '1.0000000000000000001e-19'],
    ['12345678901234567890123 / 7', '1.7636684144620811272e+21'],
    ['15.3 / 3', '5.1'],
    ['0.3 / 0.1', '3'],
    ['1 / 1024', '0.0009765625'],
    ['0 / -5', '-0'],
  ];
  it.each(cases)('%s is %s', async (expr, want) => {
    expect(await value(`json.marshal(${expr})`)).toBe(want);
  });
  it('divides int32-range integers exactly when the divisor divides the dividend (OPA\'s int path)', async () => {
    expect(await value('json.marshal([6 / 3, -6 / 3, -2147483648 / -1, 0 / 5])')).toBe('[2,-2,2147483648,0]');
  });
  it('keeps computing on a non-integral quotient in 64-bit big.Floats, as OPA does', async () => {
    const chains: [string, string][] = [
      ['(1 / 3) * 100', '33.333333333333333336'],
      ['(1 / 3) * 3', '1'],
      ['(1 / 7) * 7', '1'],
      ['(2 / 3) - 0.5', '0.16666666666666666668'],
      ['(22 / 7) + 1', '4.142857142857142857'],
      ['(10000000 / 3) - 3333333', '0.3333333333332575421'],
      ['((1 / 3) * 3) + 0.1', '1.1'],
    ];
    for (const [expr, want] of chains) expect(await value(`json.marshal(${expr})`), expr).toBe(want);
    expect(await value('1 / 3 == 0.33333333333333333334')).toBe(true);
  });
});

describe('builtins meshguard leaves out can still be mocked with `with` (OPA conformance: withkeyword)', () => {
  const program = (extra: string): string => `package t\nimport rego.v1\nallow if "admin" in http.send({"method": "GET", "url": "http://x"}).body.roles\n${extra}`;
  const mocked = 'test_allow if { allow with http.send as {"body": {"roles": ["admin"]}} }\nunmocked := allow\n';

  it('a program that mocks http.send compiles, and the mock answers', async () => {
    expect(await evalQuery('x = data.t.test_allow', [{ path: 't.rego', source: program(mocked) }])).toEqual([{ x: true }]);
  });
  it('a call that reaches http.send unmocked fails the evaluation with the reason, in every mode', async () => {
    for (const strict of [false, true]) {
      await expect(evalQuery('x = data.t.unmocked', [{ path: 't.rego', source: program(mocked) }], { strictBuiltinErrors: strict }))
        .rejects.toThrow(/eval_builtin_error: http.send: not supported by meshguard: policies evaluated by meshguard do no I\/O.*only a `with http.send as \.\.\.` mock/);
    }
  });
  it('without a mock anywhere it stays a compile error', async () => {
    await expect(evalQuery('x = data.t.allow', [{ path: 't.rego', source: program('') }])).rejects.toThrow(/rego_type_error: builtin http.send is not supported by meshguard/);
  });
  it("fails http.send's own request checks as OPA does before any I/O (OPA conformance: invalidkeyerror)", async () => {
    const call = (req: string, strict = true): Promise<unknown> => value(`v if { v := http.send(${req}) }`, { strict });
    await expect(call('{"method": "get"}')).rejects.toThrow(/eval_type_error: http.send: operand 1 missing required request parameters\(s\): \{"url"\}/);
    await expect(call('{}')).rejects.toThrow(/missing required request parameters\(s\): \{"method", "url"\}/);
    await expect(call('{"method": "get", "url": "http://x", "foo": 1, "bar": 2}')).rejects.toThrow(/eval_type_error: http.send: operand 1 invalid request parameters\(s\): \{"bar", "foo"\}/);
    await expect(call('"http://x"')).rejects.toThrow(/eval_type_error: http.send: operand 1 must be object but got string/);
    await expect(call('{"method": "get", "url": "http://x", "raise_error": "no"}')).rejects.toThrow(/eval_builtin_error: http.send: invalid value for raise_error field/);
    // Not strict: the failed call is undefined, as OPA's builtin errors are by default.
    expect(await call('{"method": "get"}', false)).toBeUndefined();
  });
  it('keeps a request that would pass the checks (or is not constant) a compile error: only I/O could answer it', async () => {
    await expect(value('v if { v := http.send({"method": "get", "url": "http://x"}) }')).rejects.toThrow(/rego_type_error: builtin http.send is not supported by meshguard/);
    await expect(value('v if { v := http.send({"method": "get", "url": input.url}) }')).rejects.toThrow(/rego_type_error: builtin http.send is not supported by meshguard/);
    await expect(value('v if { v := http.send({"method": "get", "raise_error": false}) }')).rejects.toThrow(/rego_type_error: builtin http.send is not supported by meshguard/);
  });
  it('opa.runtime() is {} as in OPA embedded without runtime information: no environment', async () => {
    expect(await value('opa.runtime()')).toEqual({});
    const source = 'package t\nimport rego.v1\np := x if { x = time.now_ns() with time.now_ns as opa.runtime }\n';
    expect(await evalQuery('x = data.t.p', [{ path: 't.rego', source }])).toEqual([{ x: {} }]);
  });
});

describe('time builtins take nanoseconds past 2^53 exactly (Go time.Time from an int64)', () => {
  it('formats the fraction the timestamp has, trailing zeros dropped as RFC3339Nano does', async () => {
    expect(await value('time.format(1703444325734390000)')).toBe('2023-12-24T18:58:45.73439Z');
    expect(await value('time.format([1703444325734390001, "UTC", "2006-01-02T15:04:05.000000000"])')).toBe('2023-12-24T18:58:45.734390001');
    expect(await value('time.format(17034443257343900e2)')).toBe('2023-12-24T18:58:45.73439Z');
  });
  it('returns exact nanoseconds (parse_rfc3339_ns, add_date)', async () => {
    expect(await value('time.parse_rfc3339_ns("2023-12-24T18:58:45.734390001Z") == 1703444325734390001')).toBe(true);
    expect(await value('time.add_date(1703444325734390001, 1, 0, 0) == 1735066725734390001')).toBe(true);
    expect(await value('time.date(1703444325734390000)')).toEqual([2023, 12, 24]);
  });
  it('refuses a timestamp that is not an integer ("timestamp too big" in OPA)', async () => {
    await expect(value('time.format(1.5)', { strict: true })).rejects.toThrow(/eval_builtin_error: time.format: timestamp too big/);
    expect(await value('time.date([1703444325734390000.5, "UTC"])')).toBeUndefined();
  });
});
