import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { isUnrestrictedHost, outboundPolicyOf, parseSidecar } from '../../src/model/istio/sidecar.js';
import { find, tree } from '../helpers/istio-tree.js';

const sidecar = (name: string, namespace: string, body: string) =>
  `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${body}\n---\n`;

describe('parseSidecar', () => {
  it('reads selector, egress hosts with their paths, and the outbound mode', () => {
    const { resources } = tree(
      sidecar('ledger', 'payments', '  workloadSelector: {labels: {app: ledger}}\n  egress:\n    - hosts: ["./*", "*/*", "istio-system"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'),
    );
    const info = parseSidecar(find(resources, 'Sidecar', 'ledger'));
    expect(info.selector).toEqual({ app: 'ledger' });
    expect(info.hosts.map((h) => [h.value, h.path.join('.'), h.parsed?.namespace])).toEqual([
      ['./*', 'spec.egress.0.hosts.0', '.'],
      ['*/*', 'spec.egress.0.hosts.1', '*'],
      ['istio-system', 'spec.egress.0.hosts.2', undefined],
    ]);
    expect(info.hosts.map(isUnrestrictedHost)).toEqual([false, true, false]);
    expect(info).toMatchObject({ hasEgress: true, outboundMode: 'REGISTRY_ONLY', outboundPath: ['spec', 'outboundTrafficPolicy', 'mode'] });
  });

  it('treats an empty workloadSelector as none', () => {
    const { resources } = tree(sidecar('default', 'payments', '  workloadSelector: {labels: {}}'));
    expect(parseSidecar(resources[0]!).selector).toBeUndefined();
  });
});

describe('outboundPolicyOf', () => {
  const mesh = DEFAULT_MESH_SETTINGS;

  it('uses the namespace default Sidecar first', () => {
    const { inventory } = tree(
      sidecar('default', 'istio-system', '  outboundTrafficPolicy: {mode: ALLOW_ANY}') +
        sidecar('default', 'payments', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'),
    );
    expect(outboundPolicyOf(inventory, mesh, 'payments')).toMatchObject({ mode: 'REGISTRY_ONLY', source: 'namespaceSidecar' });
  });

  it('falls back to the root-namespace default only when the namespace has none', () => {
    const { inventory } = tree(sidecar('default', 'istio-system', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'));
    expect(outboundPolicyOf(inventory, mesh, 'payments')).toMatchObject({ mode: 'REGISTRY_ONLY', source: 'rootSidecar' });
  });

  it('falls back to meshConfig, not the root Sidecar, when the namespace default leaves the mode unset', () => {
    const { inventory } = tree(
      sidecar('default', 'istio-system', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}') + sidecar('default', 'payments', '  egress: [{hosts: ["./*"]}]'),
    );
    const policy = outboundPolicyOf(inventory, mesh, 'payments');
    expect(policy).toMatchObject({ mode: 'ALLOW_ANY', source: 'mesh' });
    expect(policy.sidecar?.namespace).toBe('payments');
    expect(outboundPolicyOf(inventory, { ...mesh, outboundTrafficPolicy: 'REGISTRY_ONLY' }, 'payments').mode).toBe('REGISTRY_ONLY');
  });

  it('ignores selector Sidecars for the namespace policy', () => {
    const { inventory } = tree(sidecar('ledger', 'payments', '  workloadSelector: {labels: {app: ledger}}\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'));
    expect(outboundPolicyOf(inventory, mesh, 'payments')).toMatchObject({ mode: 'ALLOW_ANY', source: 'mesh' });
  });
});
