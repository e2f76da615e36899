import { describe, expect, it } from 'vitest';
import { parseModule, parseQuery } from '../../src/rego/parser.js';
import { RegoError } from '../../src/rego/errors.js';

describe('rego parser', () => {
  it('parses v1 rules with positions and keeps comments for METADATA', () => {
    const m = parseModule('p.rego', 'package a.b\n\nimport rego.v1\n\n# METADATA\n# title: t\ndeny contains msg if {\n\tmsg := "x"\n}\n');
    expect(m.package).toEqual(['a', 'b']);
    expect(m.rules).toHaveLength(1);
    expect(m.rules[0]!.head.contains).toBe(true);
    expect(m.rules[0]!.loc).toEqual({ file: 'p.rego', line: 7, col: 1 });
    expect(m.comments.map((c) => [c.text, c.loc.line])).toEqual([[' METADATA', 5], [' title: t', 6]]);
  });

  it('parses v0 partial sets and objects', () => {
    const m = parseModule('p.rego', 'package a\ndeny[msg] { msg := "x" }\np[k] = v { k := "a"; v := 1 }\n', { v0: true });
    expect(m.rules[0]!.v0Set).toBe(true);
    expect(m.rules[1]!.v0Set).toBe(false);
    expect(m.rules[1]!.head.value).toBeDefined();
  });

  it('treats newlines as expression separators but not inside brackets', () => {
    const body = parseQuery('x := [\n1,\n2\n]\ny := x[0]');
    expect(body).toHaveLength(2);
  });

  it('reports parse errors as file:line:col: rego_parse_error', () => {
    try {
      parseModule('bad.rego', 'package a\n\np if {\n  x := \n}\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RegoError);
      expect((e as RegoError).message).toMatch(/^bad\.rego:\d+:\d+: rego_parse_error: /);
    }
  });

  it('parses membership with keys, every and some-in', () => {
    const body = parseQuery('"a", 1 in {"a": 1}; every x in [1] { x > 0 }; some k, v in {"a": 1}');
    expect(body.map((e) => e.kind)).toEqual(['term', 'every', 'somein']);
  });
});
