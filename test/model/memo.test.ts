import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ENGINE_RULES, todayUtc } from '../../src/engine/check.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { loadWorkspace } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { memoize } from '../../src/model/memo.js';
import type { Resource } from '../../src/model/types.js';
import { BUILTIN_RULES, allRuleMetas } from '../../src/rules/registry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('memoize over admission overlays', () => {
  it('reuses a snapshot view only when the overlay object is of a kind (and namespace) it did not read', async () => {
    const { resources } = await loadWorkspace(['fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const snapshot = new Inventory(resources);
    let computations = 0;
    const view = (inventory: Inventory) =>
      memoize(inventory, 'test/quotas-in-payments', (tree) => {
        computations++;
        return tree.ofKind('ResourceQuota', 'payments').length;
      });
    expect(view(snapshot)).toBe(1);
    const namespace = resources.find((r) => r.kind === 'Namespace')!;
    const quota = resources.find((r) => r.kind === 'ResourceQuota')!;
    expect(view(Inventory.withResource(snapshot, namespace))).toBe(1);
    const otherNamespaceQuota: Resource = { ...quota, namespace: 'search', id: 'admission#0' };
    expect(view(Inventory.withResource(snapshot, otherNamespaceQuota))).toBe(1);
    expect(computations).toBe(1);
    const extraQuota: Resource = { ...quota, name: 'extra', id: 'admission#0' };
    expect(view(Inventory.withResource(snapshot, extraQuota))).toBe(2);
    expect(computations).toBe(2);
  });

  it('gives every admitted object exactly the findings a fresh evaluation of the whole tree gives', async () => {
    const { resources } = await loadWorkspace(['fixtures/rules', 'fixtures/demo'], ROOT, DEFAULT_CONFIG);
    const metas = [...allRuleMetas(BUILTIN_RULES), ...ENGINE_RULES];
    const base = { problems: [], rules: BUILTIN_RULES, knownRules: metas, settings: resolveRuleSettings(DEFAULT_CONFIG, metas), mesh: DEFAULT_CONFIG.mesh, today: todayUtc() };
    const snapshot = new Inventory(resources);
    // Warm the snapshot's views first, as a long-running webhook would have them.
    evaluate({ ...base, resources, inventory: snapshot });
    const sample = resources.filter((_, i) => i % 3 === 0);
    expect(sample.length).toBeGreaterThan(50);
    for (const resource of sample) {
      const copy: Resource = { ...resource, id: `admission#${resource.id}` };
      const viaOverlay = evaluate({ ...base, resources: [copy], inventory: Inventory.withResource(snapshot, copy) }).findings;
      // An admitted object replaces the snapshot's object of its identity (the first one, where fixtures repeat one).
      const replaced = snapshot.get(copy.kind, copy.namespace, copy.name);
      const fresh = new Inventory(replaced ? resources.map((r) => (r === replaced ? copy : r)) : [...resources, copy]);
      const viaFresh = evaluate({ ...base, resources: [copy], inventory: fresh }).findings;
      expect(viaOverlay.map((f) => `${f.ruleId}/${f.messageId} ${f.path} ${f.message}`), `${resource.kind}/${resource.name}`).toEqual(
        viaFresh.map((f) => `${f.ruleId}/${f.messageId} ${f.path} ${f.message}`),
      );
    }
  });
});
