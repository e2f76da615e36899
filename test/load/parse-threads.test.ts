import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCrdBundle } from '../../src/bench/generate.js';
import { parseYamlFast } from '../../src/load/fast-yaml.js';
import { decodeRoot, indexedDocuments, type PositionNode } from '../../src/load/position-index.js';
import { countDocumentStarts, joinPreparsed, parseWithRecorder, preparse, splitPoints, type Preparsed } from '../../src/load/preparse.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? yamlFiles(full) : /\.(ya?ml|json)$/.test(entry) ? [full] : [];
  });
}

const texts = yamlFiles(FIXTURES)
  .filter((f) => !readFileSync(f).includes(0))
  .map((f) => ({ name: path.relative(FIXTURES, f), text: readFileSync(f, 'utf8').replace(/^\uFEFF/, '') }));

/** What position lookups read of a node: everything but the values of nodes that are not mapping keys. */
function shape(node: PositionNode, isKey = false): unknown {
  return {
    kind: node.kind,
    start: node.start,
    end: node.end,
    ...(isKey ? { key: String(node.value) } : {}),
    ...(node.children ? { children: node.children.map((c, i) => shape(c, node.kind === 1 && i % 2 === 0 && c.kind === 0)) } : {}),
  };
}

/** Every path to a node of a value (map keys and list indexes), for comparing positions on all of them. */
function allPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => allPaths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) allPaths(v, [...prefix, k], out);
  return out;
}

function cutAt(text: string, points: readonly number[]): (Preparsed | undefined)[] {
  const bounds = [0, ...points, text.length];
  return bounds.slice(0, -1).map((start, i) => preparse(text.slice(start, bounds[i + 1]), start));
}

describe('preparsed files (parse threads and pieces of big files)', () => {
  it('encode the same position index the recorder builds, on every fixture', () => {
    let compared = 0;
    for (const { name, text } of texts) {
      const pre = preparse(text);
      if (!pre) continue;
      const direct = parseWithRecorder(text)!;
      expect(pre.values, name).toEqual(direct.values);
      expect(Array.from({ length: indexedDocuments(pre.index) }, (_, i) => shape(decodeRoot(pre.index, i))), name).toEqual(direct.recorder.roots.map((r) => shape(r)));
      compared++;
    }
    // Most fixtures take the plain path: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(texts.length / 2);
  });

  it('give every node of every fixture the range the one-thread path gives', () => {
    for (const { name, text } of texts) {
      const pre = preparse(text);
      if (!pre) continue;
      const alone = parseYamlFast(text);
      const ahead = parseYamlFast(text, undefined, pre);
      expect(ahead.problems).toEqual([]);
      expect(ahead.documents.length, name).toBe(alone.documents.length);
      ahead.documents.forEach((doc, i) => {
        const reference = alone.documents[i]!;
        expect(doc.value).toEqual(reference.value);
        expect(doc.range, name).toEqual(reference.range);
        for (const p of allPaths(doc.value)) expect(doc.locate(p), `${name} ${p.join('/')}`).toEqual(reference.locate(p));
      });
    }
  });

  it('leave to the main thread what has something to report or needs the exact parser', () => {
    for (const text of ['a: 1\na: 2\n', 'a: &x {b: 1}\nc: *x\n', 'base: &b {x: 1}\nd:\n  <<: *b\n', '? [a]\n: 1\n', 'a: [1\n', '# only a comment\n', '__proto__: {a: 1}\n']) {
      expect(preparse(text), text).toBeUndefined();
    }
    expect(preparse('a: 1\n')).toBeDefined();
  });

  it('cut a stream only at document markers at column 0, and not when it has directives', () => {
    const text = 'a: 1\n---\nb: |\n  ---\n  x\n--- \nc: 3\n---\n';
    expect(splitPoints(text, 8).map((at) => text.slice(at, at + 4))).toEqual(['---\n', '--- ', '---\n']);
    expect(splitPoints('%YAML 1.2\n---\na: 1\n---\nb: 2\n', 4)).toEqual([]);
    expect(splitPoints('a: 1\n', 4)).toEqual([]);
  });

  it('parse a fixture cut at any of its document markers as the whole of it', () => {
    let cuts = 0;
    for (const { name, text } of texts) {
      const whole = preparse(text);
      if (!whole) continue;
      for (const at of splitPoints(text, countDocumentStarts(text) * 4)) {
        const pieces = cutAt(text, [at]);
        // A piece that alone needs the exact parser makes the whole file go to it: nothing to compare.
        if (pieces.some((p) => !p)) continue;
        expect(joinPreparsed(pieces as Preparsed[]), `${name} cut at ${at}`).toEqual(whole);
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(50);
  });

  it('parse a generated CRD bundle cut into pieces as the whole of it', async () => {
    const file = path.join(tempDir(), 'install.yaml');
    await generateCrdBundle(file, 6, 1_500_000);
    const text = readFileSync(file, 'utf8');
    const points = splitPoints(text, 7);
    expect(points.length).toBe(6);
    const pieces = cutAt(text, points);
    expect(pieces.every((p) => p !== undefined)).toBe(true);
    expect(joinPreparsed(pieces as Preparsed[])).toEqual(preparse(text));
  });
});
