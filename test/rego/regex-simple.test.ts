import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { prng } from '../../src/bench/generate.js';
import { simpleRegExp } from '../../src/rego/builtins/regex-simple.js';
import { REGEX_BUILTINS } from '../../src/rego/builtins/regex.js';

// RE2's unanchored search, as the builtin's re2js path runs it.
const re2Match = (pattern: string, input: string): boolean => RE2JS.compile(pattern).matcher(input).find();

describe('regex.match through a JavaScript RegExp for simple patterns', () => {
  it("takes the shipped policies' patterns and leaves out what could differ from RE2 or backtrack", () => {
    for (const pattern of ['^[0-9]+$', '^[0-9]{1,3}$', '^(0|[1-9][0-9]{0,2})$', '^[0-9a-fA-F]{1,4}$']) expect(simpleRegExp(pattern), pattern).toBeInstanceOf(RegExp);
    for (const pattern of [
      '^(\\$\\{[^}]*\\}|\\$\\([^)]*\\)|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+)$', // a quantified group
      'a.b', // JavaScript's dot also refuses \r and U+2028/9
      '^\\d+$', // class escapes
      '^\\s$',
      '(?i)abc',
      '^a*b*$', // two unbounded quantifiers
      'a+', // unbounded without ^
      'a|b', // alternation outside a group
      '[[:alpha:]]', // a POSIX class for RE2, a nested bracket for JavaScript
      '[]a]',
      '^a{1,100}b{1,100}$', // too many choices
      'a**',
      'é',
    ]) expect(simpleRegExp(pattern), pattern).toBeUndefined();
  });

  it('answers as re2js does on generated patterns and inputs', () => {
    const random = prng(17);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const atoms = ['a', 'b', '0', '9', '_', '-', '/', ' ', '\\.', '\\$', '\\(', '\\/', '[a-c]', '[^b]', '[0-9_]', '[-a]', '[^}]', '[.$]'];
    const quantifiers = ['', '', '', '?', '*', '+', '{2}', '{1,3}', '{0,2}', '{2,}', '??', '+?', '{1,2}?'];
    const sequence = (length: number): string => Array.from({ length }, () => pick(atoms) + pick(quantifiers)).join('');
    const alphabet = ['a', 'b', 'c', '0', '1', '9', '_', '-', '/', ' ', '.', '$', '(', ')', '}', 'é', '😀', '\n'];
    let compared = 0;
    for (let n = 0; n < 3_000; n++) {
      let pattern = sequence(1 + Math.floor(random() * 3));
      if (random() < 0.3) pattern += `(${sequence(1)}|${sequence(2)}|)` + sequence(Math.floor(random() * 2));
      if (random() < 0.6) pattern = `^${pattern}`;
      if (random() < 0.6) pattern = `${pattern}$`;
      const simple = simpleRegExp(pattern);
      if (!simple) continue;
      for (let k = 0; k < 10; k++) {
        const input = Array.from({ length: Math.floor(random() * 7) }, () => pick(alphabet)).join('');
        expect(simple.test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(re2Match(pattern, input));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('keeps RE2 for long inputs and for patterns outside the subset, with the same answers and errors', () => {
    const match = REGEX_BUILTINS['regex.match']!.fn;
    expect(match('^[0-9]+$', '8080')).toBe(true);
    expect(match('^[0-9]+$', `${'1'.repeat(5_000)}x`)).toBe(false);
    expect(match('^[0-9]+$', '1'.repeat(5_000))).toBe(true);
    expect(match('^\\d+$', '42')).toBe(true);
    expect(() => match('^[0-9]+$', 42)).toThrow(/operand 2 must be string/);
    expect(() => match('a{2,1}', 'aa')).toThrow(/error parsing regexp/);
  });
});
