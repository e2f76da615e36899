/**
 * Host names as Istio compares them (pilot's host.Name semantics): case-insensitive DNS names where a
 * leading `*.` matches any number of labels and a lone `*` matches everything. Short names (no dot) are
 * relative to the namespace of the resource that mentions them.
 */

/** Kubernetes' default cluster domain; Istio resolves short names to `<name>.<namespace>.svc.cluster.local`. */
export const CLUSTER_DOMAIN_SUFFIX = 'svc.cluster.local';

export function normalizeHost(host: string): string {
  // Every VirtualService host is compared with every external host, each comparison normalising both sides:
  // a tree names few distinct hosts, so each is normalised once (bounded, as the webhook's requests bring new ones).
  let normal = NORMALISED.get(host);
  if (normal === undefined) {
    // Nearly every host is written normalised already: no copies then.
    normal = ALREADY_NORMAL.test(host) ? host : host.trim().toLowerCase().replace(/\.$/, '');
    if (NORMALISED.size >= MAX_NORMALISED) NORMALISED.clear();
    NORMALISED.set(host, normal);
  }
  return normal;
}

const ALREADY_NORMAL = /^[^A-Z\s]*[^A-Z\s.]$/;
const NORMALISED = new Map<string, string>();
const MAX_NORMALISED = 50_000;

/**
 * Does `pattern` cover every name that `host` stands for? `*.example.com` covers `api.example.com`,
 * `a.b.example.com` and `*.eu.example.com`, but not `example.com` itself (as in Istio).
 */
export function hostCovers(pattern: string, host: string): boolean {
  return normalizedHostCovers(normalizeHost(pattern), normalizeHost(host));
}

/** hostCovers for hosts already passed through normalizeHost (mesh-wide views compare thousands). */
export function normalizedHostCovers(p: string, h: string): boolean {
  if (p === '*') return true;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com"
    if (h.startsWith('*.')) return h.slice(1).endsWith(suffix);
    return h.endsWith(suffix) && h.length > suffix.length;
  }
  return p === h;
}

/** Two host patterns share at least one name. */
export function hostsOverlap(a: string, b: string): boolean {
  return hostCovers(a, b) || hostCovers(b, a);
}

/** Istio's short-name resolution: a name without a dot is a Service in the referring resource's namespace. */
export function qualifyHost(host: string, namespace: string): string {
  const h = normalizeHost(host);
  if (h === '*' || h.includes('.')) return h;
  return normalizeHost(serviceFqdn(h, namespace));
}

export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.${CLUSTER_DOMAIN_SUFFIX}`.toLowerCase();
}

/**
 * `namespace/dnsName`, the host form of Sidecar egress listeners. The namespace part
 * may be `*` (any), `.` (the resource's own) or `~` (none); `undefined` when the entry has no `/` or an
 * empty side, which Istio rejects.
 */
export function parseNamespacedHost(entry: string): { namespace: string; host: string } | undefined {
  const slash = entry.indexOf('/');
  if (slash < 0) return undefined;
  const namespace = entry.slice(0, slash);
  const host = entry.slice(slash + 1);
  if (namespace === '' || host === '' || host.includes('/')) return undefined;
  return { namespace, host };
}
