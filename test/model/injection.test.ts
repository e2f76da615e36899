import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { Inventory } from '../../src/model/inventory.js';
import { injectionOf } from '../../src/model/mesh/injection.js';

function decide(yaml: string, mesh = DEFAULT_MESH_SETTINGS) {
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  const inventory = new Inventory(resources);
  const workload = resources.find((r) => r.kind !== 'Namespace')!;
  return injectionOf(workload, inventory, mesh)!;
}

const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {${labels}}\n---\n`;
const deploy = (labels = '', extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: team}\nspec:\n  template:\n    metadata:\n      labels: {app: api${labels}}\n    spec:\n      ${extra}containers: [{name: api, image: x}]\n`;

describe('injectionOf', () => {
  it('injects pods of an enabled namespace', () => {
    expect(decide(ns('istio-injection: enabled') + deploy())).toMatchObject({ injected: true, reason: 'namespaceLabel' });
  });
  it('a disabled namespace wins over a pod opt-in', () => {
    expect(decide(ns('istio-injection: disabled') + deploy(', sidecar.istio.io/inject: "true"'))).toMatchObject({ injected: false });
  });
  it('a pod opt-out wins over an enabled namespace', () => {
    expect(decide(ns('istio-injection: enabled') + deploy(', sidecar.istio.io/inject: "false"'))).toMatchObject({ injected: false, reason: 'podLabel' });
  });
  it('a revision label injects', () => {
    expect(decide(ns('istio.io/rev: canary') + deploy())).toMatchObject({ injected: true, reason: 'namespaceRevision' });
  });
  it('a pod label opts in where the namespace says nothing', () => {
    expect(decide(ns('') + deploy(', sidecar.istio.io/inject: "true"'))).toMatchObject({ injected: true, reason: 'podLabel' });
  });
  it('recognises the gateway injection template (the pod\'s own istio-proxy is the gateway, nothing is added)', () => {
    const gateway = deploy(', sidecar.istio.io/inject: "true"').replace('labels: {app: api', 'annotations: {inject.istio.io/templates: gateway}\n      labels: {app: api');
    expect(decide(ns('') + gateway)).toMatchObject({ injected: true, reason: 'podLabel', gateway: true, nativeSidecar: false });
    expect(decide(ns('') + gateway.replace('templates: gateway', 'templates: "sidecar,spire"'))).toMatchObject({ injected: true, gateway: false });
    expect(decide(ns('istio-injection: enabled') + deploy())).toMatchObject({ gateway: false });
    expect(decide(ns('istio-injection: disabled') + gateway)).toMatchObject({ injected: false, gateway: false });
  });
  it('never injects hostNetwork pods', () => {
    expect(decide(ns('istio-injection: enabled') + deploy('', 'hostNetwork: true\n      '))).toMatchObject({ injected: false, reason: 'hostNetwork' });
  });
  it('follows the mesh default when nothing is set', () => {
    expect(decide(ns('') + deploy())).toMatchObject({ injected: false, reason: 'noSwitch' });
    expect(decide(ns('') + deploy(), { ...DEFAULT_MESH_SETTINGS, injectByDefault: true })).toMatchObject({ injected: true, reason: 'meshDefault' });
  });
  it('never injects ambient namespaces', () => {
    expect(decide(ns('istio.io/dataplane-mode: ambient') + deploy())).toMatchObject({ injected: false, reason: 'ambientNamespace' });
  });
});
