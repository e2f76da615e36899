import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { parseYaml } from '../../src/load/yaml.js';

describe('positions', () => {
  const text = [
    'apiVersion: v1', //                    1
    'kind: Namespace', //                   2
    'metadata:', //                         3
    '  name: a', //                         4
    '---', //                               5
    'apiVersion: v1', //                    6
    'kind: List', //                        7
    'items:', //                            8
    '  - apiVersion: v1', //                9
    '    kind: ConfigMap', //               10
    '    metadata: {name: b, namespace: x}', // 11
    '    data:', //                         12
    '      key: "value"', //                13
  ].join('\n');

  it('locates nodes across documents and inside unwrapped List items', () => {
    const { resources } = parseSourceText({ path: 'm.yaml', text }, DEFAULT_CONFIG);
    expect(resources.map((r) => `${r.kind}/${r.namespace ?? '-'}/${r.name}#${r.source.documentIndex}`)).toEqual(['Namespace/-/a#0', 'ConfigMap/x/b#1']);
    const configMap = resources[1]!;
    expect(configMap.id).toBe('m.yaml#1/0');
    expect(configMap.source.locate(['data', 'key'])).toMatchObject({ line: 13, column: 7, endLine: 13, endColumn: 19 });
    expect(configMap.source.locate(['metadata', 'name'])).toMatchObject({ line: 11, column: 16 });
  });

  it('falls back to the deepest existing node for a missing path', () => {
    const { resources } = parseSourceText({ path: 'm.yaml', text }, DEFAULT_CONFIG);
    expect(resources[1]!.source.locate(['data', 'missing', 'deeper'])).toMatchObject({ line: 12, column: 5 });
    expect(resources[0]!.source.locate(['spec'])).toMatchObject({ line: 1, column: 1 });
  });

  it('follows merge keys and aliases to where a value is written', () => {
    const { documents } = parseYaml('base: &base\n  image: nginx:1.27\njob:\n  <<: *base\n  script: [echo]\n');
    expect(documents[0]!.locate(['job', 'image'])).toMatchObject({ line: 2, column: 3 });
    expect(documents[0]!.locate(['job', 'script', 0])).toMatchObject({ line: 5, column: 12 });
  });

  it('gives namespaced kinds the default namespace and cluster-scoped kinds none', () => {
    const { resources } = parseSourceText(
      { path: 'n.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n' },
      { ...DEFAULT_CONFIG, defaultNamespace: 'team-a' },
    );
    expect(resources.map((r) => r.namespace)).toEqual(['team-a', undefined]);
  });

  it('ignores documents without apiVersion/kind unless asked', () => {
    const source = { path: 'values.yaml', text: 'replicas: 3\nimage: nginx\n' };
    expect(parseSourceText(source, DEFAULT_CONFIG).problems).toEqual([]);
    expect(parseSourceText(source, { ...DEFAULT_CONFIG, reportNonKubernetes: true }).problems.map((p) => p.ruleId)).toEqual(['not-kubernetes']);
  });
});

describe('columns', () => {
  it('count Unicode code points, not UTF-16 units', () => {
    const { documents } = parseYaml('a: "😀😀"\nb: {x: "é", y: "😀", z: 1}\n');
    // 😀 is two UTF-16 units but one code point: z is code point 21 (UTF-16 unit 22).
    expect(documents[0]!.locate(['b', 'z'])).toMatchObject({ line: 2, column: 21 });
  });
});
