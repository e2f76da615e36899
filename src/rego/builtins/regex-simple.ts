/**
 * `regex.match` without re2js for the patterns where a JavaScript RegExp provably answers as RE2 does and
 * cannot backtrack for long. Policies match the same few simple patterns on every resource (port lists,
 * CIDR octets, hex pieces); re2js, a port of RE2 to JavaScript, cost ~20 µs per match and ~17 ms to load.
 *
 * The subset, checked by a parser that gives up on anything else (re2js then answers):
 * - printable ASCII literals; a backslash only before a syntax character or `/`;
 * - classes `[...]` / `[^...]` of printable ASCII literals and ranges, without backslashes, `[` or a
 *   leading `]` (RE2 reads `[[:alpha:]]` and `[]a]` unlike JavaScript);
 * - groups `( ... | ... )` that are not quantified; no `(?` flags or names; no alternation outside a group;
 * - quantifiers `* + ? {n} {n,} {n,m}` (lazy or not: a yes/no answer does not depend on it) on a literal or
 *   a class only; `^` only first and `$` only last.
 * No `.` (JavaScript's also refuses \r and U+2028/9), no `\d \w \s \b` (JavaScript's `\s` is Unicode's).
 * With the `u` flag JavaScript reads code points, as RE2 does. Go's `$` without `(?m)` is the end of the
 * text, as JavaScript's is without `m`.
 *
 * Backtracking: at most one unbounded quantifier, and then the pattern must start with `^`; the choices the
 * bounded quantifiers and groups offer multiply to at most MAX_CHOICES; inputs over MAX_INPUT go to re2js.
 * A match then costs at most about MAX_INPUT x MAX_CHOICES steps.
 */

const MAX_CHOICES = 64;
export const MAX_INPUT = 4096;

/** What may follow a backslash (JavaScript's `u` mode refuses any other identity escape). */
const ESCAPABLE = new Set('^$\\.*+?()[]{}|/');
/** What is not a literal unescaped. */
const META = new Set('^$\\.*+?()[]{}|');

/** The RegExp answering `regex.match(pattern, ·)` as RE2 does, or undefined when the pattern is outside the subset. */
export function simpleRegExp(pattern: string): RegExp | undefined {
  const shape = new Shape(pattern).read();
  if (!shape) return undefined;
  if (shape.unbounded > 1 || (shape.unbounded === 1 && !pattern.startsWith('^')) || shape.choices > MAX_CHOICES) return undefined;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

class GiveUp {}

class Shape {
  private at = 0;
  unbounded = 0;
  choices = 1;

  constructor(private readonly text: string) {}

  read(): this | undefined {
    try {
      if (this.peek() === '^') this.at++;
      this.sequence(false);
      if (this.peek() === '$') this.at++;
      return this.at === this.text.length ? this : undefined;
    } catch (error) {
      if (error instanceof GiveUp) return undefined;
      throw error;
    }
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private fail(): never {
    throw new GiveUp();
  }

  /** Atoms up to the end, a `$` that ends the pattern, or (in a group) `|` and `)`. */
  private sequence(inGroup: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === undefined) return;
      if (c === '$') {
        if (this.at === this.text.length - 1 && !inGroup) return;
        this.fail();
      }
      if (inGroup && (c === '|' || c === ')')) return;
      if (c === '(') {
        this.group();
        // A quantified group is where backtracking explodes: left to re2js.
        if (isQuantifier(this.peek())) this.fail();
        continue;
      }
      this.atom();
      this.quantifier();
    }
  }

  private group(): void {
    this.at++;
    if (this.peek() === '?') this.fail();
    let branches = 0;
    const outer = this.choices;
    let inner = 0;
    for (;;) {
      this.choices = 1;
      this.sequence(true);
      inner += this.choices;
      branches++;
      const c = this.peek();
      if (c === '|') {
        this.at++;
        continue;
      }
      if (c === ')') {
        this.at++;
        break;
      }
      this.fail();
    }
    if (branches > MAX_CHOICES) this.fail();
    this.choices = outer * inner;
  }

  private atom(): void {
    const c = this.peek()!;
    if (c === '[') return this.characterClass();
    if (c === '\\') {
      const next = this.text[this.at + 1];
      if (next === undefined || !ESCAPABLE.has(next)) this.fail();
      this.at += 2;
      return;
    }
    if (META.has(c) || !isPrintableAscii(c)) this.fail();
    this.at++;
  }

  private characterClass(): void {
    this.at++;
    if (this.peek() === '^') this.at++;
    if (this.peek() === ']') this.fail();
    let members = 0;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '\\' || c === '[' || !isPrintableAscii(c)) this.fail();
      this.at++;
      if (c === ']') break;
      members++;
    }
    if (members === 0) this.fail();
  }

  private quantifier(): void {
    const c = this.peek();
    if (c === '*' || c === '+') {
      this.at++;
      this.unbounded++;
    } else if (c === '?') {
      this.at++;
      this.choices *= 2;
    } else if (c === '{') {
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(this.text.slice(this.at));
      if (!m) this.fail();
      this.at += m[0].length;
      const low = Number(m[1]);
      if (m[2] === undefined) {
        // {n}: no choice
      } else if (m[3] === '') this.unbounded++;
      else {
        const high = Number(m[3]);
        if (high < low) this.fail();
        this.choices *= high - low + 1;
      }
    } else return;
    if (this.choices > MAX_CHOICES) this.fail();
    // A lazy quantifier finds the same yes or no.
    if (this.peek() === '?') this.at++;
    if (isQuantifier(this.peek())) this.fail();
  }
}

function isQuantifier(c: string | undefined): boolean {
  return c === '*' || c === '+' || c === '?' || c === '{';
}

function isPrintableAscii(c: string): boolean {
  const code = c.charCodeAt(0);
  return c.length === 1 && code >= 0x20 && code < 0x7f;
}
