import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/load.js';
import { loadWorkspace, parseSourceText } from '../../src/load/index.js';
import { parseYamlFast } from '../../src/load/fast-yaml.js';
import { ParseCache } from '../../src/load/parse-cache.js';
import { MAX_PROBLEMS_PER_FILE, parseYaml } from '../../src/load/yaml.js';
import { withinAliasBudget } from '../../src/load/alias-budget.js';

const configMap = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n${data}`;

/** A billion-laughs document whose anchor names are outside [\w.-] (`&$a`): no path may skip the budget. */
function bomb(prefix: string): string {
  let text = `a: &${prefix}a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  let previous = `${prefix}a`;
  for (let level = 0; level < 9; level++) {
    const name = `${prefix}${String.fromCharCode(98 + level)}`;
    text += `${String.fromCharCode(98 + level)}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
    previous = name;
  }
  return text;
}

describe('work and findings per file are bounded', () => {
  // The file of the report (1.4 MB, 200,000 keys) on the path files take; the exact parser on a smaller one.
  it.each([
    [parseYamlFast, 200_000],
    [parseYaml, 5_000],
  ])('reports duplicate keys as the first ones plus one summary, without recursion (%o, %i keys)', (parse, keys) => {
    const { documents, problems } = parse(configMap('  k: v\n'.repeat(keys)));
    expect(documents).toEqual([]);
    expect(problems).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(problems[0]).toMatchObject({ code: 'DUPLICATE_KEY', range: { line: 7, column: 3 } });
    expect(problems.at(-1)).toMatchObject({ code: 'TOO_MANY_PROBLEMS', message: expect.stringContaining(`${keys - 1 - MAX_PROBLEMS_PER_FILE} more`) });
  });

  it('finds duplicate keys on the fast path where the exact parser finds them, typed like yaml compares them', () => {
    const text = configMap('  a: 1\n  "1": x\n  b: 2\n  a: 3\n') + '---\n{1: a, "1": b}\n';
    const fast = parseYamlFast(text);
    const exact = parseYaml(text);
    expect(fast.problems).toEqual(exact.problems);
    expect(fast.problems.map((p) => `${p.code}@${p.range.line}:${p.range.column}`)).toEqual(['DUPLICATE_KEY@9:3']);
    expect(fast.documents.map((d) => d.value)).toEqual(exact.documents.map((d) => d.value));
  });

  it.each([['', 'word anchors'], ['$', 'anchors outside [\\w.-]']])('stops an alias bomb with %s on every path (%s)', (prefix) => {
    const text = bomb(prefix);
    for (const parse of [parseYamlFast, parseYaml]) {
      const { documents, problems } = parse(text);
      expect(documents).toEqual([]);
      expect(problems.map((p) => p.code)).toEqual(['ALIAS_EXPANSION']);
    }
  });

  it('keeps ordinary anchors and merge keys on the fast path with the same values and positions', () => {
    const text = 'base: &$base\n  image: nginx:1.27\njob:\n  <<: *$base\n  script: [echo]\nlist: [*$base, *$base]\n';
    const fast = parseYamlFast(text);
    const exact = parseYaml(text);
    expect(fast.documents[0]!.value).toEqual(exact.documents[0]!.value);
    for (const p of [['job', 'image'], ['job', 'script', 0], ['list', 1, 'image'], ['list', 1]]) {
      expect(fast.documents[0]!.locate(p)).toEqual(exact.documents[0]!.locate(p));
    }
  });

  it('loads 50,000 anchors and 50,000 aliases in one linear pass with exact positions', () => {
    const n = 50_000;
    const text = `a:\n${Array.from({ length: n }, (_, i) => `  k${i}: &a${i} v${i}\n`).join('')}b:\n${Array.from({ length: n }, (_, i) => `  - *a${i}\n`).join('')}`;
    const { documents, problems } = parseYamlFast(text);
    expect(problems).toEqual([]);
    const value = documents[0]!.value as { b: string[] };
    expect(value.b[n - 1]).toBe(`v${n - 1}`);
    // Through an alias, a position is the anchored node's.
    expect(documents[0]!.locate(['b', n - 1])).toMatchObject({ line: n + 2 + n, column: 5 });
  });

  it('loads a file of 200,000 small documents: no call stack overflow, no rescan of the rest of the file per document', async () => {
    // Once `resources.push(...parsed)` overflowed the stack past ~120,000 resources (exit 2, "internal error"),
    // and each block mapping searched the rest of the file for a comment (100,000 documents: 12 s to load).
    const n = 200_000;
    const text = Array.from({ length: n }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d${i}\n`).join('');
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-documents-'));
    try {
      writeFileSync(path.join(dir, 'many.yaml'), text);
      // Over the default object cap on purpose: this is about the loader, when a user raises the cap.
      const workspace = await loadWorkspace(['.'], dir, { ...DEFAULT_CONFIG, maxObjectsPerFile: n });
      expect(workspace.problems).toEqual([]);
      expect(workspace.resources).toHaveLength(n);
      expect(workspace.resources[n - 1]!.source.locate(['metadata', 'name'])).toMatchObject({ line: 5 * n });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts shared values each time they appear, and a value that contains itself as unbounded', () => {
    const leaf = { x: 1 };
    const shared = [leaf, leaf, leaf];
    expect(withinAliasBudget({ a: shared, b: shared }, 20)).toBe(true);
    expect(withinAliasBudget({ a: shared, b: shared, c: shared }, 20)).toBe(false);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(withinAliasBudget(cyclic)).toBe(false);
  });
});

describe('the parse cache never sees an expanded bomb', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-bounds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the bomb and saves a cache that can be read back', async () => {
    const cache = await ParseCache.open(path.join(dir, 'cache.json'));
    const { problems } = parseSourceText({ path: 'bomb.yaml', text: bomb('$') }, DEFAULT_CONFIG, cache);
    expect(problems.map((p) => `${p.ruleId}/${p.messageId}`)).toEqual(['yaml-syntax/ALIAS_EXPANSION']);
    await cache.save();
    const reopened = await ParseCache.open(path.join(dir, 'cache.json'));
    expect(reopened.get(ParseCache.keyOf(bomb('$')))).toBeUndefined();
  });
});

describe('objects per file are capped (memory stays bounded whatever the file holds)', () => {
  const config = { ...DEFAULT_CONFIG, maxObjectsPerFile: 3 };
  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

  it('checks a file at the cap', () => {
    const text = ['a', 'b', 'c'].map((n) => `---\n${cm(n)}`).join('');
    const { resources, problems } = parseSourceText({ path: 'at-cap.yaml', text }, config);
    expect(problems).toEqual([]);
    expect(resources.map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a file of more documents than the cap before parsing it, with one finding', () => {
    // Document 5 is not even valid YAML: the file is refused before any parse.
    const text = `${cm('a')}---\n${cm('b')}--- \n${cm('c')}---\r\n${cm('d')}---\n: [\n`;
    const { resources, problems } = parseSourceText({ path: 'many.yaml', text }, config);
    expect(resources).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({
      ruleId: 'input-unreadable',
      messageId: 'tooManyObjects',
      file: 'many.yaml',
      message: expect.stringContaining('5 documents, over the limit of 3 (maxObjectsPerFile)'),
    })]);
  });

  it('does not count `---` that does not start a document', () => {
    const text = `${cm('a')}data:\n  k: |\n    ---\n    ---\n  j: "a---b"\n  l: ----\n`;
    const { resources, problems } = parseSourceText({ path: 'dashes.yaml', text }, config);
    expect(problems).toEqual([]);
    expect(resources).toHaveLength(1);
  });

  it('counts the items of a List object against the cap too', () => {
    const items = ['a', 'b', 'c', 'd'].map((n) => `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ${n}\n`).join('');
    const { resources, problems } = parseSourceText({ path: 'list.yaml', text: `apiVersion: v1\nkind: List\nitems:\n${items}` }, config);
    expect(resources).toEqual([]);
    expect(problems.map((p) => `${p.messageId}: ${p.message}`)).toEqual([expect.stringMatching(/^tooManyObjects: file holds 4 objects, over the limit of 3/)]);
  });

  it('takes maxObjectsPerFile from .meshguard.yaml', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshguard-cap-'));
    try {
      writeFileSync(path.join(dir, '.meshguard.yaml'), 'maxObjectsPerFile: 2\n');
      writeFileSync(path.join(dir, 'three.yaml'), ['a', 'b', 'c'].map((n) => `---\n${cm(n)}`).join(''));
      const { config: loaded } = await loadConfig(dir);
      const workspace = await loadWorkspace(['.'], dir, loaded);
      expect(workspace.problems.map((p) => p.messageId)).toEqual(['tooManyObjects']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
