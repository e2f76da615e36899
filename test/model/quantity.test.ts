import { describe, expect, it } from 'vitest';
import { amountFormatter, formatCpu, formatMemory, parseQuantity } from '../../src/model/quantity.js';

const milli = (value: unknown): bigint => {
  const parsed = parseQuantity(value);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.milli;
};

describe('parseQuantity', () => {
  it('reads CPU in cores and millicores', () => {
    expect(milli('100m')).toBe(100n);
    expect(milli('0.5')).toBe(500n);
    expect(milli('.25')).toBe(250n);
    expect(milli('2')).toBe(2000n);
    expect(milli('1.')).toBe(1000n);
    expect(milli('+3')).toBe(3000n);
  });
  it('accepts YAML numbers as the API server does', () => {
    expect(milli(2)).toBe(2000n);
    expect(milli(0.1)).toBe(100n);
    expect(milli(1e3)).toBe(1_000_000n);
  });
  it('reads binary and decimal memory units exactly', () => {
    expect(milli('128Mi')).toBe(128n * 1024n * 1024n * 1000n);
    expect(milli('1Gi')).toBe(1024n ** 3n * 1000n);
    expect(milli('1.5Gi')).toBe(1536n * 1024n * 1024n * 1000n);
    expect(milli('1G')).toBe(1_000_000_000_000n);
    expect(milli('1k')).toBe(1_000_000n);
    expect(milli('1Ki')).toBe(1_024_000n);
    expect(milli('2E')).toBe(2n * 10n ** 21n);
  });
  it('reads decimal exponents, E included, which is not exa when digits follow', () => {
    expect(milli('1e3')).toBe(1_000_000n);
    expect(milli('1E3')).toBe(1_000_000n);
    expect(milli('5e-1')).toBe(500n);
  });
  it('rounds sub-milli amounts up like MilliValue', () => {
    expect(milli('1u')).toBe(1n);
    expect(milli('1500n')).toBe(1n);
    expect(milli('0.0001')).toBe(1n);
    expect(milli('0')).toBe(0n);
  });
  it('keeps the sign', () => {
    expect(milli('-100m')).toBe(-100n);
  });
  it('reports what is not a quantity instead of throwing', () => {
    for (const bad of ['100 m', '1mi', '128MB', 'abc', '', '1.2.3', '0x10', '1Ki2', 'm', '1e']) {
      const parsed = parseQuantity(bad);
      expect(parsed.ok, bad).toBe(false);
    }
    expect(parseQuantity(null)).toMatchObject({ ok: false });
    expect(parseQuantity(undefined)).toMatchObject({ ok: false });
    expect(parseQuantity({})).toMatchObject({ ok: false });
    expect(parseQuantity('1e400')).toMatchObject({ ok: false, error: expect.stringContaining('out of range') });
    expect(parseQuantity('99999999999999999999999')).toMatchObject({ ok: false });
  });
});

describe('formatting', () => {
  it('writes CPU as cores when whole, else millicores', () => {
    expect(formatCpu(2000n)).toBe('2');
    expect(formatCpu(600n)).toBe('600m');
    expect(formatCpu(2500n)).toBe('2500m');
  });
  it('writes memory in the largest exact binary unit', () => {
    expect(formatMemory(milli('128Mi'))).toBe('128Mi');
    expect(formatMemory(milli('1024Mi'))).toBe('1Gi');
    expect(formatMemory(milli('1536Mi'))).toBe('1536Mi');
    expect(formatMemory(milli('1G'))).toBe('953.67Mi');
    expect(formatMemory(milli('100'))).toBe('100');
  });
});

describe('amounts side by side in one message', () => {
  it('share one unit: millicores unless every CPU amount is whole cores', () => {
    const cpu = amountFormatter('cpu', [3500n, 2000n, 1000n]);
    expect([3500n, 2000n, 1000n].map(cpu)).toEqual(['3500m', '2000m', '1000m']);
    const cores = amountFormatter('cpu', [30000n, 8000n, 20000n]);
    expect([30000n, 8000n, 20000n].map(cores)).toEqual(['30', '8', '20']);
  });

  it('share the largest binary unit dividing every memory amount', () => {
    const mi = 1024n * 1024n * 1000n;
    const memory = amountFormatter('memory', [6400n * mi, 4096n * mi, 1280n * mi]);
    expect([6400n * mi, 4096n * mi, 1280n * mi].map(memory)).toEqual(['6400Mi', '4096Mi', '1280Mi']);
    const gi = amountFormatter('memory', [20n * 1024n * mi, 8n * 1024n * mi]);
    expect(gi(8n * 1024n * mi)).toBe('8Gi');
  });
});

describe('parseQuantity cache', () => {
  it('answers a string parsed before, and past the cache bound, exactly as the first time', () => {
    const first = ['250m', '1.5Gi', 'nope', ' 64Mi '].map((v) => parseQuantity(v));
    // More distinct strings than the cache holds: it restarts, and nothing parsed from it changes.
    for (let i = 0; i < 5_000; i++) expect(milli(`${i}Mi`)).toBe(BigInt(i) * 1024n * 1024n * 1000n);
    expect(['250m', '1.5Gi', 'nope', ' 64Mi '].map((v) => parseQuantity(v))).toEqual(first);
    expect(first[0]).toEqual({ ok: true, milli: 250n });
    expect(first[2]!.ok).toBe(false);
    expect(Object.isFrozen(parseQuantity('250m'))).toBe(true);
  });
});
