import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { runCheck, type CheckResult } from '../../src/check.js';
import type { Finding } from '../../src/model/types.js';
import { actualFindings, expectedFindings } from '../helpers/expectations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PLATFORM = 'fixtures/platform';
const TODAY = '2026-11-26';

/** Every YAML file of a tree, repository-relative, sorted. */
function filesOf(tree: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.ya?ml$/.test(entry.name)) out.push(rel);
    }
  };
  walk(tree);
  return out.sort();
}

function check(tree: string): Promise<CheckResult> {
  return runCheck({ root: ROOT, inputs: [tree], config: DEFAULT_CONFIG, today: TODAY });
}

/**
 * The integrated platform: five team namespaces and istio-system, as a platform repository holds them. In
 * `bad/` every planted problem carries `# expect: <rule-id>` on the line its finding starts; ALL unsuppressed
 * findings of ALL rules are compared with those marks, file by file, nothing filtered. `good/` is the same
 * platform fixed and yields no finding at all (two waived findings, asserted below).
 */
describe('platform tree: bad', () => {
  const tree = `${PLATFORM}/bad`;
  let result: CheckResult;
  beforeAll(async () => {
    result = await check(tree);
  });

  const files = filesOf(tree);
  it('is a multi-namespace tree of several files', () => {
    expect(new Set(files.map((f) => f.split('/')[3]))).toEqual(new Set(['istio-system', 'istio-ingress', 'payments', 'ledger', 'search', 'batch', 'checkout']));
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of files) {
    it(`${file.slice(tree.length + 1)}: findings are exactly the marks`, () => {
      const expected = expectedFindings(path.join(ROOT, file));
      expect(actualFindings(result.findings.filter((f) => f.file === file))).toEqual(expected);
    });
  }

  it('has no finding outside the tree files (load problems included)', () => {
    expect(result.findings.filter((f) => !files.includes(f.file))).toEqual([]);
  });

  it('makes every mesh rule and both schema rules fire', () => {
    const fired = new Set(result.findings.filter((f) => !f.suppressed).map((f) => f.ruleId));
    for (const rule of [
      'sidecar-quota',
      'sidecar-proxy-resources',
      'hpa-sidecar-skew',
      'job-sidecar-termination',
      'capture-bypass-justified',
      'capture-bypass-bulkhead',
      'udp-bulkhead',
      'egress-via-gateway',
      'mtls-no-downgrade',
      'sidecar-scope',
      'injection-labels',
      'schema-validation',
      'schema-deprecated-api',
      'waiver',
    ]) {
      expect(fired, rule).toContain(rule);
    }
  });

  const one = (messageId: string, file: string): Finding => {
    const found = result.findings.filter((f) => f.messageId === messageId && f.file === `${tree}/${file}`);
    expect(found, `${messageId} in ${file}`).toHaveLength(1);
    return found[0]!;
  };

  it('names the other resources behind cross-resource findings', () => {
    const quota = one('quotaExceeded', 'payments/namespace.yaml');
    expect(quota.message).toContain('Deployment payments/payments-api 13 pods (HPA payments/payments-api maxReplicas 10 + 3 surge)');
    expect(quota.message).toContain('1300m of it is sidecar overhead');
    expect(quota.related).toContainEqual(expect.objectContaining({ kind: 'Deployment', namespace: 'payments', name: 'payments-api' }));

    const namespaceDowngrade = one('namespaceDowngrade', 'payments/namespace.yaml');
    expect(namespaceDowngrade.message).toContain('the mesh-wide PeerAuthentication istio-system/default (STRICT)');
    expect(one('portDowngrade', 'search/workloads.yaml').message).toContain('applies to StatefulSet hazelcast');
    // Related resources carry where they are written, for reviewers and every report format.
    expect(one('duplicateIgnored', 'istio-system/mesh.yaml').related).toEqual([
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default', file: 'fixtures/platform/bad/istio-system/mesh.yaml', line: 14, column: 3 },
    ]);
    expect(one('tlsDisabledInMesh', 'payments/api.yaml').message).toContain('(subset v1) toward Service payments/payments-api');

    const bulkhead = one('admitsAllNamespaces', 'search/bulkheads.yaml');
    expect(bulkhead.message).toContain('bypasses the sidecar of StatefulSet search/hazelcast (TCP 5701)');
    expect(bulkhead.related).toContainEqual(expect.objectContaining({ kind: 'StatefulSet', name: 'hazelcast' }));

    // The planted 4-CPU proxy limit also breaks the batch compute quota: the cascade is real and named.
    const batchQuota = one('quotaExceeded', 'batch/namespace.yaml');
    expect(batchQuota.message).toContain('limits.cpu: the workloads of namespace batch need 18400m');
    expect(batchQuota.message).toContain('CronJob batch/ledger-reconcile 1 pod (parallelism 1 x 1 concurrent run under concurrencyPolicy Forbid) x 4500m');

    // Only proxyCPU annotated: Istio drops every other default, the LimitRange fills the proxy's limits (and the
    // requests from them) with its max, and the checkout quota breaks three ways, all of it sidecar.
    expect(one('partialAnnotations', 'checkout/api.yaml').message).toContain('only sidecar.istio.io/proxyCPU is set');
    const checkoutQuota = result.findings.filter((f) => f.messageId === 'quotaExceeded' && f.file === `${tree}/checkout/namespace.yaml`);
    expect(checkoutQuota.map((f) => f.message.slice(0, f.message.indexOf(':')))).toEqual(['requests.memory', 'limits.cpu', 'limits.memory']);
    expect(checkoutQuota[1]!.message).toContain('Deployment checkout/checkout-api 15 pods (HPA checkout/checkout-api maxReplicas 12 + 3 surge) x 5 = 75, 60 of it sidecar');
    expect(one('simpleTlsInMesh', 'ledger/ledger.yaml').message).toContain('toward Service ledger/ledger');

    expect(one('overlappingSelector', 'checkout/namespace.yaml').message).toContain('overlaps Sidecar checkout/checkout-api (both select Deployment checkout-api)');
    expect(one('admitsAnyAddress', 'ledger/namespace.yaml').message).toContain('bypasses the sidecar of Deployment ledger/ledger (TCP 5432 to 10.20.30.40/32)');
    expect(one('meshRouteBypassesGateway', 'checkout/payment-provider.yaml').message).toContain(
      'instead of the egress gateway service istio-egressgateway.istio-system.svc.cluster.local',
    );
    expect(one('limitRangeMax', 'batch/cronjobs.yaml').message).toContain('above the max 2 of LimitRange batch/container-bounds');
    expect(one('utilizationIncludesProxy', 'checkout/api.yaml').message).toContain('500m total incl. 200m proxy (istio-proxy) on Deployment checkout/checkout-api');
    expect(one('missingDefaultDeny', 'ledger/namespace.yaml').message).toContain('namespace ledger runs injected workloads (Deployment ledger, Deployment ledger-archiver)');
    expect(one('incompleteEgressChain', 'checkout/payment-provider.yaml').message).toContain(
      'missing a Gateway selecting istio=egressgateway with a server for api.fraudscore.example',
    );
  });

  it('an expired waiver is reported and suppresses nothing; the valid one suppresses its finding', () => {
    expect(one('expired', 'search/bulkheads.yaml').message).toContain("waiver for 'capture-bypass-bulkhead' expired on 2026-10-31");
    const label = one('admitsLabelInAnyNamespace', 'search/bulkheads.yaml');
    expect(label.suppressed).toBeUndefined();
    expect(result.findings.filter((f) => f.suppressed).map((f) => [f.file, f.ruleId, f.messageId, f.suppressed?.kind, f.suppressed?.expires])).toEqual([
      [`${tree}/batch/cronjobs.yaml`, 'job-sidecar-termination', 'quitquitquitFragile', 'waiver', '2027-01-31'],
    ]);
  });
});

describe('platform tree: good (the same platform, fixed)', () => {
  const tree = `${PLATFORM}/good`;

  it('has the same files as the bad tree and no marks', () => {
    const files = filesOf(tree);
    expect(files.map((f) => f.slice(tree.length))).toEqual(filesOf(`${PLATFORM}/bad`).map((f) => f.slice(`${PLATFORM}/bad`.length)));
    for (const file of files) expect(expectedFindings(path.join(ROOT, file)), file).toEqual([]);
  });

  it('yields no finding of any rule; the two waived findings stay suppressed by their valid waivers', async () => {
    const result = await check(tree);
    expect(result.resources).toBeGreaterThan(60);
    expect(actualFindings(result.findings)).toEqual([]);
    expect(result.findings.map((f) => [f.file, f.ruleId, f.messageId, f.suppressed?.kind, f.suppressed?.expires])).toEqual([
      [`${tree}/batch/cronjobs.yaml`, 'job-sidecar-termination', 'quitquitquitFragile', 'waiver', '2027-01-31'],
      [`${tree}/search/bulkheads.yaml`, 'capture-bypass-bulkhead', 'admitsLabelInAnyNamespace', 'waiver', '2027-03-31'],
    ]);
  });
});
