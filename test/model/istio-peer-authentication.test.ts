import { describe, expect, it } from 'vitest';
import {
  collectPeerAuthentications,
  effectiveMtls,
  namespaceMtls,
  resolvePeerAuthentications,
} from '../../src/model/istio/peer-authentication.js';
import { DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { mtlsSnapshot } from '../../src/model/istio/mtls-snapshot.js';
import { tree } from '../helpers/istio-tree.js';

const pa = (name: string, namespace: string, body: string, extraMetadata = '') =>
  `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: ${namespace}${extraMetadata}}\nspec:\n${body}\n---\n`;

function resolve(yaml: string, root = 'istio-system') {
  return collectPeerAuthentications(tree(yaml).resources, root);
}

const ledger = { namespace: 'payments', labels: { app: 'ledger' } };

describe('effectiveMtls', () => {
  it('is PERMISSIVE by default, with no deciding policy', () => {
    expect(effectiveMtls(resolve(''), ledger)).toEqual({ mode: 'PERMISSIVE', scope: 'default' });
  });

  it('inherits the mesh-wide policy, and UNSET at the top means PERMISSIVE', () => {
    const set = resolve(pa('default', 'istio-system', '  mtls: {mode: STRICT}'));
    expect(effectiveMtls(set, ledger)).toMatchObject({ mode: 'STRICT', scope: 'mesh', path: ['spec', 'mtls', 'mode'] });
    expect(effectiveMtls(resolve(pa('default', 'istio-system', '  mtls: {mode: UNSET}')), ledger)).toMatchObject({ mode: 'PERMISSIVE', scope: 'default' });
  });

  it('lets the namespace-wide policy override the mesh-wide one, and UNSET defer to it', () => {
    const mesh = pa('default', 'istio-system', '  mtls: {mode: STRICT}');
    expect(effectiveMtls(resolve(mesh + pa('default', 'payments', '  mtls: {mode: PERMISSIVE}')), ledger)).toMatchObject({ mode: 'PERMISSIVE', scope: 'namespace' });
    expect(effectiveMtls(resolve(mesh + pa('default', 'payments', '  mtls: {}')), ledger)).toMatchObject({ mode: 'STRICT', scope: 'mesh' });
    // Another namespace's policy does not apply.
    expect(effectiveMtls(resolve(mesh + pa('default', 'orders', '  mtls: {mode: DISABLE}')), ledger)).toMatchObject({ mode: 'STRICT' });
  });

  it('applies a workload policy only to the pods its selector matches', () => {
    const yaml =
      pa('default', 'payments', '  mtls: {mode: STRICT}') +
      pa('ledger', 'payments', '  selector: {matchLabels: {app: ledger}}\n  mtls: {mode: PERMISSIVE}');
    const set = resolve(yaml);
    expect(effectiveMtls(set, ledger)).toMatchObject({ mode: 'PERMISSIVE', scope: 'workload' });
    expect(effectiveMtls(set, { namespace: 'payments', labels: { app: 'checkout' } })).toMatchObject({ mode: 'STRICT', scope: 'namespace' });
  });

  it('resolves port-level modes, with UNSET ports and unlisted ports inheriting the workload mode', () => {
    const yaml =
      pa('default', 'istio-system', '  mtls: {mode: STRICT}') +
      pa('ledger', 'payments', '  selector: {matchLabels: {app: ledger}}\n  mtls: {mode: UNSET}\n  portLevelMtls:\n    5701: {mode: DISABLE}\n    8080: {mode: UNSET}');
    const set = resolve(yaml);
    expect(effectiveMtls(set, ledger, 5701)).toMatchObject({ mode: 'DISABLE', scope: 'port', path: ['spec', 'portLevelMtls', '5701', 'mode'] });
    expect(effectiveMtls(set, ledger, 8080)).toMatchObject({ mode: 'STRICT', scope: 'mesh' });
    expect(effectiveMtls(set, ledger, 9090)).toMatchObject({ mode: 'STRICT', scope: 'mesh' });
    expect(effectiveMtls(set, ledger)).toMatchObject({ mode: 'STRICT', scope: 'mesh' });
  });

  it('ignores portLevelMtls on a policy without selector', () => {
    const set = resolve(pa('default', 'payments', '  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}'));
    expect(effectiveMtls(set, ledger, 8080)).toMatchObject({ mode: 'STRICT', scope: 'namespace' });
  });

  it('picks the oldest workload policy when several select the workload', () => {
    const yaml =
      pa('first', 'payments', '  selector: {matchLabels: {app: ledger}}\n  mtls: {mode: STRICT}') +
      pa('second', 'payments', '  selector: {matchLabels: {app: ledger}}\n  mtls: {mode: DISABLE}');
    expect(effectiveMtls(resolve(yaml), ledger).policy?.resource.name).toBe('first');
  });

  it('is pure: resolving the same tree twice gives equal answers', () => {
    const yaml = pa('default', 'istio-system', '  mtls: {mode: STRICT}');
    const a = effectiveMtls(resolve(yaml), ledger);
    const b = effectiveMtls(resolve(yaml), ledger);
    expect(a.mode).toBe(b.mode);
    expect(a.scope).toBe(b.scope);
  });
});

describe('collectPeerAuthentications', () => {
  it('honours one mesh-wide and one namespace-wide policy, the first in load order, and lists the rest as ignored', () => {
    const set = resolve(
      pa('default', 'istio-system', '  mtls: {mode: STRICT}') +
        pa('later', 'istio-system', '  mtls: {mode: PERMISSIVE}') +
        pa('a', 'payments', '  mtls: {mode: STRICT}') +
        pa('b', 'payments', '  mtls: {mode: DISABLE}'),
    );
    expect(set.meshWide?.resource.name).toBe('default');
    expect(namespaceMtls(set, 'payments')).toMatchObject({ mode: 'STRICT' });
    expect(set.ignored.map((i) => [i.policy.resource.name, i.reason, i.winner?.resource.name])).toEqual([
      ['later', 'extraMeshWide', 'default'],
      ['b', 'extraNamespaceWide', 'a'],
    ]);
  });

  it('orders by creationTimestamp when every candidate has one', () => {
    const set = resolve(
      pa('newer', 'istio-system', '  mtls: {mode: PERMISSIVE}', ', creationTimestamp: "2026-03-01T00:00:00Z"') +
        pa('older', 'istio-system', '  mtls: {mode: STRICT}', ', creationTimestamp: "2025-01-01T00:00:00Z"'),
    );
    expect(set.meshWide?.resource.name).toBe('older');
    expect(set.ignored[0]?.policy.resource.name).toBe('newer');
  });

  it('ignores selector policies in the root namespace, which is configurable', () => {
    const yaml = pa('gw', 'istio-system', '  selector: {matchLabels: {istio: ingressgateway}}\n  mtls: {mode: DISABLE}');
    expect(resolve(yaml).ignored).toMatchObject([{ reason: 'selectorInRoot' }]);
    expect(resolve(yaml, 'mesh-root').ignored).toEqual([]);
    expect(resolve(yaml, 'mesh-root').workload.get('istio-system')).toHaveLength(1);
  });

  it('treats an empty matchLabels as no selector', () => {
    const set = resolve(pa('default', 'payments', '  selector: {matchLabels: {}}\n  mtls: {mode: STRICT}'));
    expect(set.namespaceWide.get('payments')?.resource.name).toBe('default');
  });

  it('records invalid modes and treats them as UNSET', () => {
    const set = resolve(pa('default', 'payments', '  mtls: {mode: strict}'));
    expect(set.all[0]).toMatchObject({ mode: 'UNSET', invalidMode: 'strict' });
  });

  it('is memoised per inventory by the tree-level entry point', () => {
    const { inventory } = tree(pa('default', 'istio-system', '  mtls: {mode: STRICT}'));
    expect(resolvePeerAuthentications(inventory, 'istio-system')).toBe(resolvePeerAuthentications(inventory, 'istio-system'));
  });
});

describe('mtlsSnapshot', () => {
  it('lists each workload, its container ports and its policy ports with the effective mode', () => {
    const { inventory } = tree(
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\n` +
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger, namespace: payments}\nspec:\n  template:\n    metadata: {labels: {app: ledger}}\n    spec: {containers: [{name: l, image: x, ports: [{containerPort: 8080}]}]}\n---\n` +
        pa('default', 'istio-system', '  mtls: {mode: STRICT}') +
        pa('ledger', 'payments', '  selector: {matchLabels: {app: ledger}}\n  portLevelMtls:\n    5701: {mode: DISABLE}'),
    );
    const snapshot = mtlsSnapshot(inventory, DEFAULT_MESH_SETTINGS);
    expect(snapshot.map((s) => [s.workload.name, s.injected, s.port, s.mode, s.scope, s.policy?.name])).toEqual([
      ['ledger', true, undefined, 'STRICT', 'mesh', 'default'],
      ['ledger', true, 5701, 'DISABLE', 'port', 'ledger'],
      ['ledger', true, 8080, 'STRICT', 'mesh', 'default'],
    ]);
  });
});
