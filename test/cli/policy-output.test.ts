import { describe, expect, it } from 'vitest';
import { formatVerify } from '../../src/policy/verify.js';

describe('policy verify tally', () => {
  const result = (name: string, passed: boolean) => ({ test: 'required-labels', case: name, passed, detail: passed ? '' : 'expected 1 violation, got 0' });

  it('counts the passes as passes and the failures as failures', () => {
    const out = formatVerify([result('a', true), result('b', true), result('c', false)], false);
    expect(out).toBe('FAIL required-labels / c\n  expected 1 violation, got 0\nPASS: 2/3 assertions\nFAIL: 1/3 assertions\n');
  });

  it('says PASS when everything passes', () => {
    expect(formatVerify([result('a', true)], false)).toBe('PASS: 1/1 assertions\n');
  });
});
