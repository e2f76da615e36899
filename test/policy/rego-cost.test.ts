import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTree } from '../../src/bench/generate.js';
import { measureRegoCost } from '../../src/bench/rego-cost.js';
import { tempDir } from '../helpers/tmp.js';

describe('measureRegoCost', () => {
  it('times the shipped Rego guardrails against their TypeScript reference on one tree', async () => {
    const dir = tempDir('meshguard-rego-cost-');
    await generateTree(dir, { namespaces: 2, services: 10, cronJobs: 4, externalServices: 1, seed: 7 });
    const cost = await measureRegoCost(dir, { warmup: 1, runs: 3 });
    expect(cost.resources).toBeGreaterThan(20);
    expect(cost.typescriptMs).toBeGreaterThan(0);
    expect(cost.regoMs).toBeGreaterThan(0);
    expect(cost.ratio).toBeCloseTo(cost.regoMs / cost.typescriptMs, 6);
  });
});
