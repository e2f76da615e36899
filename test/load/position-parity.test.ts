import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlFast } from '../../src/load/fast-yaml.js';
import { parseYaml } from '../../src/load/yaml.js';
import type { JsonPath } from '../../src/model/types.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? yamlFiles(full) : /\.(ya?ml|json)$/.test(entry) ? [full] : [];
  });
}

/** Every path of a value (each shared object once), plus one missing child under every collection. */
export function everyPath(value: unknown): JsonPath[] {
  const paths: JsonPath[] = [[]];
  const seen = new Set<object>();
  const stack: { value: unknown; path: JsonPath }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path: at } = stack.pop()!;
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    paths.push([...at, '__missing__', 'deeper']);
    const entries: [string | number, unknown][] = Array.isArray(current) ? current.map((v, i) => [i, v]) : Object.entries(current);
    for (const [key, child] of entries) {
      paths.push([...at, key]);
      stack.push({ value: child, path: [...at, key] });
    }
  }
  return paths;
}

/**
 * The fast path's positions come from js-yaml's events, the exact path's from `yaml`'s AST: on every node
 * of every fixture (and a missing path under every collection) they must be the same line:column range.
 */
describe('positions of the fast path equal the exact parser\'s', () => {
  const files = yamlFiles(FIXTURES).filter((f) => !readFileSync(f).subarray(0, 8192).includes(0));

  it.each(files.map((f) => [path.relative(FIXTURES, f), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const fast = parseYamlFast(text);
    const exact = parseYaml(text);
    expect(fast.documents.map((d) => d.index)).toEqual(exact.documents.map((d) => d.index));
    for (const [i, doc] of exact.documents.entries()) {
      const fastDoc = fast.documents[i]!;
      if (doc.value !== null && doc.value !== undefined) expect(fastDoc.range, `document ${doc.index}`).toEqual(doc.range);
      for (const p of everyPath(doc.value)) expect(fastDoc.locate(p), `document ${doc.index} ${JSON.stringify(p)}`).toEqual(doc.locate(p));
    }
  });
});
