import { describe, expect, it } from 'vitest';
import { prng } from '../../src/bench/generate.js';
import { identityRead } from '../../src/model/inventory.js';
import type { Resource } from '../../src/model/types.js';
import { Partitions } from '../../src/engine/result-cache.js';

/** What a read selected when every resource was filed under its three keys up front (the digests' definition). */
function filed(resources: readonly Resource[], read: string): number[] {
  if (read === '*') return resources.map((_, i) => i);
  const out: number[] = [];
  resources.forEach((r, i) => {
    if (r.family !== 'kubernetes') return;
    const namespace = r.namespace ?? '';
    if (r.kind === read || `${r.kind}@${namespace}` === read || identityRead(r.kind, namespace, r.name) === read) out.push(i);
  });
  return out;
}

describe('read partitions', () => {
  it('select exactly the resources whose kind, kind and namespace, or identity key equals the read, in load order', () => {
    const random = prng(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    // Kinds and namespaces holding '@' and '/' make one read name several splits.
    const kinds = ['Service', 'Deployment', 'A@b', 'A', 'A@b/c', 'Service@x'];
    const namespaces = [undefined, 'x', 'b', 'b/c', 'x/y', '', 'a@b'];
    const names = ['web', 'c', 'y/web', 'b', '@', 'x'];
    for (let round = 0; round < 20; round++) {
      const resources = Array.from({ length: 60 }, (_, i) => {
        const namespace = pick(namespaces);
        return {
          id: `r${i}`,
          family: random() < 0.9 ? 'kubernetes' : 'gitlab-ci',
          apiVersion: 'v1',
          kind: pick(kinds),
          name: pick(names),
          ...(namespace === undefined ? {} : { namespace }),
        } as unknown as Resource;
      });
      const partitions = new Partitions(resources);
      const reads = new Set<string>(['*', 'Nothing', 'A@', 'A@b/c/web']);
      for (const r of resources) {
        const namespace = r.namespace ?? '';
        reads.add(r.kind).add(`${r.kind}@${namespace}`).add(identityRead(r.kind, namespace, r.name));
      }
      for (const read of reads) expect([...partitions.select(read)], read).toEqual(filed(resources, read));
    }
  });
});
