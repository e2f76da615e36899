import { describe, expect, it } from 'vitest';
import { effectivePodResources, isBestEffort, type Amounts, type PodContainer, type PodShape } from '../../src/model/mesh/pod-resources.js';

/** cpu in millicores, memory in Mi, to keep the cases readable. */
function amounts(cpu?: number, memMi?: number): Amounts {
  const out: Amounts = {};
  if (cpu !== undefined) out.cpu = BigInt(cpu);
  if (memMi !== undefined) out.memory = BigInt(memMi) * 1024n * 1024n * 1000n;
  return out;
}
const Mi = (n: number): bigint => BigInt(n) * 1024n * 1024n * 1000n;

function c(name: string, req: Amounts, lim: Amounts = {}, opts: { init?: boolean; restartable?: boolean } = {}): PodContainer {
  return { name, origin: 'declared', init: opts.init ?? false, restartable: opts.restartable ?? false, requests: req, limits: lim, path: [] };
}
const init = (name: string, req: Amounts, lim: Amounts = {}) => c(name, req, lim, { init: true });
const sidecar = (name: string, req: Amounts, lim: Amounts = {}) => c(name, req, lim, { init: true, restartable: true });

function pod(containers: PodContainer[], initContainers: PodContainer[] = [], extra: Partial<PodShape> = {}): PodShape {
  return { containers, initContainers, overhead: {}, podLevel: { requests: {}, limits: {} }, ...extra };
}

describe('effectivePodResources', () => {
  it('sums regular containers', () => {
    const totals = effectivePodResources(pod([c('app', amounts(500, 256)), c('istio-proxy', amounts(100, 128))]));
    expect(totals.requests).toEqual({ cpu: 600n, memory: Mi(384) });
  });

  it('treats an unset request as zero', () => {
    expect(effectivePodResources(pod([c('app', amounts(undefined, 64)), c('b', amounts(200))])).requests).toEqual({ cpu: 200n, memory: Mi(64) });
  });

  it('takes the largest plain init container when it exceeds the running sum', () => {
    const shape = pod([c('app', amounts(100, 64))], [init('migrate', amounts(800, 32)), init('warm', amounts(50, 512))]);
    expect(effectivePodResources(shape).requests).toEqual({ cpu: 800n, memory: Mi(512) });
  });

  it('keeps the running sum when init containers are smaller (istio-init sized like the proxy)', () => {
    const shape = pod([c('istio-proxy', amounts(100, 128)), c('app', amounts(500, 256))], [init('istio-init', amounts(100, 128))]);
    expect(effectivePodResources(shape).requests).toEqual({ cpu: 600n, memory: Mi(384) });
  });

  it('adds restartable init containers (native sidecars) to the running sum', () => {
    const shape = pod([c('app', amounts(500, 256))], [init('istio-init', amounts(100, 128)), sidecar('istio-proxy', amounts(100, 128))]);
    expect(effectivePodResources(shape).requests).toEqual({ cpu: 600n, memory: Mi(384) });
  });

  it('runs a plain init container beside the restartable ones declared before it, not after', () => {
    // proxy(100) declared before migrate(900): migrate peak = 1000; log(300) is declared after migrate.
    const shape = pod([c('app', amounts(200))], [sidecar('istio-proxy', amounts(100)), init('migrate', amounts(900)), sidecar('log', amounts(300))]);
    // running: 200 + 100 + 300 = 600; init peak: 900 + 100 = 1000.
    expect(effectivePodResources(shape).requests.cpu).toBe(1000n);
    // Declared after the sidecars, migrate runs beside both: 900 + 400 = 1300.
    const later = pod([c('app', amounts(200))], [sidecar('istio-proxy', amounts(100)), sidecar('log', amounts(300)), init('migrate', amounts(900))]);
    expect(effectivePodResources(later).requests.cpu).toBe(1300n);
  });

  it('adds spec.overhead to requests and limits', () => {
    const shape = pod([c('app', amounts(500, 256), amounts(1000, 512))], [], { overhead: amounts(250, 120) });
    const totals = effectivePodResources(shape);
    expect(totals.requests).toEqual({ cpu: 750n, memory: Mi(376) });
    expect(totals.limits).toEqual({ cpu: 1250n, memory: Mi(632) });
  });

  it('lets pod-level spec.resources override the aggregate per resource, overhead still added', () => {
    const shape = pod([c('app', amounts(500, 256), amounts(1000, 512)), c('istio-proxy', amounts(100, 128), amounts(2000, 1024))], [], {
      podLevel: { requests: amounts(400), limits: amounts(undefined, 2048) },
      overhead: amounts(10),
    });
    const totals = effectivePodResources(shape);
    expect(totals.requests).toEqual({ cpu: 410n, memory: Mi(384) });
    expect(totals.limits).toEqual({ cpu: 3010n, memory: Mi(2048) });
  });

  it('defaults a missing pod-level request to the container aggregate, else to the pod-level limit', () => {
    const withRequests = pod([c('app', amounts(100))], [], { podLevel: { requests: {}, limits: amounts(300) } });
    expect(effectivePodResources(withRequests).requests.cpu).toBe(100n);
    const without = pod([c('app', {})], [], { podLevel: { requests: {}, limits: amounts(300) } });
    expect(effectivePodResources(without).requests.cpu).toBe(300n);
  });

  it('computes limits with the same formula when every container sets them', () => {
    const shape = pod([c('app', {}, amounts(1000, 512)), c('istio-proxy', {}, amounts(2000, 1024))], [init('istio-init', {}, amounts(2000, 1024)), init('big', {}, amounts(4000, 64))]);
    expect(effectivePodResources(shape).limits).toEqual({ cpu: 4000n, memory: Mi(1536) });
  });

  it('makes a limit unbounded when any container (init included) sets none', () => {
    expect(effectivePodResources(pod([c('app', {}, amounts(1000, 512)), c('istio-proxy', {}, amounts(2000))])).limits).toEqual({ cpu: 3000n });
    expect(effectivePodResources(pod([c('app', {}, amounts(1000, 512))], [init('setup', {}, amounts(100))])).limits).toEqual({ cpu: 1000n });
    expect(effectivePodResources(pod([])).limits).toEqual({});
  });
});

describe('isBestEffort', () => {
  it('is BestEffort only when no container sets anything', () => {
    expect(isBestEffort(pod([c('app', {})], [init('setup', {})]))).toBe(true);
    expect(isBestEffort(pod([c('app', {}), c('istio-proxy', amounts(100))]))).toBe(false);
    expect(isBestEffort(pod([c('app', {})], [init('istio-init', {}, amounts(undefined, 64))]))).toBe(false);
    expect(isBestEffort(pod([c('app', {})], [], { podLevel: { requests: amounts(100), limits: {} } }))).toBe(false);
  });
});
