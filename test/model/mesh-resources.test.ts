import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_MESH_SETTINGS } from '../../src/config/types.js';
import { parseSourceText } from '../../src/load/index.js';
import { Inventory } from '../../src/model/inventory.js';
import { containerLimitsIn, limitRangeViolations } from '../../src/model/mesh/limit-range.js';
import { effectivePodResources } from '../../src/model/mesh/pod-resources.js';
import { quotaItemsOf, quotaSelectsPod } from '../../src/model/mesh/quota.js';
import { replicaBudgetOf, resolveIntOrPercent } from '../../src/model/mesh/replicas.js';
import { workloadPodOf } from '../../src/model/mesh/resources.js';

const Mi = (n: number): bigint => BigInt(n) * 1024n * 1024n * 1000n;

function load(yaml: string) {
  const { resources } = parseSourceText({ path: 'x.yaml', text: yaml }, DEFAULT_CONFIG);
  return { resources, inventory: new Inventory(resources) };
}

const NS = `apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {istio-injection: enabled}}
---
`;

function deployment(opts: { annotations?: string; resources?: string; extra?: string; spec?: string; name?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${opts.name ?? 'api'}, namespace: team}
spec:
${opts.spec ?? ''}  template:
    metadata:
      annotations: {${opts.annotations ?? ''}}
    spec:
${opts.extra ?? ''}      containers:
        - name: api
          image: x
          resources: ${opts.resources ?? '{requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}'}
---
`;
}

function podOf(yaml: string, kind = 'Deployment', mesh = DEFAULT_MESH_SETTINGS) {
  const { resources, inventory } = load(yaml);
  return workloadPodOf(resources.find((r) => r.kind === kind)!, inventory, mesh)!;
}

describe('workloadPodOf', () => {
  it('adds istio-proxy and istio-init with the mesh defaults', () => {
    const pod = podOf(NS + deployment());
    expect(pod.shape.containers.map((c) => c.name)).toEqual(['istio-proxy', 'api']);
    expect(pod.shape.initContainers.map((c) => c.name)).toEqual(['istio-init']);
    expect(pod.proxy?.source).toBe('mesh');
    const totals = effectivePodResources(pod.shape);
    expect(totals.requests).toEqual({ cpu: 600n, memory: Mi(384) });
    expect(totals.limits).toEqual({ cpu: 3000n, memory: Mi(1536) });
    expect(effectivePodResources(pod.appShape).requests).toEqual({ cpu: 500n, memory: Mi(256) });
  });

  it('applies ONLY the annotated values once any proxy annotation is set', () => {
    const pod = podOf(NS + deployment({ annotations: 'sidecar.istio.io/proxyCPU: 50m' }));
    const proxy = pod.shape.containers[0]!;
    expect(proxy.requests).toEqual({ cpu: 50n });
    expect(proxy.limits).toEqual({});
    expect(pod.shape.initContainers[0]!.requests).toEqual({ cpu: 50n });
    expect(effectivePodResources(pod.shape).limits).toEqual({});
  });

  it('defaults a missing request to the limit, as the API server does', () => {
    const pod = podOf(NS + deployment({ annotations: 'sidecar.istio.io/proxyCPULimit: 300m, sidecar.istio.io/proxyMemoryLimit: 256Mi' }));
    expect(pod.shape.containers[0]!.requests).toEqual({ cpu: 300n, memory: Mi(256) });
  });

  it('reports unparsable annotations and leaves them out of the arithmetic', () => {
    const pod = podOf(NS + deployment({ annotations: 'sidecar.istio.io/proxyCPU: 100mi, sidecar.istio.io/proxyMemory: 128Mi' }));
    expect(pod.problems).toEqual([{ path: ['spec', 'template', 'metadata', 'annotations', 'sidecar.istio.io/proxyCPU'], what: 'sidecar.istio.io/proxyCPU', error: expect.any(String) }]);
    expect(pod.shape.containers[0]!.requests).toEqual({ memory: Mi(128) });
  });

  it('puts the proxy in initContainers with restartPolicy Always in native-sidecar mode', () => {
    const pod = podOf(NS + deployment({ annotations: 'sidecar.istio.io/nativeSidecar: "true"' }));
    expect(pod.shape.containers.map((c) => c.name)).toEqual(['api']);
    expect(pod.shape.initContainers.map((c) => [c.name, c.restartable])).toEqual([['istio-init', false], ['istio-proxy', true]]);
    expect(effectivePodResources(pod.shape).requests.cpu).toBe(600n);
  });

  it('adds nothing to a pod that is not injected', () => {
    const pod = podOf(deployment());
    expect(pod.injection.injected).toBe(false);
    expect(pod.shape).toBe(pod.appShape);
  });

  it('fills missing values from the namespace LimitRange defaults, for the proxy too', () => {
    const limitRange = `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec:
  limits:
    - type: Container
      max: {memory: 2Gi}
      defaultRequest: {cpu: 50m}
---
`;
    const pod = podOf(NS + limitRange + deployment({ annotations: 'sidecar.istio.io/proxyMemory: 64Mi', resources: '{}' }));
    const [proxy, app] = pod.shape.containers;
    // default limit defaults to max; defaultRequest to default.
    expect(proxy!.requests).toEqual({ cpu: 50n, memory: Mi(64) });
    expect(proxy!.limits).toEqual({ memory: Mi(2048) });
    expect(app!.requests).toEqual({ cpu: 50n, memory: Mi(2048) });
  });
});

describe('limitRangeViolations', () => {
  const { inventory } = load(`apiVersion: v1
kind: LimitRange
metadata: {name: lr, namespace: team}
spec:
  limits:
    - type: Pod
      max: {cpu: "1"}
    - type: Container
      max: {cpu: "1"}
      min: {memory: 64Mi}
      maxLimitRequestRatio: {cpu: "10", memory: 2.5}
`);
  const [range] = containerLimitsIn('team', inventory);
  it('reads only Container entries', () => {
    expect(containerLimitsIn('team', inventory)).toHaveLength(1);
    expect(range!.path).toEqual(['spec', 'limits', 1]);
  });
  it('flags the default proxy: cpu limit above max, cpu ratio 20', () => {
    const v = limitRangeViolations({ cpu: 100n, memory: Mi(128) }, { cpu: 2000n, memory: Mi(1024) }, range!);
    expect(v.map((x) => `${x.kind}:${x.resource}`)).toEqual(['max:cpu', 'ratio:cpu', 'ratio:memory']);
  });
  it('requires a limit under max, a request above min and both for a ratio', () => {
    const v = limitRangeViolations({ cpu: 100n }, {}, range!);
    expect(v.map((x) => `${x.kind}:${x.resource}`)).toEqual(['max:cpu', 'ratio:cpu', 'min:memory', 'ratio:memory']);
  });
  it('accepts a compliant container, the ratio compared exactly', () => {
    expect(limitRangeViolations({ cpu: 100n, memory: Mi(128) }, { cpu: 1000n, memory: Mi(320) }, range!)).toEqual([]);
    expect(limitRangeViolations({ cpu: 100n, memory: Mi(128) }, { cpu: 1000n, memory: Mi(320) + 1n }, range!)).toHaveLength(1);
  });
});

describe('replicaBudgetOf', () => {
  const budget = (yaml: string, kind: string, options?: Parameters<typeof replicaBudgetOf>[2]) => {
    const { resources, inventory } = load(yaml);
    return replicaBudgetOf(resources.find((r) => r.kind === kind)!, inventory, options);
  };
  it('defaults to 1 replica plus the 25% surge rounded up', () => {
    expect(budget(deployment(), 'Deployment')).toMatchObject({ pods: 2, base: 1, surge: 1 });
    expect(budget(deployment({ spec: '  replicas: 4\n' }), 'Deployment')).toMatchObject({ pods: 5, surge: 1 });
    expect(budget(deployment({ spec: '  replicas: 5\n' }), 'Deployment')).toMatchObject({ pods: 7, surge: 2 });
  });
  it('uses the HPA maxReplicas and the surge as a percentage of it', () => {
    const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: team}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 10
`;
    const spec = '  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: 50%}}\n';
    const b = budget(deployment({ spec }) + hpa, 'Deployment');
    expect(b).toMatchObject({ pods: 15, base: 10, surge: 5 });
    expect(b?.explanation).toBe('HPA team/api maxReplicas 10 + 5 surge');
    expect(budget(deployment({ spec }) + hpa.replace('autoscaling/v2', 'autoscaling/v1'), 'Deployment')).toMatchObject({ base: 10 });
    expect(budget(deployment({ spec }) + hpa.replace('name: api}', 'name: other}'), 'Deployment')).toMatchObject({ base: 2, surge: 1 });
  });
  it('takes an absolute maxSurge and none for Recreate or StatefulSets', () => {
    expect(budget(deployment({ spec: '  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 2}}\n' }), 'Deployment')).toMatchObject({ pods: 5 });
    expect(budget(deployment({ spec: '  replicas: 3\n  strategy: {type: Recreate}\n' }), 'Deployment')).toMatchObject({ pods: 3 });
    expect(budget(deployment({ spec: '  replicas: 3\n' }).replace('Deployment', 'StatefulSet'), 'StatefulSet')).toMatchObject({ pods: 3 });
  });
  const cron = (policy: string, parallel = '') => `apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: team}
spec:
  schedule: "0 * * * *"
  ${policy}
  jobTemplate:
    spec:
      ${parallel}
      template:
        spec:
          containers: [{name: report, image: x}]
`;
  it('budgets Jobs by parallelism capped by completions', () => {
    const job = (spec: string) => `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: team}\nspec:\n  ${spec}\n  template:\n    spec:\n      containers: [{name: j, image: x}]\n`;
    expect(budget(job(''), 'Job')).toMatchObject({ pods: 1 });
    expect(budget(job('parallelism: 4'), 'Job')).toMatchObject({ pods: 4 });
    expect(budget(job('parallelism: 4\n  completions: 2'), 'Job')).toMatchObject({ pods: 2 });
  });
  it('budgets CronJobs as parallelism x concurrent runs per concurrencyPolicy (Allow = 2 by default)', () => {
    expect(budget(cron('', 'parallelism: 3'), 'CronJob')).toMatchObject({ pods: 6 });
    expect(budget(cron('concurrencyPolicy: Forbid', 'parallelism: 3'), 'CronJob')).toMatchObject({ pods: 3 });
    expect(budget(cron('concurrencyPolicy: Replace'), 'CronJob')).toMatchObject({ pods: 1 });
    expect(budget(cron('concurrencyPolicy: Allow'), 'CronJob', { cronJobConcurrentRuns: { Allow: 4, Forbid: 1, Replace: 1 } })).toMatchObject({ pods: 4 });
  });
  it('budgets nothing for a suspended CronJob or Job (they start no pods until resumed)', () => {
    expect(budget(cron('concurrencyPolicy: Allow\n  suspend: true', 'parallelism: 3'), 'CronJob')).toMatchObject({ pods: 0, explanation: 'suspended' });
    expect(budget(cron('suspend: false', 'parallelism: 3'), 'CronJob')).toMatchObject({ pods: 6 });
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: team}\nspec:\n  suspend: true\n  parallelism: 2\n  template:\n    spec:\n      containers: [{name: j, image: x}]\n`;
    expect(budget(job, 'Job')).toMatchObject({ pods: 0 });
  });
  it('has no budget for DaemonSets', () => {
    expect(budget(deployment().replace('Deployment', 'DaemonSet'), 'DaemonSet')).toBeUndefined();
  });
  it('resolves percentages without floating point error', () => {
    expect(resolveIntOrPercent('10%', 30, 'up')).toBe(3);
    expect(resolveIntOrPercent('33%', 3, 'up')).toBe(1);
    expect(resolveIntOrPercent('25%', 3, 'down')).toBe(0);
    expect(resolveIntOrPercent('x', 3, 'up')).toBeUndefined();
  });
});

describe('quota scopes', () => {
  const quota = (scopes: string) => `apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: team}
spec:
  hard: {requests.cpu: "4", cpu: 2, limits.memory: 8Gi, pods: "10", count/pods: 5, requests.storage: 1Ti, limits.cpu: lots}
  ${scopes}
---
`;
  const selects = (scopes: string, workload: string, kind = 'Deployment') => {
    const { resources, inventory } = load(quota(scopes) + workload);
    const pod = workloadPodOf(resources.find((r) => r.kind === kind)!, inventory, DEFAULT_MESH_SETTINGS)!;
    return quotaSelectsPod(resources.find((r) => r.kind === 'ResourceQuota')!, pod.template, pod.shape, inventory);
  };
  it('reads the budgetable hard keys and reports bad ones', () => {
    const { resources } = load(quota(''));
    const { items, problems } = quotaItemsOf(resources[0]!);
    expect(items.map((i) => i.key)).toEqual(['requests.cpu', 'cpu', 'limits.memory', 'pods', 'count/pods']);
    expect(items[1]).toMatchObject({ kind: 'compute', field: 'requests', resource: 'cpu', hard: 2000n });
    expect(problems).toEqual([{ key: 'limits.cpu', path: ['spec', 'hard', 'limits.cpu'], error: expect.any(String) }]);
  });
  it('matches Terminating on the pod activeDeadlineSeconds only', () => {
    expect(selects('scopes: [Terminating]', deployment({ extra: '      activeDeadlineSeconds: 0\n' }))).toBe(true);
    expect(selects('scopes: [Terminating]', deployment())).toBe(false);
    expect(selects('scopes: [NotTerminating]', deployment())).toBe(true);
  });
  it('sees that injection takes a pod out of BestEffort', () => {
    const bare = deployment({ resources: '{}' });
    expect(selects('scopes: [BestEffort]', bare)).toBe(true);
    expect(selects('scopes: [BestEffort]', NS + bare)).toBe(false);
    expect(selects('scopes: [NotBestEffort]', NS + bare)).toBe(true);
  });
  it('matches PriorityClass selectors, with the global default class', () => {
    const sel = (op: string, values = '') => `scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: ${op}${values}}]}`;
    const high = deployment({ extra: '      priorityClassName: high\n' });
    expect(selects(sel('In', ', values: [high]'), high)).toBe(true);
    expect(selects(sel('NotIn', ', values: [high]'), high)).toBe(false);
    expect(selects(sel('NotIn', ', values: [high]'), deployment())).toBe(true);
    expect(selects(sel('Exists'), deployment())).toBe(false);
    expect(selects(sel('DoesNotExist'), deployment())).toBe(true);
    const globalDefault = 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: standard}\nvalue: 10\nglobalDefault: true\n---\n';
    expect(selects(sel('In', ', values: [standard]'), globalDefault + deployment())).toBe(true);
  });
  it('ANDs scopes and never matches scopes it cannot evaluate', () => {
    expect(selects('scopes: [NotTerminating, NotBestEffort]', deployment())).toBe(true);
    expect(selects('scopes: [NotTerminating, BestEffort]', deployment())).toBe(false);
    expect(selects('scopes: [CrossNamespacePodAffinity]', deployment())).toBe(false);
  });
});
