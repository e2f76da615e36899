import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { loadWorkspace } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { AJV_OPTIONS, PRECOMPILED_FILE, SchemaRegistry } from '../../src/model/schema/registry.js';
import { checkSchema } from '../../src/model/schema/validate.js';
// @ts-expect-error plain JS build helper, no declarations
import { AJV_OPTIONS as BUILD_AJV_OPTIONS } from '../../scripts/schema-bundles.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function problemsOf(inputs: string[], registry: SchemaRegistry) {
  const workspace = await loadWorkspace(inputs, ROOT, DEFAULT_CONFIG);
  const inventory = new Inventory(workspace.resources);
  return workspace.resources.map((r) => ({ id: r.id, source: registry.resolve(r, inventory)?.source, problems: checkSchema(r, inventory, registry)?.problems }));
}

describe('schema registry', () => {
  it('compiles at run time with the options the build precompiles with', () => {
    expect(AJV_OPTIONS).toEqual(BUILD_AJV_OPTIONS);
  });

  it.skipIf(!existsSync(path.join(ROOT, PRECOMPILED_FILE)))('precompiled validators agree with run-time compiled ones', async () => {
    const inputs = ['fixtures/rules/schema-validation', 'fixtures/rules/schema-unknown-kind', 'fixtures/rules/schema-deprecated-api'];
    const precompiled = await problemsOf(inputs, new SchemaRegistry(true));
    const runtime = await problemsOf(inputs, new SchemaRegistry(false));
    expect(precompiled).toEqual(runtime);
    expect(precompiled.filter((r) => (r.problems?.length ?? 0) > 0).length).toBeGreaterThan(5);
  });

  it.skipIf(!existsSync(path.join(ROOT, PRECOMPILED_FILE)))('validates the metadata of custom resources with the precompiled ObjectMeta as ajv compiles it', async () => {
    const workspace = await loadWorkspace(['fixtures/rules/schema-validation/crd-pair'], ROOT, DEFAULT_CONFIG);
    const inventory = new Inventory(workspace.resources);
    const custom = workspace.resources.find((r) => r.kind === 'Widget')!;
    const metadatas: unknown[] = [
      custom.object.metadata,
      { name: 7, labels: { a: 1 }, annotations: 'x' },
      { name: 'w', ownerReferences: [{ kind: 'X' }], finalizers: 'f', generation: 'one' },
      { name: 'w', managedFields: [{ fieldsV1: 3, time: 1 }], unknownHere: true },
    ];
    const [precompiled, runtime] = [new SchemaRegistry(true), new SchemaRegistry(false)];
    let problems = 0;
    for (const metadata of metadatas) {
      const resource = { ...custom, object: { ...custom.object, metadata } };
      const expected = checkSchema(resource, inventory, runtime);
      expect(checkSchema(resource, inventory, precompiled)?.problems).toEqual(expected?.problems);
      problems += expected?.problems.length ?? 0;
    }
    expect(problems).toBeGreaterThan(5);
    // It came from the build's refs group, not from ajv at run time.
    const refs = Object.values(createRequire(import.meta.url)(path.join(ROOT, 'dist/schemas/validators/refs.cjs')) as Record<string, { name: string }>).map((f) => f.name);
    expect(refs.length).toBe(1);
  });

  it.skipIf(!existsSync(path.join(ROOT, PRECOMPILED_FILE)))('takes precompiled validators from the group file of their kind', () => {
    const require = createRequire(import.meta.url);
    // The registry runs the group's code itself (code-cache.ts): its functions are known by their (unique) names.
    const group = (name: string) => Object.values(require(path.join(ROOT, 'dist/schemas/validators', `${name}.cjs`)) as Record<string, { name: string }>).map((f) => f.name);
    const registry = new SchemaRegistry(true);
    const inventory = new Inventory([]);
    // The pod-bearing kinds share one file (they all embed PodSpec).
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['batch/v1', 'CronJob'], ['v1', 'Pod']]) {
      expect(group('workloads')).toContain(registry.resolve({ apiVersion, kind }, inventory)?.validate.name);
    }
    const configMap = registry.resolve({ apiVersion: 'v1', kind: 'ConfigMap' }, inventory)?.validate;
    expect(configMap).toBeTypeOf('function');
    expect(group('workloads')).not.toContain(configMap!.name);
  });

  it('resolves built-in, Istio (every served version) and in-tree CRD kinds, and nothing else', async () => {
    const registry = new SchemaRegistry(false);
    const inventory = new Inventory([]);
    const source = (apiVersion: string, kind: string) => registry.resolve({ apiVersion, kind }, inventory)?.source;
    expect(source('apps/v1', 'Deployment')).toBe('kubernetes');
    expect(source('v1', 'ConfigMap')).toBe('kubernetes');
    for (const v of ['v1', 'v1beta1', 'v1alpha3']) expect(source(`networking.istio.io/${v}`, 'VirtualService')).toBe('istio');
    for (const v of ['v1', 'v1beta1']) expect(source(`security.istio.io/${v}`, 'PeerAuthentication')).toBe('istio');
    expect(source('telemetry.istio.io/v1', 'Telemetry')).toBe('istio');
    expect(source('policy/v1beta1', 'PodDisruptionBudget')).toBeUndefined();
    expect(source('example.com/v1', 'Widget')).toBeUndefined();
    expect(registry.kindsOf('security.istio.io/v1')).toEqual(['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication']);
    expect(registry.sources()).toEqual({
      kubernetes: '@kubernetes/client-node@2.0.1 (Kubernetes OpenAPI release-1.36)',
      istio: '@kubernetes-models/istio@3.0.1 (Istio 1.29.2 crd-all.gen.yaml)',
    });

    const [crdSide] = await problemsOf(['fixtures/rules/schema-validation/crd-pair'], registry).then((all) => all.filter((r) => r.id.includes('widgets')));
    expect(crdSide?.source).toBe('crd');
  });
});
