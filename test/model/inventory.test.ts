import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { Inventory } from '../../src/model/inventory.js';
import { injectionOf } from '../../src/model/mesh/injection.js';
import { resolvePeerAuthentications } from '../../src/model/istio/peer-authentication.js';
import { find, tree } from '../helpers/istio-tree.js';

const namespace = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {${labels}}\n---\n`;
const workload = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: team}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: api, image: x}]}\n---\n';

describe('one definition per object (issue 14, item 11)', () => {
  it('reads the first document of an object as the object, and keeps the others as its copies', () => {
    const { resources, inventory } = tree(namespace('istio-injection: enabled') + namespace('istio-injection: disabled') + workload);
    const [first, second] = resources.filter((r) => r.kind === 'Namespace');
    expect(inventory.isDefinition(first!)).toBe(true);
    expect(inventory.isDefinition(second!)).toBe(false);
    expect(inventory.copiesOf(second!)).toEqual([first, second]);
    expect(inventory.ofKind('Namespace')).toEqual([first]);
    expect(inventory.namespace('team')).toBe(first);
    // Every view on top resolves it the same way: the workload is injected by the first document.
    expect(injectionOf(find(resources, 'Deployment', 'api'), inventory, DEFAULT_MESH_SETTINGS)?.injected).toBe(true);
  });

  it('treats versions of one API group as one object, and other groups as other objects', () => {
    const istio = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: ingress}\n---\n';
    const { resources, inventory } = tree(istio + istio.replace('/v1', '/v1beta1') + istio.replace('networking.istio.io/v1', 'gateway.networking.k8s.io/v1'));
    expect(inventory.copiesOf(resources[0]!)).toHaveLength(2);
    expect(inventory.isDefinition(resources[2]!)).toBe(true);
    expect(inventory.copiesOf(resources[2]!)).toEqual([]);
  });

  it('resolves two documents of one PeerAuthentication as one policy, not a mesh-wide conflict', () => {
    const pa = (mode: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: ${mode}}}\n---\n`;
    const { inventory } = tree(pa('STRICT') + pa('PERMISSIVE'));
    const set = resolvePeerAuthentications(inventory, 'istio-system');
    expect(set.all).toHaveLength(1);
    expect(set.meshWide?.mode).toBe('STRICT');
    expect(set.ignored).toEqual([]);
  });

  it('lets an admitted object take the place of the definition it replaces', () => {
    const { resources, inventory } = tree(namespace('istio-injection: enabled') + namespace('istio-injection: disabled'));
    const admitted = { ...resources[0]!, id: 'admission#0' };
    const overlay = Inventory.withResource(inventory, admitted);
    expect(overlay.isDefinition(admitted)).toBe(true);
    expect(overlay.isDefinition(resources[0]!)).toBe(false);
    expect(overlay.copiesOf(admitted)).toEqual([admitted, resources[1]]);
  });
});
