import { perObject } from '../memo.js';
import type { JsonPath, Resource } from '../types.js';
import { isRecord } from '../workload.js';
import { specOf } from './api.js';
import { hostCovers, normalizeHost, qualifyHost } from './hosts.js';
import type { MeshService } from './workloads.js';

/** One `tls` block of a DestinationRule, wherever it sits. */
export interface TlsSetting {
  /** DISABLE | SIMPLE | MUTUAL | ISTIO_MUTUAL as written. */
  mode: string;
  /** Path of `tls.mode`. */
  path: JsonPath;
  /** `trafficPolicy`, `portLevelSettings`, `subset` or `subsetPortLevelSettings`. */
  level: 'trafficPolicy' | 'portLevelSettings' | 'subset' | 'subsetPortLevelSettings';
  subset?: string;
  port?: number;
}

/**
 * Every explicit client TLS setting of a DestinationRule: the top-level traffic policy, its port-level
 * settings, and each subset's traffic policy with its own port-level settings. An explicit `tls` wins over
 * auto mTLS (meshConfig.enableAutoMtls), so each of these can turn Istio mTLS off for its slice of traffic.
 */
export function tlsSettingsOf(destinationRule: Resource): TlsSetting[] {
  const spec = specOf(destinationRule);
  const out: TlsSetting[] = [];
  collectPolicy(spec.trafficPolicy, ['spec', 'trafficPolicy'], undefined, out);
  if (Array.isArray(spec.subsets)) {
    spec.subsets.forEach((subset, i) => {
      if (!isRecord(subset)) return;
      const name = typeof subset.name === 'string' ? subset.name : String(i);
      collectPolicy(subset.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy'], name, out);
    });
  }
  return out;
}

function collectPolicy(policy: unknown, path: JsonPath, subset: string | undefined, out: TlsSetting[]): void {
  if (!isRecord(policy)) return;
  const sub = subset !== undefined ? { subset } : {};
  const mode = tlsModeOf(policy.tls);
  if (mode !== undefined) out.push({ mode, path: [...path, 'tls', 'mode'], level: subset !== undefined ? 'subset' : 'trafficPolicy', ...sub });
  if (!Array.isArray(policy.portLevelSettings)) return;
  policy.portLevelSettings.forEach((setting, i) => {
    if (!isRecord(setting)) return;
    const portMode = tlsModeOf(setting.tls);
    if (portMode === undefined) return;
    const number = isRecord(setting.port) && typeof setting.port.number === 'number' ? { port: setting.port.number } : {};
    out.push({
      mode: portMode,
      path: [...path, 'portLevelSettings', i, 'tls', 'mode'],
      level: subset !== undefined ? 'subsetPortLevelSettings' : 'portLevelSettings',
      ...sub,
      ...number,
    });
  });
}

function tlsModeOf(tls: unknown): string | undefined {
  return isRecord(tls) && typeof tls.mode === 'string' ? tls.mode : undefined;
}

/** The DestinationRule's `host`, resolved as Istio does (short names are relative to its namespace). */
/** Read once per DestinationRule object: mesh-wide views re-read every rule's host on each admission request. */
export const destinationHostOf = perObject((destinationRule: Resource): string | undefined => {
  const host = specOf(destinationRule).host;
  return typeof host === 'string' && host !== '' ? qualifyHost(host, destinationRule.namespace ?? '') : undefined;
});

const servicesByFqdn = new WeakMap<readonly MeshService[], Map<string, MeshService[]>>();

/** Services of the tree that a DestinationRule host (possibly a wildcard) applies to. */
export function servicesForHost(host: string, services: readonly MeshService[]): MeshService[] {
  // Most hosts are exact FQDNs: an index keeps one DestinationRule per service from being quadratic.
  if (!host.includes('*')) {
    let index = servicesByFqdn.get(services);
    if (!index) {
      index = new Map();
      for (const service of services) index.set(service.fqdn, [...(index.get(service.fqdn) ?? []), service]);
      servicesByFqdn.set(services, index);
    }
    return index.get(normalizeHost(host)) ?? [];
  }
  return services.filter((s) => hostCovers(host, s.fqdn));
}
