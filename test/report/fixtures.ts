import type { Finding, ResourceRef, RuleMeta } from '../../src/model/types.js';
import type { ReportInput } from '../../src/report/types.js';

/** Realistic run over four files, one of them multi-document, with every case the reporters must handle. */

export const peerAuth: ResourceRef = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', namespace: 'payments', name: 'default' };
export const api: ResourceRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'api' };
export const worker: ResourceRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'worker' };
export const migrate: ResourceRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'payments', name: 'migrate' };
export const legacyNs: ResourceRef = { apiVersion: 'v1', kind: 'Namespace', name: 'legacy' };

export const rules: RuleMeta[] = [
  {
    id: 'mtls-strict',
    title: 'mTLS must be STRICT',
    description: 'PeerAuthentication and DestinationRule settings must not downgrade mesh traffic to plain text.',
    severity: 'error',
    helpUri: 'https://meshguard.dev/rules/mtls-strict',
    tags: ['security', 'istio'],
    appliesTo: { family: 'kubernetes' },
  },
  {
    id: 'sidecar-resources',
    title: 'Sidecar resources are budgeted',
    description: 'Workloads in the mesh set istio-proxy CPU and memory requests and limits.',
    severity: 'warning',
    helpUri: 'https://meshguard.dev/rules/sidecar-resources',
    tags: ['reliability'],
    appliesTo: { family: 'kubernetes', kinds: ['Deployment', 'Job'] },
  },
  {
    id: 'job-sidecar-termination',
    title: 'Jobs with sidecars terminate',
    description: 'A Job whose pod gets an Envoy sidecar must make the sidecar exit when the main container ends.',
    severity: 'warning',
    helpUri: 'https://meshguard.dev/rules/job-sidecar-termination',
    tags: ['reliability', 'istio'],
    appliesTo: { family: 'kubernetes', kinds: ['Job', 'CronJob'] },
  },
  {
    id: 'yaml-syntax',
    title: 'YAML parses',
    description: 'Every file must be valid YAML.',
    severity: 'error',
    helpUri: 'https://meshguard.dev/rules/yaml-syntax',
    tags: ['correctness'],
    appliesTo: { family: 'kubernetes' },
  },
];

type Base = Omit<Finding, 'messageId' | 'fingerprint' | 'path'> & Partial<Pick<Finding, 'messageId' | 'fingerprint' | 'path'>>;

function finding(base: Base, fingerprint: string): Finding {
  return { messageId: 'problem', path: '', ...base, fingerprint: base.fingerprint ?? fingerprint };
}

export const XML_HOSTILE = 'Unexpected token \'<\' & "]]>" at end of mapping';
export const UNICODE_MESSAGE = 'PeerAuthentication "default" sets mode PERMISSIVE: Zürich→東京 🚀 traffic accepts <plain text> & more';
export const CONTROL_MESSAGE = 'label value "a\u0000b\u0007c\u001b[31mred\u001b[0m"\nsecond line\u000bend';

export function findings(): Finding[] {
  return [
    finding({ ruleId: 'yaml-syntax', severity: 'error', message: XML_HOSTILE, file: 'broken/bad.yaml', line: 3, column: 1, endLine: 3, endColumn: 9 }, 'fp-yaml-1'),
    finding(
      { ruleId: 'mtls-strict', severity: 'warning', message: CONTROL_MESSAGE, file: 'k8s/cluster/ns.yaml', line: 1, column: 1, endLine: 6, endColumn: 1, resource: legacyNs, path: '/metadata/labels' },
      'fp-ns-1',
    ),
    finding(
      {
        ruleId: 'job-sidecar-termination', severity: 'warning', message: 'Job "migrate" runs with an Envoy sidecar that never exits', file: 'k8s/jobs/migrate.yaml', line: 5, column: 3, endLine: 5, endColumn: 11,
        resource: migrate, path: '/spec/template', suppressed: { kind: 'waiver', justification: 'sidecar exits via /quitquitquit in the entrypoint', expires: '2027-01-31' },
      },
      'fp-job-1',
    ),
    finding(
      { ruleId: 'sidecar-resources', messageId: 'noMemoryLimit', severity: 'info', message: 'istio-proxy has no memory limit', file: 'k8s/jobs/migrate.yaml', line: 20, column: 9, endLine: 20, endColumn: 30, resource: migrate, path: '/spec/template/metadata/annotations' },
      'fp-job-2',
    ),
    finding(
      { ruleId: 'mtls-strict', severity: 'error', message: UNICODE_MESSAGE, file: 'k8s/mesh/peer-auth.yaml', line: 14, column: 11, endLine: 14, endColumn: 21, resource: peerAuth, path: '/spec/mtls/mode', related: [api] },
      'fp-pa-1',
    ),
    finding(
      { ruleId: 'mtls-strict', severity: 'error', message: 'Deployment "api" disables mTLS for port 8080', file: 'k8s/mesh/peer-auth.yaml', line: 130, column: 7, endLine: 130, endColumn: 40, resource: api, path: '/spec/template/metadata/annotations/traffic.sidecar.istio.io~1excludeInboundPorts' },
      'fp-pa-2',
    ),
    finding(
      { ruleId: 'sidecar-resources', severity: 'warning', message: 'istio-proxy has no CPU request', file: 'k8s/mesh/peer-auth.yaml', line: 130, column: 7, endLine: 130, endColumn: 40, resource: api, path: '/spec/template/metadata/annotations' },
      'fp-pa-3',
    ),
    finding(
      { ruleId: 'sidecar-resources', severity: 'warning', message: 'istio-proxy has no CPU request', file: 'k8s/mesh/peer-auth.yaml', line: 160, column: 7, endLine: 160, endColumn: 40, resource: worker, path: '/spec/template/metadata/annotations', suppressed: { kind: 'baseline', justification: 'present in baseline .meshguard-baseline.json' } },
      'fp-pa-4',
    ),
  ];
}

export function checked(): ReportInput['checked'] {
  return [
    { ruleId: 'yaml-syntax', file: 'broken/bad.yaml' },
    { ruleId: 'yaml-syntax', file: 'k8s/cluster/ns.yaml' },
    { ruleId: 'yaml-syntax', file: 'k8s/jobs/migrate.yaml' },
    { ruleId: 'yaml-syntax', file: 'k8s/mesh/peer-auth.yaml' },
    { ruleId: 'mtls-strict', file: 'k8s/cluster/ns.yaml', resource: legacyNs },
    { ruleId: 'mtls-strict', file: 'k8s/mesh/peer-auth.yaml', resource: peerAuth },
    { ruleId: 'mtls-strict', file: 'k8s/mesh/peer-auth.yaml', resource: api },
    { ruleId: 'mtls-strict', file: 'k8s/mesh/peer-auth.yaml', resource: worker },
    { ruleId: 'sidecar-resources', file: 'k8s/jobs/migrate.yaml', resource: migrate },
    { ruleId: 'sidecar-resources', file: 'k8s/mesh/peer-auth.yaml', resource: api },
    { ruleId: 'sidecar-resources', file: 'k8s/mesh/peer-auth.yaml', resource: worker },
    { ruleId: 'job-sidecar-termination', file: 'k8s/jobs/migrate.yaml', resource: migrate },
  ];
}

export function makeInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    findings: findings(),
    rules,
    checked: checked(),
    tool: { name: 'meshguard', version: '0.1.0', informationUri: 'https://meshguard.dev' },
    summary: { files: 4, resources: 5, durationMs: 212 },
    failOn: 'error',
    ...overrides,
  };
}
