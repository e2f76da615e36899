// Builtin differences from OPA found by OPA's conformance cases outside the shared sample (issue #18).
import { describe, expect, it } from 'vitest';
import { evalQuery } from '../../src/rego/index.js';

const one = async (expr: string, strict = false): Promise<unknown> => {
  const rows = await evalQuery(`x := ${expr}`, [], { strictBuiltinErrors: strict });
  return rows[0]?.x;
};

describe('builtins as OPA 1.x has them', () => {
  it('graph.reachable_paths ends a path before an edge to a node the graph lacks', async () => {
    const g = '{"one": ["two"], "two": ["three", ""], "three": [""]}';
    expect(await one(`graph.reachable_paths(${g}, {"one"})`)).toEqual([['one', 'two'], ['one', 'two', 'three']]);
  });

  it('strings.render_template prints a missing key as <undefined>', async () => {
    expect(await one('strings.render_template("a {{.x}} {{.y}}", {"y": 1})')).toBe('a <undefined> 1');
  });

  it('object.subset compares arrays nested in objects as contiguous runs, as at the top level', async () => {
    expect(await one('object.subset({"n": {"a": [6, 7, 8, 9], "s": {1, 2}}}, {"n": {"a": [7, 8], "s": {2}}})')).toBe(true);
    expect(await one('object.subset({"n": {"a": [6, 7, 8, 9]}}, {"n": {"a": [6, 8]}})')).toBe(false);
  });

  it('hex.decode rejects what Go\'s hex.DecodeString rejects', async () => {
    expect(await one('hex.decode("6869")')).toBe('hi');
    await expect(one('hex.decode("fghijkl")', true)).rejects.toThrow(/eval_builtin_error: hex\.decode: encoding\/hex: invalid byte: U\+0067 'g'/);
    await expect(one('hex.decode("686")', true)).rejects.toThrow(/odd length hex string/);
    expect(await one('hex.decode("zz")')).toBeUndefined();
  });
});
