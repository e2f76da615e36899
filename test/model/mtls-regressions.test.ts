import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ENGINE_RULES } from '../../src/engine/check.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { Inventory } from '../../src/model/inventory.js';
import { mtlsRegressions } from '../../src/model/istio/mtls-regressions.js';
import { parseSourceText } from '../../src/load/index.js';
import { mtlsNoDowngradeRule } from '../../src/rules/mesh/mtls-no-downgrade.js';
import { allRuleMetas } from '../../src/rules/registry.js';

const mesh = DEFAULT_CONFIG.mesh;

const namespace = (name: string, injection = 'enabled') =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    istio-injection: ${injection}\n---\n`;
const deployment = (name: string, ns: string, podLabels = '', ports = '8080, 5701') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n${podLabels}` +
  `    spec:\n      containers:\n        - name: app\n          image: registry.example.com/${name}:1.0\n          ports: [${ports
    .split(',')
    .map((p) => `{containerPort: ${p.trim()}}`)
    .join(', ')}]\n---\n`;
const pa = (name: string, ns: string, body: string) =>
  `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${body}\n---\n`;
const meshStrict = pa('default', 'istio-system', '  mtls:\n    mode: STRICT');

function load(yaml: string, file: string) {
  return parseSourceText({ path: file, text: yaml }, DEFAULT_CONFIG).resources;
}

/** Run only mtls-no-downgrade on head with base as the merge request's base; `line messageId` of findings. */
function compare(base: string, head: string): { findings: string[]; messages: string[] } {
  const resources = load(head, 'head.yaml');
  const metas = [...allRuleMetas([mtlsNoDowngradeRule]), ...ENGINE_RULES];
  const { findings } = evaluate({
    resources,
    problems: [],
    rules: [mtlsNoDowngradeRule],
    knownRules: metas,
    settings: resolveRuleSettings(DEFAULT_CONFIG, metas),
    mesh,
    today: '2026-11-26',
    baseline: new Inventory(load(base, 'base.yaml')),
  });
  const regressions = findings.filter((f) => ['weakerThanBase', 'strictPolicyRemoved', 'lostSidecar'].includes(f.messageId));
  return { findings: regressions.map((f) => `${f.line} ${f.messageId}`), messages: regressions.map((f) => f.message) };
}

const line = (yaml: string, needle: string, occurrence = 1): number => {
  let index = -1;
  for (let i = 0; i < occurrence; i++) index = yaml.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`no ${needle}`);
  return yaml.slice(0, index).split('\n').length;
};

describe('mtls-no-downgrade against the merge request base', () => {
  const base = namespace('payments') + deployment('ledger', 'payments') + meshStrict + pa('payments', 'payments', '  mtls:\n    mode: STRICT');

  it('reports nothing when head equals base, and nothing without a base', () => {
    expect(compare(base, base).findings).toEqual([]);
    const { inventory } = { inventory: new Inventory(load(base, 'head.yaml')) };
    expect(mtlsRegressions(inventory, new Inventory(load(base, 'base.yaml')), mesh)).toEqual([]);
  });

  it('reports a namespace policy flipped STRICT -> PERMISSIVE once, on its mode, naming every workload and port', () => {
    const head = base.replace(/name: payments\n  namespace: payments\nspec:\n  mtls:\n    mode: STRICT/, 'name: payments\n  namespace: payments\nspec:\n  mtls:\n    mode: PERMISSIVE');
    const { findings, messages } = compare(base, head);
    expect(findings).toEqual([`${line(head, 'mode: PERMISSIVE')} weakerThanBase`]);
    expect(messages[0]).toContain('mtls.mode PERMISSIVE');
    expect(messages[0]).toContain(
      'Deployment payments/ledger and its ports 5701, 8080 was STRICT (namespace-wide PeerAuthentication payments/payments) at the base revision',
    );
  });

  it('names at most ten workloads/ports in one finding and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => deployment(`svc${i}`, 'payments', '', '8080')).join('');
    const before = namespace('payments') + many + meshStrict;
    const { findings, messages } = compare(before, before.replace('mode: STRICT', 'mode: PERMISSIVE'));
    expect(findings).toHaveLength(1);
    // The mesh-wide policy itself first, then one item per workload (the workload and its port 8080 together): 13 items.
    expect(messages[0]).toContain(': the mesh was STRICT (mesh-wide PeerAuthentication istio-system/');
    expect(messages[0]).toContain('Deployment payments/svc0 and its port 8080 was STRICT');
    expect(messages[0]).toMatch(/; and 3 more$/);
  });

  it('reports a new port-level DISABLE on the port entry, for that port only', () => {
    const head = base + pa('ledger', 'payments', '  selector:\n    matchLabels:\n      app: ledger\n  portLevelMtls:\n    5701:\n      mode: DISABLE');
    const { findings, messages } = compare(base, head);
    expect(findings).toEqual([`${line(head, 'mode: DISABLE')} weakerThanBase`]);
    expect(messages[0]).toContain('Deployment payments/ledger port 5701 was STRICT');
    expect(messages[0]).not.toContain('port 8080');
  });

  it('compares a port that only one revision names with the whole-workload mode of the other', () => {
    const strictPort = pa('ledger', 'payments', '  selector:\n    matchLabels:\n      app: ledger\n  mtls:\n    mode: PERMISSIVE\n  portLevelMtls:\n    9443:\n      mode: STRICT');
    const before = namespace('payments') + deployment('ledger', 'payments') + strictPort;
    // Head drops the port entry: 9443 falls back to the workload's PERMISSIVE.
    const head = before.replace('\n  portLevelMtls:\n    9443:\n      mode: STRICT', '');
    const { findings, messages } = compare(before, head);
    expect(findings).toEqual([`${line(head, 'mode: PERMISSIVE')} weakerThanBase`]);
    expect(messages[0]).toContain('port 9443 was STRICT (port-level in PeerAuthentication payments/ledger)');
  });

  it('reports on the workload when no policy decides any more', () => {
    const before = namespace('payments') + deployment('ledger', 'payments') + pa('ledger', 'payments', '  selector:\n    matchLabels:\n      app: ledger\n  mtls:\n    mode: PERMISSIVE');
    const head = namespace('payments') + deployment('ledger', 'payments', '', '8080');
    // PERMISSIVE -> PERMISSIVE default: not weaker.
    expect(compare(before, head).findings).toEqual([]);
    const disabled = before.replace('mode: PERMISSIVE', 'mode: DISABLE');
    // DISABLE -> default PERMISSIVE is stronger; the reverse (a policy-less base) cannot get weaker without a policy.
    expect(compare(disabled, head).findings).toEqual([]);
  });

  it('reports a removed STRICT namespace policy on the Namespace, naming the workloads and the base location, once', () => {
    const head = namespace('payments') + deployment('ledger', 'payments');
    const { findings, messages } = compare(base, head);
    expect(findings).toEqual([`${line(head, 'name: payments')} strictPolicyRemoved`, `${line(head, 'name: ledger')} strictPolicyRemoved`]);
    expect(messages[0]).toContain('STRICT namespace-wide PeerAuthentication payments/payments');
    expect(messages[0]).toContain(`base.yaml:${line(base, 'name: payments', 2)} at the merge request's base revision`);
    // The removed namespace policy decided the workload: its weakening is not reported again as weakerThanBase.
    expect(messages[0]).toContain('Deployment payments/ledger is now PERMISSIVE');
    // The mesh-wide policy is gone too; with no Namespace istio-system to sit on it falls back to the first
    // workload of the tree, and says that nothing relied on it (the namespace policy decided everything).
    expect(messages[1]).toContain('STRICT mesh-wide PeerAuthentication istio-system/default');
    expect(messages[1]).toContain('no workload of the tree relied on it');
  });

  it('reports a removed STRICT mesh-wide policy and does not report a renamed one', () => {
    const head = namespace('payments') + deployment('ledger', 'payments') + pa('payments', 'payments', '  mtls:\n    mode: STRICT');
    const { findings, messages } = compare(base, head);
    // No Namespace istio-system and no workload there: the removal sits on the first workload of the tree.
    expect(findings).toEqual([`${line(head, 'name: ledger')} strictPolicyRemoved`]);
    expect(messages[0]).toContain('STRICT mesh-wide PeerAuthentication istio-system/default');
    expect(messages[0]).toContain('no workload of the tree relied on it');

    const renamed = head + pa('mesh-default', 'istio-system', '  mtls:\n    mode: STRICT');
    expect(compare(base, renamed).findings).toEqual([]);
  });

  it('reports a removed STRICT mesh-wide policy on the root Namespace, naming each workload it protected', () => {
    const root = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n---\n';
    const before = root + namespace('payments') + deployment('ledger', 'payments') + deployment('api', 'payments', '', '8080') + meshStrict;
    const head = root + namespace('payments') + deployment('ledger', 'payments') + deployment('api', 'payments', '', '8080');
    const { findings, messages } = compare(before, head);
    expect(findings).toEqual([`${line(head, 'name: istio-system')} strictPolicyRemoved`]);
    expect(messages[0]).toContain(
      "Deployment payments/ledger is now PERMISSIVE (Istio's default, no policy); Deployment payments/api is now PERMISSIVE (Istio's default, no policy)",
    );
  });

  it('reports a lost sidecar on hostNetwork', () => {
    const head = base.replace('    spec:\n      containers:', '    spec:\n      hostNetwork: true\n      containers:');
    expect(compare(base, head).findings).toEqual([`${line(head, 'hostNetwork: true')} lostSidecar`]);
  });

  it('reports a removed STRICT workload policy on the workloads it selected', () => {
    const before = namespace('payments') + deployment('ledger', 'payments') + pa('ledger', 'payments', '  selector:\n    matchLabels:\n      app: ledger\n  mtls:\n    mode: STRICT');
    const head = namespace('payments') + deployment('ledger', 'payments');
    const { findings, messages } = compare(before, head);
    expect(findings).toEqual([`${line(head, '      labels:')} strictPolicyRemoved`]);
    expect(messages[0]).toContain('Deployment payments/ledger is now PERMISSIVE');
  });

  it('reports a lost sidecar on the pod opt-out label, and on the Namespace when the namespace stopped injecting', () => {
    const optOut = base.replace('        app: ledger\n', '        app: ledger\n        sidecar.istio.io/inject: "false"\n');
    expect(compare(base, optOut).findings).toEqual([`${line(optOut, 'sidecar.istio.io/inject')} lostSidecar`]);

    const two = namespace('payments') + deployment('ledger', 'payments') + deployment('api', 'payments') + meshStrict;
    const disabled = two.replace('istio-injection: enabled', 'istio-injection: disabled');
    const { findings, messages } = compare(two, disabled);
    expect(findings).toEqual([`${line(disabled, 'istio-injection: disabled')} lostSidecar`]);
    expect(messages[0]).toContain('Deployment payments/ledger; Deployment payments/api');
  });

  it('ignores workloads that exist in one revision only, or had no sidecar at base', () => {
    const head = base + deployment('api', 'payments', '        sidecar.istio.io/inject: "false"\n');
    expect(compare(base, head).findings).toEqual([]);
    const plain = namespace('payments', 'disabled') + deployment('ledger', 'payments') + meshStrict;
    // No workload item: only the mesh-wide policy's own downgrade (item 10 of issue 14), which holds regardless.
    const weakened = plain.replace('mode: STRICT', 'mode: DISABLE');
    const { findings, messages } = compare(plain, weakened);
    expect(findings).toEqual([`${line(weakened, 'mode: DISABLE')} weakerThanBase`]);
    expect(messages[0]).not.toContain('Deployment');
  });

  it('reports a namespace-wide STRICT -> PERMISSIVE as a downgrade of the policy itself, even when its only workload lost its sidecar', () => {
    const before = namespace('payments') + deployment('ledger', 'payments') + pa('default', 'payments', '  mtls:\n    mode: STRICT');
    const head = namespace('payments') + deployment('ledger', 'payments', '        sidecar.istio.io/inject: "false"\n') + pa('default', 'payments', '  mtls:\n    mode: PERMISSIVE');
    const { findings, messages } = compare(before, head);
    expect(findings).toContain(`${line(head, 'mode: PERMISSIVE')} weakerThanBase`);
    expect(messages.find((m) => m.startsWith('mtls.mode PERMISSIVE'))).toContain('namespace payments was STRICT (namespace-wide PeerAuthentication payments/default)');
    expect(findings.some((f) => f.endsWith('lostSidecar'))).toBe(true);
  });
});
