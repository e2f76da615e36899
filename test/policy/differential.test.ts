import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/engine/check.js';
import type { Finding } from '../../src/model/types.js';
import { shippedPolicyRules } from '../../src/policy/index.js';
import type { Rule } from '../../src/rules/rule.js';
import { REFERENCE_RULES } from '../../src/bench/rego-cost.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures/rules');

/** Everything a user can see of a finding. */
function visible(findings: readonly Finding[]): unknown[] {
  return findings.map(({ ruleId, messageId, severity, message, file, line, column, endLine, endColumn, path: p, resource, related, missingCompanion, suppressed, fingerprint }) => ({
    ruleId, messageId, severity, message, file, line, column, endLine, endColumn, path: p, resource, related, missingCompanion, suppressed, fingerprint,
  }));
}

/**
 * The guardrails moved to Rego must be indistinguishable from their TypeScript originals: same ids,
 * messages, severities, positions and fingerprints on every rule fixture (not only their own).
 */
describe('shipped Rego guardrails vs their TypeScript reference', () => {
  const rego = new Map(shippedPolicyRules().map((r) => [r.meta.id, r]));
  const fixtures = readdirSync(FIXTURES).sort().flatMap((dir) =>
    readdirSync(path.join(FIXTURES, dir)).filter((f) => /\.ya?ml$/.test(f) && f !== 'meshguard.config.yml').map((f) => ({ dir, file: path.join('fixtures/rules', dir, f) })),
  );

  it('ships a Rego version of every reference rule, with the same metadata', () => {
    for (const reference of REFERENCE_RULES) {
      const shipped = rego.get(reference.meta.id);
      expect(shipped, reference.meta.id).toBeDefined();
      expect(shipped!.meta).toEqual(reference.meta);
    }
  });

  for (const reference of REFERENCE_RULES) {
    it(`${reference.meta.id}: identical findings on every fixture`, async () => {
      let compared = 0;
      for (const { dir, file } of fixtures) {
        const configFile = path.join(FIXTURES, dir, 'meshguard.config.yml');
        const config = existsSync(configFile) ? parseConfig(readFileSync(configFile, 'utf8'), configFile) : DEFAULT_CONFIG;
        const run = (rules: Rule[]) => runCheck({ root: ROOT, inputs: [file], config, today: '2026-11-26', rules });
        const [ts, re] = await Promise.all([run([reference]), run([rego.get(reference.meta.id)!])]);
        const own = (r: { findings: Finding[] }) => visible(r.findings.filter((f) => f.ruleId === reference.meta.id || f.ruleId === 'internal-error'));
        expect(own(re), file).toEqual(own(ts));
        compared += own(ts).length;
      }
      expect(compared, 'the fixtures exercise the rule').toBeGreaterThan(0);
    });
  }
});
