import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlFast } from '../../src/load/fast-yaml.js';
import { extractResources } from '../../src/load/resources.js';
import { parseYaml } from '../../src/load/yaml.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? yamlFiles(full) : /\.(ya?ml|json)$/.test(entry) ? [full] : [];
  });
}

const snapshot = (text: string, parse: typeof parseYaml) => {
  const result = parse(text);
  return {
    values: result.documents.map((d) => ({ index: d.index, value: d.value })),
    // Where the parser gives up on deep nesting depends on the stack left: compare lines only.
    problems: [...new Set(result.problems.map((p) => `${p.code}@${p.range.line}`))],
    ranges: result.documents.map((d) => d.locate(['metadata', 'name'])),
  };
};

/** The fast path is an optimisation only: on every fixture it must agree with the exact parser. */
describe('fast YAML path', () => {
  const files = yamlFiles(FIXTURES).filter((f) => {
    const bytes = readFileSync(f);
    return !bytes.subarray(0, 8192).includes(0);
  });

  it.each(files.map((f) => [path.relative(FIXTURES, f), f]))('agrees with the exact parser on %s', (_name, file) => {
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    expect(snapshot(text, parseYamlFast)).toEqual(snapshot(text, parseYaml));
  });

  it('takes the exact path for anchors, tags and complex keys', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: !vault x\n', '? [a]\n: 1\n']) {
      expect(parseYamlFast(text).documents.map((d) => d.value)).toEqual(parseYaml(text).documents.map((d) => d.value));
    }
  });
});

describe('resources from parsed documents', () => {
  it('leaves exact positions unresolved for documents that are not Kubernetes objects until they are reported', () => {
    let resolved = 0;
    const origin = { line: 1, column: 1, endLine: 1, endColumn: 1 };
    const documents = [{ index: 0, value: { some: 'data' } }, { index: 1, value: { apiVersion: 'v1', kind: 'List', items: [{ nope: true }] } }].map((d) => ({
      ...d,
      get range() {
        resolved++;
        return origin;
      },
      locate: () => {
        resolved++;
        return origin;
      },
    }));
    const { nonKubernetes } = extractResources(documents, { file: 'x.json', defaultNamespace: 'default' });
    expect(nonKubernetes.map((d) => d.documentIndex)).toEqual([0, 1]);
    expect(resolved).toBe(0);
    expect(nonKubernetes[1]!.range()).toEqual(origin);
    expect(resolved).toBe(1);
  });
});
