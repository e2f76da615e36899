import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MeshguardConfig } from '../../src/config/types.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveRuleSettings } from '../../src/engine/settings.js';
import { parseSourceText } from '../../src/load/index.js';
import { defaultRules } from '../../src/check.js';
import { allRuleMetas } from '../../src/rules/registry.js';

/** Run every built-in rule (TypeScript and shipped Rego) over an inline tree; return the unsuppressed findings of one rule. */
function check(yaml: string, ruleId: string, config: Partial<MeshguardConfig> = {}) {
  const full: MeshguardConfig = { ...DEFAULT_CONFIG, ...config, mesh: { ...DEFAULT_CONFIG.mesh, ...config.mesh } };
  const { resources } = parseSourceText({ path: 'tree.yaml', text: yaml }, full);
  const rules = defaultRules();
  const metas = allRuleMetas(rules);
  const { findings } = evaluate({ resources, problems: [], rules, knownRules: metas, settings: resolveRuleSettings(full, metas), mesh: full.mesh, today: '2026-11-26' });
  return findings.filter((f) => f.ruleId === ruleId && !f.suppressed);
}

const ns = (name: string, labels = 'istio-injection: enabled') => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: {${labels}}}\n---\n`;

function deployment(name: string, o: { replicas?: number; annotations?: string; resources?: string; extra?: string } = {}) {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: team}
spec:
  replicas: ${o.replicas ?? 1}
  template:
    metadata:
      annotations: {${o.annotations ?? ''}}
    spec:
${o.extra ?? ''}      containers:
        - name: ${name}
          image: x
          resources: ${o.resources ?? '{requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}'}
---
`;
}

const quota = (hard: string, extra = '') => `apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute, namespace: team}\nspec:\n  hard: {${hard}}\n${extra}---\n`;

describe('gateway-template pods (Istio\'s gateway Helm chart)', () => {
  // The chart's Deployment: the container named istio-proxy is the gateway itself, sized by the chart.
  const gateway = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: team}
spec:
  replicas: 3
  strategy: {type: Recreate}
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata:
      annotations: {inject.istio.io/templates: gateway}
      labels: {istio: ingressgateway, sidecar.istio.io/inject: "true"}
    spec:
      containers:
        - name: istio-proxy
          image: auto
          resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: "2", memory: 1Gi}}
---
`;
  const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: istio-ingressgateway, namespace: team}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: istio-ingressgateway}
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`;
  it('adds no sidecar to the quota sums: 3 pods x 500m fit 1500m exactly', () => {
    expect(check(ns('team', 'team: platform') + quota('requests.cpu: 1500m, limits.cpu: "6"') + gateway, 'sidecar-quota')).toEqual([]);
    expect(check(ns('team', 'team: platform') + quota('requests.cpu: 1400m') + gateway, 'sidecar-quota')[0]!.message).toContain('1500m');
  });
  it('has no proxy share for the HPA to skew', () => {
    expect(check(ns('team', 'team: platform') + gateway + hpa, 'hpa-sidecar-skew')).toEqual([]);
  });
});

describe('sidecar-quota', () => {
  it('does the arithmetic over all workloads and names the sidecar share and top contributors', () => {
    const tree = ns('team') + quota('requests.cpu: 2500m') + deployment('a', { replicas: 3 }) + deployment('b', { replicas: 1, resources: '{requests: {cpu: 100m}}' });
    const findings = check(tree, 'sidecar-quota');
    expect(findings).toHaveLength(1);
    // a: (3 + 1 surge) x 600m = 2400m; b: (1 + 1 surge) x 200m = 400m; sidecars: 6 pods x 100m = 600m.
    expect(findings[0]).toMatchObject({ messageId: 'quotaExceeded', path: '/spec/hard/requests.cpu', severity: 'error' });
    expect(findings[0]!.message).toBe(
      'requests.cpu: the workloads of namespace team need 2800m at their peak but ResourceQuota team/compute allows 2500m; ' +
        '600m of it is sidecar overhead (istio-proxy and istio-init), without which it would fit — ' +
        'Deployment team/a 4 pods (3 replicas + 1 surge) x 600m = 2400m, 400m of it sidecar; ' +
        'Deployment team/b 2 pods (1 replica + 1 surge) x 200m = 400m, 200m of it sidecar',
    );
    expect(findings[0]!.related?.map((r) => r.name)).toEqual(['a', 'b']);
    // Fits at exactly the peak.
    expect(check(tree.replace('requests.cpu: 2500m', 'requests.cpu: 2800m'), 'sidecar-quota')).toEqual([]);
  });

  it('names only the top contributors', () => {
    const tree = ns('team') + quota('requests.cpu: 100m') + ['a', 'b', 'c', 'd'].map((n) => deployment(n)).join('');
    const findings = check(tree, 'sidecar-quota', { rules: { 'sidecar-quota': { options: { topContributors: 2 } } } });
    expect(findings[0]!.message).toMatch(/ and 2 more$/);
    expect(findings[0]!.related).toHaveLength(2);
  });

  it('fits when the quota holds the sidecars', () => {
    expect(check(ns('team') + quota('requests.cpu: 2400m, pods: 4') + deployment('a', { replicas: 3 }), 'sidecar-quota')).toEqual([]);
  });

  it('counts nothing for a namespace without injection beyond the app', () => {
    expect(check(ns('team', '') + quota('requests.cpu: 2') + deployment('a', { replicas: 3 }), 'sidecar-quota')).toEqual([]);
  });

  it('rejects the pod when a partial annotation leaves the proxy without a quota-required value, once per workload', () => {
    const tree = ns('team') + quota('requests.cpu: "10", limits.cpu: "40"') + quota('limits.memory: 10Gi').replace('compute', 'mem') + deployment('a', { annotations: 'sidecar.istio.io/proxyCPU: 100m' });
    const findings = check(tree, 'sidecar-quota');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ messageId: 'proxyMissingForQuota', path: '/spec/template/metadata/annotations/sidecar.istio.io~1proxyCPU' });
    expect(findings[0]!.message).toContain('set no limits.cpu, limits.memory');
    expect(findings[0]!.related?.map((r) => r.name)).toEqual(['compute', 'mem']);
  });

  it('honours the cronJobConcurrentRuns option', () => {
    const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: team}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      activeDeadlineSeconds: 60
      template:
        metadata: {annotations: {sidecar.istio.io/nativeSidecar: "true"}}
        spec:
          containers: [{name: c, image: x, resources: {requests: {cpu: 400m}}}]
`;
    const tree = ns('team') + quota('requests.cpu: "1"') + cron;
    expect(check(tree, 'sidecar-quota')).toEqual([]); // 2 runs x 500m
    const findings = check(tree, 'sidecar-quota', { rules: { 'sidecar-quota': { options: { cronJobConcurrentRuns: { Allow: 3 } } } } });
    expect(findings[0]?.message).toContain('3 pods (parallelism 1 x 3 concurrent runs under concurrencyPolicy Allow) x 500m = 1500m');
  });

  it('reports an unparsable hard value', () => {
    expect(check(ns('team') + quota('requests.cpu: 2 cores'), 'sidecar-quota')).toMatchObject([{ messageId: 'badHardQuantity' }]);
  });
});

describe('sidecar-proxy-resources', () => {
  it('is silent for non-injected workloads, whatever their annotations', () => {
    expect(check(ns('team', '') + deployment('a', { annotations: 'sidecar.istio.io/proxyCPU: lots' }), 'sidecar-proxy-resources')).toEqual([]);
  });
  it('checks the native sidecar against LimitRanges too', () => {
    const lr = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: team}\nspec:\n  limits: [{type: Container, maxLimitRequestRatio: {memory: "4"}}]\n---\n';
    const findings = check(ns('team') + lr + deployment('a', { annotations: 'sidecar.istio.io/nativeSidecar: "true"' }), 'sidecar-proxy-resources');
    expect(findings.map((f) => f.messageId)).toEqual(['limitRangeRatio']);
    expect(findings[0]!.message).toContain('memory limit/request ratio of 8 (1Gi/128Mi), above the maxLimitRequestRatio 4 of LimitRange team/lr');
    expect(findings[0]!.path).toBe('/spec/template/spec/containers');
  });
});

describe('hpa-sidecar-skew', () => {
  const hpa = (metric: string) => `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: team}\nspec:\n  scaleTargetRef: {kind: Deployment, name: a}\n  maxReplicas: 3\n  metrics: [${metric}]\n---\n`;
  it('gives the effective app-only threshold', () => {
    const [f] = check(ns('team') + deployment('a') + hpa('{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}'), 'hpa-sidecar-skew');
    expect(f).toMatchObject({ messageId: 'utilizationIncludesProxy', severity: 'warning', path: '/spec/metrics/0' });
    expect(f!.message).toContain('target 80% of 600m total incl. 100m proxy');
    expect(f!.message).toContain('scales at 76%–96% of app CPU (380m–480m of 500m)');
    expect(f!.message).toContain('container: a');
  });
  it('errors when an app container has no CPU request', () => {
    const findings = check(ns('team') + deployment('a', { resources: '{requests: {memory: 1Gi}}' }) + hpa('{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}'), 'hpa-sidecar-skew');
    expect(findings).toMatchObject([{ messageId: 'missingCpuRequest', severity: 'error' }]);
    expect(findings[0]!.message).toContain('container a has no CPU request');
  });
  it('ignores ContainerResource and non-injected targets', () => {
    expect(check(ns('team') + deployment('a') + hpa('{type: ContainerResource, containerResource: {name: cpu, container: a, target: {type: Utilization, averageUtilization: 80}}}'), 'hpa-sidecar-skew')).toEqual([]);
    expect(check(ns('team', '') + deployment('a') + hpa('{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}'), 'hpa-sidecar-skew')).toEqual([]);
  });
});

describe('job-sidecar-termination', () => {
  const job = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: team}\nspec:\n  activeDeadlineSeconds: 60\n  template:\n    spec:\n      containers: [{name: j, image: x, command: [./run]}]\n`;
  it('accepts a mesh that runs native sidecars by default', () => {
    expect(check(ns('team') + job, 'job-sidecar-termination')).toMatchObject([{ messageId: 'proxyNeverExits' }]);
    expect(check(ns('team') + job, 'job-sidecar-termination', { mesh: { ...DEFAULT_CONFIG.mesh, nativeSidecars: true } })).toEqual([]);
  });
  it('skips Jobs created by a CronJob', () => {
    const owned = job.replace('metadata: {name: j, namespace: team}', 'metadata: {name: j, namespace: team, ownerReferences: [{kind: CronJob, name: c}]}');
    expect(check(ns('team') + owned, 'job-sidecar-termination')).toEqual([]);
  });
  it('says nothing about a justified opt-out', () => {
    const optOut = job.replace('  template:\n', '  template:\n    metadata:\n      labels: {sidecar.istio.io/inject: "false"}\n      annotations: {meshguard.io/no-sidecar-reason: "batch spooler only"}\n');
    expect(check(ns('team') + optOut, 'job-sidecar-termination')).toEqual([]);
  });
});
