/** Inclusive port ranges, the common currency of capture bypasses and NetworkPolicy port entries. */
export interface PortRange {
  from: number;
  to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/**
 * A set of ports either listed (`only`) or given as the complement of a list (`allExcept`),
 * e.g. `includeInboundPorts: "8080"` leaves every port but 8080 uncaptured.
 */
export type PortSet = { kind: 'only'; ports: number[] } | { kind: 'allExcept'; ports: number[] };

export function portSetRanges(set: PortSet): PortRange[] {
  if (set.kind === 'only') return normalize(set.ports.map((p) => ({ from: p, to: p })));
  return subtractPorts([ALL_PORTS], set.ports);
}

/** The ports of `set` that also lie in `ranges`. */
export function intersectPortSet(set: PortSet, ranges: readonly PortRange[]): PortRange[] {
  const mine = portSetRanges(set);
  const out: PortRange[] = [];
  for (const a of mine) {
    for (const b of ranges) {
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (from <= to) out.push({ from, to });
    }
  }
  return normalize(out);
}

export function subtractPorts(ranges: readonly PortRange[], ports: readonly number[]): PortRange[] {
  let current = normalize([...ranges]);
  for (const port of new Set(ports)) {
    current = current.flatMap((r) => {
      if (port < r.from || port > r.to) return [r];
      const pieces: PortRange[] = [];
      if (r.from < port) pieces.push({ from: r.from, to: port - 1 });
      if (port < r.to) pieces.push({ from: port + 1, to: r.to });
      return pieces;
    });
  }
  return current;
}

/** Sorted, merged ranges. */
export function normalize(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** `5701`, `2888-3888`, `all ports`, `all ports except 8080`. */
export function describePorts(ranges: readonly PortRange[]): string {
  const merged = normalize(ranges);
  if (merged.length === 1 && merged[0]!.from === ALL_PORTS.from && merged[0]!.to === ALL_PORTS.to) return 'all ports';
  if (merged.length > 0 && merged[0]!.from === ALL_PORTS.from && merged[merged.length - 1]!.to === ALL_PORTS.to && merged.length <= 6) {
    const holes: string[] = [];
    for (let i = 1; i < merged.length; i++) {
      const from = merged[i - 1]!.to + 1;
      const to = merged[i]!.from - 1;
      holes.push(from === to ? `${from}` : `${from}-${to}`);
    }
    return `all ports except ${holes.join(', ')}`;
  }
  return merged.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
}
