import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck } from '../../src/check.js';
import type { Finding } from '../../src/model/types.js';
import { shippedPolicyRules } from '../../src/policy/index.js';
import type { Rule } from '../../src/rules/rule.js';
import { REFERENCE_RULES } from '../../src/bench/rego-cost.js';
import { tempDir } from '../helpers/tmp.js';

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

/** Corners the fixtures do not reach, for the rules whose TypeScript model is the most intricate. */
describe('shipped Rego guardrails vs TypeScript on edge cases', () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {istio-injection: enabled}}\n';
  const deployment = (name: string, annotations: string, spec = '', own = '') => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: data${own}}
spec:
  template:
    metadata:
      annotations: {${annotations}}
    spec:
${spec}      containers:
        - name: app
          image: registry.example.com/app:1
`;
  const cases = [
    deployment('v6', '"traffic.sidecar.istio.io/excludeOutboundIPRanges": "fd00::/8,::ffff:10.0.0.1/128,2001:db8::1/64"'),
    deployment('v6bad', '"traffic.sidecar.istio.io/excludeOutboundIPRanges": "fd00:::1/8"'),
    deployment('v4bad', '"traffic.sidecar.istio.io/includeOutboundIPRanges": "010.0.0.0/8"'),
    deployment('incl-empty', '"traffic.sidecar.istio.io/includeInboundPorts": ""'),
    deployment('incl-edges', '"traffic.sidecar.istio.io/includeInboundPorts": "0,8080,8081,65535"'),
    deployment('incl-many', '"traffic.sidecar.istio.io/includeInboundPorts": "1,3,5,7,9,11,13"'),
    deployment('incl-all-out', '"traffic.sidecar.istio.io/includeOutboundIPRanges": ""'),
    deployment('ifaces', '"traffic.sidecar.istio.io/excludeInterfaces": "eth1, net1", "traffic.sidecar.istio.io/kubevirtInterfaces": "net2"'),
    deployment('mode', '"sidecar.istio.io/interceptionMode": "TPROXY", "traffic.sidecar.istio.io/excludeOutboundPorts": " 5701 , 5702,70000"'),
    deployment('uid', '', '      securityContext: {runAsUser: 1337}\n      initContainers:\n        - {name: native, restartPolicy: Always}\n        - {name: setup}\n'),
    deployment('empty-reason', '"traffic.sidecar.istio.io/excludeInboundPorts": "9000", "meshguard.io/capture-bypass-reason": "  "'),
    deployment('misplaced', '"traffic.sidecar.istio.io/excludeInboundPorts": "9000"', '', ', annotations: {meshguard.io/capture-bypass-reason: "ZooKeeper quorum"}'),
  ];
  it('capture-bypass-justified: identical findings', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir('meshguard-diff-');
    writeFileSync(path.join(dir, 'tree.yaml'), ns + cases.join(''));
    const reference = REFERENCE_RULES.find((r) => r.meta.id === 'capture-bypass-justified')!;
    const rego = shippedPolicyRules().find((r) => r.meta.id === 'capture-bypass-justified')!;
    const run = (rules: Rule[]) => runCheck({ root: dir, inputs: ['tree.yaml'], config: DEFAULT_CONFIG, today: '2026-11-26', rules });
    const [ts, re] = await Promise.all([run([reference]), run([rego])]);
    expect(ts.findings.length).toBeGreaterThan(10);
    expect(visible(re.findings)).toEqual(visible(ts.findings));
  });
});
