// Runs the external conformance corpora when ../shared is present and checks the ratchet floor.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCases } from '../../src/rego/conformance/cases.js';
import { runCase } from '../../src/rego/conformance/run.js';

const root = fileURLToPath(new URL('../../../shared/corpus/rego/', import.meta.url));
const floor = JSON.parse(readFileSync(fileURLToPath(new URL('./conformance-floor.json', import.meta.url)), 'utf8')) as Record<string, { passed: number }>;

describe.skipIf(!existsSync(root))('rego conformance corpora', () => {
  for (const suite of ['opa', 'regorus'] as const) {
    it(`${suite}: passes at least the floor`, async () => {
      const cases = loadCases([root + suite]);
      let passed = 0;
      for (const c of cases) if ((await runCase(c)).status === 'pass') passed++;
      expect(passed).toBeGreaterThanOrEqual(floor[suite]!.passed);
    }, 120_000);
  }
});
