import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCrdBundle } from '../../src/bench/generate.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { loadWorkspace } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import AjvModule from 'ajv';
import { crdVersions, isValidStructuralSchema, toAjvSchema } from '../../src/model/schema/crd.js';
import { isValidConvertedSchema } from '../../src/model/schema/interpret.js';
import { AJV_OPTIONS, SchemaRegistry } from '../../src/model/schema/registry.js';
import type { Resource } from '../../src/model/types.js';
import { corpusAvailable, materializeCorpus, tempCorpusDir, type CorpusSource } from '../helpers/mirror.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * CRD schemas are interpreted rather than compiled by ajv (registry `interpretCrds`): the interpreter must give
 * ajv's very errors (keyword, path, params, message, order) on every custom resource and on mutants of them
 * that break each kind of constraint.
 */
const interpreted = new SchemaRegistry(true, true);
const compiled = new SchemaRegistry(true, false);

/** Keywords of the errors compared so far: the comparison must cover every kind of constraint. */
const keywords = new Set<string>();

function errorsOf(registry: SchemaRegistry, resource: Resource, inventory: Inventory): unknown[] | undefined {
  const schema = registry.resolve(resource, inventory);
  if (!schema) return undefined;
  schema.validate(resource.object);
  for (const e of schema.validate.errors ?? []) keywords.add(e.keyword);
  return (schema.validate.errors ?? []).map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, params: e.params, message: e.message, source: schema.source }));
}

/** Variants of a value that break each kind of constraint: types, enums, lengths, patterns, bounds, required keys. */
function variants(value: unknown): unknown[] {
  if (typeof value === 'string') return [7, '', 'a'.repeat(300), '!! not a name', `${value}-x`, '😀'];
  if (typeof value === 'number') return ['x', -1, 1e9, 1.5, 0.3, 4, String(value)];
  if (typeof value === 'boolean') return ['x', 0];
  if (Array.isArray(value)) return [[], {}, value.length > 0 ? [value[0], value[0]] : ['a', 'a'], ['x'], [...value, ...value, 'x', 'y']];
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    const withoutFirst = Object.fromEntries(Object.entries(value).slice(1));
    return [[], 'x', { ...value, unknownFieldHere: 'x' }, { ...value, a: '1', b: '2', c: '' }, ...(keys.length > 0 ? [withoutFirst, {}] : [])];
  }
  return ['x', 1];
}

/** Deterministic variants of an object: every node below spec and metadata replaced by each of its variants. */
function* mutants(object: Record<string, unknown>, limit: number): Generator<Record<string, unknown>> {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, at: (string | number)[]): void => {
    if (at.length > 0) paths.push(at);
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...at, i]));
    else if (node && typeof node === 'object') for (const [key, value] of Object.entries(node)) if (at.length > 0 || key === 'spec' || key === 'metadata') walk(value, [...at, key]);
  };
  walk(object, []);
  let made = 0;
  for (const at of paths) {
    let original: any = object;
    for (const segment of at) original = original[segment];
    for (const replacement of variants(original)) {
      const copy = structuredClone(object);
      let parent: any = copy;
      for (const segment of at.slice(0, -1)) parent = parent[segment];
      parent[at[at.length - 1]!] = replacement;
      yield copy;
      if (++made >= limit) return;
    }
  }
}

async function compareOn(dir: string, inputs: readonly string[], mutantsPerResource: number): Promise<number> {
  const workspace = await loadWorkspace(inputs, dir, DEFAULT_CONFIG);
  const inventory = new Inventory(workspace.resources);
  let compared = 0;
  for (const resource of workspace.resources) {
    if (!interpreted.hasCrd(resource, inventory)) continue;
    expect(errorsOf(interpreted, resource, inventory), resource.id).toEqual(errorsOf(compiled, resource, inventory));
    compared++;
    for (const object of mutants(resource.object as Record<string, unknown>, mutantsPerResource)) {
      const mutant = { ...resource, object };
      expect(errorsOf(interpreted, mutant, inventory), `${resource.id} ${JSON.stringify(object).slice(0, 300)}`).toEqual(errorsOf(compiled, mutant, inventory));
      compared++;
    }
  }
  return compared;
}

describe('interpreted CRD validation equals ajv', () => {
  it('on the CRD fixtures and mutants of their custom resources', async () => {
    const compared = await compareOn(ROOT, ['fixtures/rules/schema-validation/crd-pair', 'fixtures/rules/schema-validation/crd-recursive'], 1000);
    expect(compared).toBeGreaterThan(50);
    const covered = ['type', 'enum', 'required', 'additionalProperties', 'minimum', 'maximum', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf', 'exclusiveMaximum', 'maxProperties', 'minProperties', 'minLength'];
    expect(covered.filter((k) => !keywords.has(k))).toEqual([]);
  });

  it('on the bench CRD bundle', async () => {
    const dir = tempDir();
    await generateCrdBundle(path.join(dir, 'install.yaml'), 6, 300_000);
    expect(await compareOn(dir, ['.'], 40)).toBeGreaterThan(200);
  });

  it('refuses the schemas ajv refuses: their custom resources go unvalidated on both paths', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path.join(dir, 'crd.yaml'),
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: bads.example.com}\nspec:\n  group: example.com\n  names: {kind: Bad, plural: bads}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec: {type: object, required: name, properties: {name: {type: string}}}\n---\napiVersion: example.com/v1\nkind: Bad\nmetadata: {name: b}\nspec: {}\n',
    );
    const workspace = await loadWorkspace(['.'], dir, DEFAULT_CONFIG);
    const inventory = new Inventory(workspace.resources);
    const custom = workspace.resources.find((r) => r.kind === 'Bad')!;
    expect(interpreted.resolve(custom, inventory)).toBeUndefined();
    expect(compiled.resolve(custom, inventory)).toBeUndefined();
  });
});

describe('converted CRD schemas ajv would refuse', () => {
  it('are refused by the same rules as ajv.validateSchema, keyword by keyword', async () => {
    const ajv = new AjvModule.default({ ...AJV_OPTIONS });
    ajv.addSchema({ $id: 'k8s', $defs: {} });
    const workspace = await loadWorkspace(['fixtures/rules/schema-validation/crd-recursive/crd.yaml'], ROOT, DEFAULT_CONFIG);
    const [version] = crdVersions(new Inventory(workspace.resources)).values();
    const base = version!.schema!;
    const keywords = ['type', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'required', 'pattern', 'items', 'properties', 'additionalProperties'];
    const values: unknown[] = [null, -1, 0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'x', 'string', 'float', true, [], ['a'], ['a', 'a'], [1], ['string', 'integer'], ['string', 'string'], {}, { type: 'x' }, { a: { type: 'string' } }, { a: 1 }, [{ type: 'string' }]];
    let refused = 0;
    for (const keyword of keywords) {
      for (const value of values) {
        for (const where of ['root', 'nested'] as const) {
          const schema = structuredClone(base) as any;
          const target = where === 'root' ? schema : schema.properties.spec.properties.steps.items;
          target[keyword] = value;
          const expected = ajv.validateSchema(schema) === true;
          expect(isValidConvertedSchema(schema), `${where} ${keyword}: ${JSON.stringify(value)}`).toBe(expected);
          if (!expected) refused++;
        }
      }
    }
    expect(isValidConvertedSchema(base)).toBe(true);
    expect(refused).toBeGreaterThan(200);
  });

  it('are told from the schema as written as from its conversion, keyword by keyword', async () => {
    const workspace = await loadWorkspace(['fixtures/rules/schema-validation/crd-recursive/crd.yaml'], ROOT, DEFAULT_CONFIG);
    const [version] = crdVersions(new Inventory(workspace.resources)).values();
    const base = version!.raw!;
    const keywords = [
      'type', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems',
      'uniqueItems', 'minProperties', 'maxProperties', 'required', 'pattern', 'items', 'properties', 'additionalProperties', 'format', '$ref',
      'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
    ];
    const values: unknown[] = [null, -1, 0, 1, 1.5, Number.NaN, 'x', 'string', 'number', 'float', '[', true, false, [], ['a'], ['a', 'a'], [1], ['string', 'integer'], {}, { type: 'x' }, { type: 'integer', required: ['a', 'a'] }, { a: { type: 'string' } }, { a: { enum: [] } }, { a: 1 }, [{ type: 'x' }]];
    let refused = 0;
    let compared = 0;
    for (const keyword of keywords) {
      for (const value of values) {
        for (const where of ['root', 'nested', 'deep'] as const) {
          const schema = structuredClone(base) as any;
          const target = where === 'root' ? schema : where === 'nested' ? schema.properties.spec : schema.properties.spec.properties.steps.items;
          target[keyword] = value;
          // A minimum beside a boolean exclusive bound is what the conversion turns into a number.
          if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') target[keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = 3;
          const expected = isValidConvertedSchema(toAjvSchema(schema, true));
          expect(isValidStructuralSchema(schema), `${where} ${keyword}: ${JSON.stringify(value)}`).toBe(expected);
          compared++;
          if (!expected) refused++;
        }
      }
    }
    expect(isValidStructuralSchema(base)).toBe(true);
    expect(compared).toBe(keywords.length * values.length * 3);
    expect(refused).toBeGreaterThan(150);
  });
});

const CORPORA: CorpusSource[] = [
  { repo: 'istio/istio', commit: '86c9f01fd735fb01d8192f5bcaf0d424afb7f14c', paths: ['manifests/charts/base/files/crd-all.gen.yaml', 'samples/bookinfo/networking'] },
  {
    repo: 'kubeflow/manifests',
    commit: '009c88084074904c7743384ff50d3bd70012ef55',
    paths: [
      'applications/jupyter/notebook-controller/upstream/crd/bases/kubeflow.org_notebooks.yaml',
      'applications/training-operator/upstream/base/crds/kubeflow.org_pytorchjobs.yaml',
      'applications/admission-webhook/upstream/base/crd.yaml',
      'applications/jupyter/notebook-controller/upstream/samples/_v1_notebook.yaml',
      'tests/notebook.test.kubeflow-user-example.com.yaml',
      'tests/poddefaults.access-ml-pipeline.kubeflow-user-example-com.yaml',
      'tests/training_operator_job.yaml',
    ],
  },
];

for (const source of CORPORA) {
  describe.skipIf(!corpusAvailable(source))(`interpreted CRD validation equals ajv on ${source.repo}`, () => {
    it('on the real custom resources and their mutants', { timeout: 300_000 }, async () => {
      const { dir, remove } = tempCorpusDir();
      try {
        const tree = materializeCorpus(source, dir);
        expect(await compareOn(tree, ['.'], 150)).toBeGreaterThan(100);
      } finally {
        remove();
      }
    });
  });
}
