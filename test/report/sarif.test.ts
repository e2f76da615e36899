import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../src/report/sarif.js';
import { sarifValidator } from '../helpers/schemas.js';
import { makeInput } from './fixtures.js';

const validate = sarifValidator();

interface Sarif {
  runs: Array<{
    tool: { driver: { name: string; rules: Array<Record<string, any>> } };
    results: Array<Record<string, any>>;
    [key: string]: unknown;
  }>;
}

describe('sarif', () => {
  const text = renderSarif(makeInput());
  const log = JSON.parse(text) as Sarif;
  const run = log.runs[0]!;

  it('validates against the official SARIF 2.1.0 schema', () => {
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the validator is live: broken logs are rejected', () => {
    const badLevel = JSON.parse(text) as Sarif;
    badLevel.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(badLevel)).toBe(false);
    const badLine = JSON.parse(text) as Sarif;
    badLine.runs[0]!.results[0]!.locations[0].physicalLocation.region.startLine = 0;
    expect(validate(badLine)).toBe(false);
    const badVersion = { ...(JSON.parse(text) as object), version: '2.0.0' };
    expect(validate(badVersion)).toBe(false);
  });

  it('describes every rule for GitHub and GitLab', () => {
    expect(run.tool.driver).toMatchObject({ name: 'meshguard', version: '0.1.0', informationUri: 'https://meshguard.dev' });
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['mtls-strict', 'sidecar-resources', 'job-sidecar-termination', 'yaml-syntax']);
    expect(run.tool.driver.rules[0]).toEqual({
      id: 'mtls-strict',
      name: 'MtlsStrict',
      shortDescription: { text: 'mTLS must be STRICT' },
      fullDescription: { text: 'PeerAuthentication and DestinationRule settings must not downgrade mesh traffic to plain text.' },
      help: {
        text: 'PeerAuthentication and DestinationRule settings must not downgrade mesh traffic to plain text.\n\nSee https://meshguard.dev/rules/mtls-strict',
        markdown: '**mTLS must be STRICT**\n\nPeerAuthentication and DestinationRule settings must not downgrade mesh traffic to plain text.\n\n[Rule documentation](https://meshguard.dev/rules/mtls-strict)',
      },
      helpUri: 'https://meshguard.dev/rules/mtls-strict',
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security', 'istio'] },
    });
    expect(run.automationDetails).toEqual({ id: 'meshguard/' });
    expect(run.columnKind).toBe('unicodeCodePoints');
    expect(run.originalUriBaseIds).toHaveProperty(['%SRCROOT%']);
  });

  it('maps results with rule index, level, relative location, fingerprints and resource', () => {
    expect(run.results).toHaveLength(8);
    const pa = run.results[4]!;
    expect(pa).toMatchObject({
      ruleId: 'mtls-strict',
      ruleIndex: 0,
      level: 'error',
      partialFingerprints: { 'meshguard/v1': 'fp-pa-1' },
      properties: { path: '/spec/mtls/mode', related: ['Deployment/payments/api'] },
    });
    expect(pa.message.text).toContain('Zürich→東京 🚀');
    expect(pa.locations[0]).toEqual({
      physicalLocation: {
        artifactLocation: { uri: 'k8s/mesh/peer-auth.yaml', uriBaseId: '%SRCROOT%' },
        region: { startLine: 14, startColumn: 11, endLine: 14, endColumn: 21 },
      },
      logicalLocations: [{ name: 'default', fullyQualifiedName: 'PeerAuthentication/payments/default', kind: 'resource' }],
    });
    expect(run.results[3]).toMatchObject({ ruleId: 'sidecar-resources', ruleIndex: 1, level: 'note' });
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex as number]?.id).toBe(r.ruleId);
  });

  it('marks waived findings inSource and baselined ones external', () => {
    expect(run.results[2]!.suppressions).toEqual([
      { kind: 'inSource', status: 'accepted', justification: 'sidecar exits via /quitquitquit in the entrypoint', properties: { expires: '2027-01-31' } },
    ]);
    expect(run.results[7]!.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'present in baseline .meshguard-baseline.json' }]);
    expect(run.results[0]!.suppressions).toBeUndefined();
    expect(run.results[0]!.locations[0].logicalLocations).toBeUndefined();
  });

  it('percent-encodes odd paths and describes rules that were not passed in', () => {
    const [first] = makeInput().findings;
    const odd = { ...first!, file: './c:weird dir/100%#.yaml', ruleId: 'parse-error' };
    const out = JSON.parse(renderSarif(makeInput({ findings: [odd] }))) as Sarif;
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    const r = out.runs[0]!.results[0]!;
    expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe('c%3Aweird%20dir/100%25%23.yaml');
    expect(out.runs[0]!.tool.driver.rules[r.ruleIndex as number]).toMatchObject({ id: 'parse-error', defaultConfiguration: { level: 'error' } });
  });

  it('is valid when empty, and deterministic', () => {
    const empty = JSON.parse(renderSarif(makeInput({ findings: [] }))) as Sarif;
    expect(validate(empty)).toBe(true);
    expect(empty.runs[0]!.results).toEqual([]);
    expect(renderSarif(makeInput())).toBe(text);
  });
});
