import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMarkedTree } from '../helpers/cluster-trees.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('multi-cluster demo (fixtures/demo-multicluster)', () => {
  it('finds every planted cross-cluster defect where it is marked, and nothing else', async () => {
    const { expected, actual, messages } = await checkMarkedTree(path.join(ROOT, 'fixtures/demo-multicluster/planted'));
    expect(expected.length).toBeGreaterThan(0);
    expect(actual).toEqual(expected);
    // Each message names the clusters, and the other cluster's location.
    const service = messages.find((m) => m.includes('port 9090 differs between gke-eu-2 and gke-eu-1'));
    expect(service).toMatch(/\(clusters\/gke-eu-1\/payments\.yaml:9\).*\[cluster gke-eu-2\]$/);
    // A shared resource's finding is reported once, naming every cluster.
    expect(messages.filter((m) => m.includes('localityLbSetting'))).toEqual([expect.stringMatching(/\[clusters gke-eu-1, gke-eu-2, gke-us-1\]$/)]);
  });

  it('reports nothing on the compliant variant', async () => {
    const { actual } = await checkMarkedTree(path.join(ROOT, 'fixtures/demo-multicluster/compliant'));
    expect(actual).toEqual([]);
  });

});

describe('cluster rule fixtures (fixtures/rules/cluster-*/<variant>/, each with its .meshguard.yaml)', () => {
  const FIXTURES = path.join(ROOT, 'fixtures/rules');
  for (const ruleId of readdirSync(FIXTURES).filter((d) => d.startsWith('cluster-')).sort()) {
    for (const variant of readdirSync(path.join(FIXTURES, ruleId)).sort()) {
      it(`${ruleId}/${variant}`, async () => {
        const { expected, actual } = await checkMarkedTree(path.join(FIXTURES, ruleId, variant));
        if (variant.startsWith('good')) expect(expected, 'a good tree carries no marks').toEqual([]);
        else expect(expected.length, 'a bad tree marks what it expects').toBeGreaterThan(0);
        expect(actual).toEqual(expected);
      });
    }
  }
});
