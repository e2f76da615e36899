import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { defaultRules, runCheck } from '../../src/check.js';
import { actualFindings, expectedFindings } from '../helpers/expectations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures/rules');

/**
 * Every rule ships good/bad fixtures; the marks in them are the assertions. Like ESLint's RuleTester,
 * a folder asserts its own rule (and any rule it marks explicitly): the interplay of all rules is
 * asserted on the integrated platform tree (test/rules/platform.test.ts), where nothing is filtered.
 */
describe('rule fixtures', () => {
  const ruleIds = readdirSync(FIXTURES).sort();

  it('every built-in rule has fixtures and docs', () => {
    for (const rule of defaultRules()) {
      expect(ruleIds, `fixtures/rules/${rule.meta.id}/`).toContain(rule.meta.id);
      expect(existsSync(path.join(ROOT, 'docs/rules', `${rule.meta.id}.md`)), `docs/rules/${rule.meta.id}.md`).toBe(true);
    }
  });

  for (const ruleId of ruleIds) {
    for (const fixture of readdirSync(path.join(FIXTURES, ruleId)).filter((f) => /^(good|bad).*\.ya?ml$/.test(f)).sort()) {
      it(`${ruleId}/${fixture}`, async () => {
        const file = path.join('fixtures/rules', ruleId, fixture);
        // A fixture folder may carry its own settings (e.g. a mesh that injects by default).
        const configFile = path.join(FIXTURES, ruleId, 'meshguard.config.yml');
        const config = existsSync(configFile) ? parseConfig(readFileSync(configFile, 'utf8'), configFile) : DEFAULT_CONFIG;
        const result = await runCheck({ root: ROOT, inputs: [file], config, today: '2026-11-26' });
        const expected = expectedFindings(path.join(ROOT, file));
        if (fixture.startsWith('good')) expect(expected, 'a good fixture carries no marks').toEqual([]);
        else expect(expected.length, 'a bad fixture marks what it expects').toBeGreaterThan(0);
        const asserted = new Set([ruleId, ...expected.map((e) => e.slice(e.indexOf(':') + 1))]);
        expect(actualFindings(result.findings.filter((f) => asserted.has(f.ruleId)))).toEqual(expected);
      });
    }
  }
});
