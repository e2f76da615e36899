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

  it('reads `not [x]` as a negated array, not as a ref into a var named not', () => {
    const [e] = parseQuery('not [input.x]');
    expect(e).toMatchObject({ negated: true, kind: 'term', term: { type: 'array' } });
  });

  it('reads `[a | b, c]` as an array whose first item is a union when the bar starts no comprehension body', () => {
    const [e] = parseQuery('z := [x | y, 5]');
    expect(e).toMatchObject({ kind: 'assign', right: { type: 'array', items: [{ type: 'call', name: ['or'] }, { type: 'number', text: '5' }] } });
    const [compr] = parseQuery('z := [x | y; x := 1]');
    expect(compr).toMatchObject({ kind: 'assign', right: { type: 'arraycomp' } });
    expect(() => parseQuery('z := [x | x := ]')).toThrow(/unexpected \] token/);
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

describe('METADATA blocks', () => {
  it('attaches YAML annotations to the package and to the following rule', async () => {
    const { metadataBlocks } = await import('../../src/rego/metadata.js');
    const m = parseModule('m.rego', [
      '# METADATA', '# title: pkg', 'package p', '', 'import rego.v1', '',
      '# METADATA', '# title: Privileged', '# custom:', '#   severity: high', 'deny contains "x" if true', '',
    ].join('\n'));
    const blocks = metadataBlocks(m);
    expect(blocks.map((b) => b.target.kind)).toEqual(['package', 'rule']);
    expect(blocks[1]!.annotations).toEqual({ title: 'Privileged', custom: { severity: 'high' } });
    expect(blocks[1]!.loc).toEqual({ file: 'm.rego', line: 7, col: 1 });
  });
});

describe('rego parser: where OPA ends an expression', () => {
  it('continues an expression over an operator that starts the next line', () => {
    const [a, b] = parseQuery('input.x\n== 5\ninput.y == 6');
    expect(a).toMatchObject({ kind: 'term', term: { type: 'call', name: ['equal'] } });
    expect(b).toMatchObject({ kind: 'term', term: { type: 'call', name: ['equal'] } });
  });

  it('reads `key, value in collection` on the right of := and =', () => {
    const [e] = parseQuery('b := 0, 2 in [5, 6]');
    expect(e).toMatchObject({ kind: 'assign', right: { type: 'call', name: ['internal', 'member_3'] } });
  });

  it('accepts a v0 body that opens on the next line, and asks for `if` in v1', () => {
    const m = parseModule('p.rego', 'package a\np[x]\n{\n\tx := 1\n}\n', { v0: true });
    expect(m.rules).toHaveLength(1);
    expect(m.rules[0]!.body).toHaveLength(1);
    expect(() => parseModule('p.rego', 'package a\np\n{\n\ttrue\n}\n')).toThrow(/`if` keyword is required before rule body/);
  });
});

describe('rego parser: negated blocks', () => {
  it('rejects `not { a; b }` as OPA does: `not` takes one expression, and the brace is a set that does not end', () => {
    for (const src of ['package a\np if { not { input.a; input.b } }\n', 'package a\np if { not { input.a\n input.b } }\n']) {
      expect(() => parseModule('p.rego', src)).toThrow(/rego_parse_error/);
    }
    // A brace that is a whole set literal is an ordinary negated term.
    expect(parseModule('p.rego', 'package a\np if { not {1, 2} }\n').rules[0]!.body[0]).toMatchObject({ negated: true, term: { type: 'set' } });
  });
});
