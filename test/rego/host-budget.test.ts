// Issue 20 item 14: host builtins build values in the JS heap, outside the module's 256 MiB memory.
// A policy that multiplies a string through them must end with eval_memory_limit_error, not grow the
// process towards V8's string limit (or run for minutes, as regex.replace over a million matches did).
import { describe, expect, it } from 'vitest';
import { evalQuery } from '../../src/rego/index.js';
import { HOST_RESULT_LIMIT, resultSize } from '../../src/rego/builtins/budget.js';

const MIB = 1024 * 1024;

/** A 1,000,000-character string of "x" built in the module, then one host call that multiplies it. */
function blowUp(call: string): string {
  return `package t\nimport rego.v1\ns := concat("", ["x" | some _ in numbers.range(1, 1000000)])\nr := ${call}\nx := count(r)\n`;
}

async function run(source: string, strict = false): Promise<unknown> {
  return evalQuery('x = data.t.x', [{ path: 't.rego', source }], { strictBuiltinErrors: strict });
}

describe('host builtins count their results against the evaluation memory budget', () => {
  const long = 'y'.repeat(2000);

  it.each([
    ['replace', `replace(s, "x", "${long}")`],
    ['strings.replace_n', `strings.replace_n({"x": "${long}"}, s)`],
    ['regex.replace', `regex.replace(s, "x", "${long}")`],
    ['strings.render_template', `strings.render_template("{{range .xs}}${long}{{end}}", {"xs": numbers.range(1, 100000)})`],
  ])('%s: a 2 GB result fails the evaluation with eval_memory_limit_error, in default and strict mode', async (name, call) => {
    const before = process.memoryUsage().rss;
    for (const strict of [false, true]) {
      const err = await run(blowUp(call), strict).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).toMatch(new RegExp(`eval_memory_limit_error: ${name.replace('.', '\\.')}: result of .* exceeds the 64 MiB a builtin may allocate per call`));
    }
    // The 2 GB string is never built: the process grows by well under the result it refused.
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * MIB);
  });

  it('a string doubled rule after rule through host builtins stops at the memory limit with bounded RSS', async () => {
    let source = 'package t\nimport rego.v1\ns0 := "x"\n';
    for (let i = 0; i < 40; i++) source += i % 2 ? `s${i + 1} := replace(s${i}, "x", "xx")\n` : `s${i + 1} := strings.replace_n({"x": "xx"}, s${i})\n`;
    source += 'x := count(s40)\n';
    const before = process.memoryUsage().rss;
    await expect(run(source)).rejects.toThrow(/eval_memory_limit_error/);
    expect(process.memoryUsage().rss - before).toBeLessThan(1024 * MIB);
  });

  it('ordinary results pass untouched', async () => {
    expect(await run(blowUp('replace(s, "x", "yy")'))).toEqual([{ x: 2_000_000 }]);
  });

  it('measures a result only up to the limit', () => {
    expect(resultSize('abc')).toBe(11);
    expect(resultSize({ a: ['b', 1] })).toBe(8 + 1 + 8 + 9 + 8);
    const huge = Array.from({ length: 2000 }, () => 'z'.repeat(64 * 1024));
    expect(resultSize(huge)).toBeGreaterThan(HOST_RESULT_LIMIT);
    expect(resultSize(huge)).toBeLessThan(HOST_RESULT_LIMIT + 128 * 1024);
  });
});
