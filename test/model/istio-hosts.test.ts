import { describe, expect, it } from 'vitest';
import { isIstio } from '../../src/model/istio/api.js';
import { hostCovers, hostsOverlap, normalizedHostCovers, normalizeHost, parseNamespacedHost, qualifyHost } from '../../src/model/istio/hosts.js';
import { tree } from '../helpers/istio-tree.js';

describe('hostCovers', () => {
  it('matches exact names case-insensitively', () => {
    expect(hostCovers('API.example.com', 'api.example.com.')).toBe(true);
    expect(hostCovers('api.example.com', 'www.example.com')).toBe(false);
  });
  it('lets a leading wildcard cover any number of labels but not the bare suffix', () => {
    expect(hostCovers('*.example.com', 'api.example.com')).toBe(true);
    expect(hostCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostCovers('*.example.com', 'example.com')).toBe(false);
    expect(hostCovers('*.example.com', 'badexample.com')).toBe(false);
  });
  it('compares wildcards with wildcards', () => {
    expect(hostCovers('*.example.com', '*.eu.example.com')).toBe(true);
    expect(hostCovers('*.eu.example.com', '*.example.com')).toBe(false);
    expect(hostsOverlap('*.eu.example.com', '*.example.com')).toBe(true);
    expect(hostCovers('*', '*.example.com')).toBe(true);
  });
});

describe('qualifyHost', () => {
  it('resolves short names in the referring namespace and keeps dotted names', () => {
    expect(qualifyHost('ledger', 'payments')).toBe('ledger.payments.svc.cluster.local');
    expect(qualifyHost('ledger.payments.svc.cluster.local', 'orders')).toBe('ledger.payments.svc.cluster.local');
    expect(qualifyHost('*', 'orders')).toBe('*');
  });
});

describe('parseNamespacedHost', () => {
  it('splits namespace/dnsName and rejects the rest', () => {
    expect(parseNamespacedHost('./*')).toEqual({ namespace: '.', host: '*' });
    expect(parseNamespacedHost('istio-system/*.svc.cluster.local')).toEqual({ namespace: 'istio-system', host: '*.svc.cluster.local' });
    expect(parseNamespacedHost('istio-system')).toBeUndefined();
    expect(parseNamespacedHost('/foo')).toBeUndefined();
    expect(parseNamespacedHost('a/b/c')).toBeUndefined();
  });
});

describe('isIstio', () => {
  it('matches kind and group in any served version, not look-alikes', () => {
    const { resources } = tree(
      ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3', 'gateway.networking.k8s.io/v1', 'networking.istio.io/v2']
        .map((api, i) => `apiVersion: ${api}\nkind: Gateway\nmetadata: {name: g${i}, namespace: x}\n`)
        .join('---\n'),
    );
    expect(resources.map((r) => isIstio(r, 'Gateway'))).toEqual([true, true, true, false, false]);
  });
});

describe('normalizeHost', () => {
  it('lower-cases, trims and drops a trailing dot, and returns already-normal hosts untouched', () => {
    const cases: [string, string][] = [
      ['API.Example.COM.', 'api.example.com'],
      [' api.example.com ', 'api.example.com'],
      ['a.b.', 'a.b'],
      ['*', '*'],
      ['*.example.com', '*.example.com'],
      ['', ''],
      ['.', ''],
      ['svc\t', 'svc'],
    ];
    // Asked twice, as every comparison does: the second answer (remembered) is the first one.
    for (const [input, expected] of cases) for (let i = 0; i < 2; i++) expect(normalizeHost(input)).toBe(expected);
    // One trailing dot is dropped per call, as before normalisation was remembered.
    expect(normalizeHost('a.b..')).toBe('a.b.');
    expect(normalizeHost(normalizeHost('a.b..'))).toBe('a.b');
    const normal = 'reviews.prod.svc.cluster.local';
    expect(normalizeHost(normal)).toBe(normal);
  });

  it('covers hosts alike whether or not they were normalised first', () => {
    for (const [p, h] of [['*.Example.com', 'API.example.com.'], ['api.example.com', 'API.EXAMPLE.COM'], ['*', 'x']] as const) {
      expect(hostCovers(p, h)).toBe(normalizedHostCovers(normalizeHost(p), normalizeHost(h)));
      expect(hostCovers(p, h)).toBe(true);
    }
  });
});
