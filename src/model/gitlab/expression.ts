/**
 * The `rules:if` / `only:variables` expression language (docs: ci/jobs/job_rules "CI/CD variable
 * expressions"): variables (`$NAME`, `${NAME}`), "strings", 'strings', /regex/flags, `null`, the
 * comparisons `==` `!=` `=~` `!~`, `&&`, `||` and parentheses. GitLab refuses the pipeline when an
 * expression does not lex or parse; this says why, or nothing when the expression is well formed.
 */
type Token =
  | { kind: 'operand'; at: number }
  | { kind: 'compare'; text: string; at: number }
  | { kind: 'logic'; text: string; at: number }
  | { kind: 'open' | 'close'; at: number };

export function expressionProblem(text: string): string | undefined {
  const lexed = lex(text);
  const problem = typeof lexed === 'string' ? lexed : parse(lexed, text);
  if (!problem) return undefined;
  // Where a regular expression ends is the one thing read differently by GitLab's lexer versions
  // (an unescaped / inside it): a problem after the first regex is not certain, so not reported.
  const regexAt = /(?:=~|!~)\s*\//.exec(text)?.index;
  const column = Number(/column (\d+)/.exec(problem)?.[1] ?? 0);
  if (regexAt !== undefined && (column === 0 || column - 1 > regexAt)) return undefined;
  return problem;
}

function lex(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const operand =
      /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(rest) ??
      /^\$[A-Za-z0-9_]+/.exec(rest) ??
      /^"[^"]*"/.exec(rest) ??
      /^'[^']*'/.exec(rest) ??
      /^\/(?:\\.|[^\\/])+\/[a-z]*/.exec(rest) ??
      /^null(?![A-Za-z0-9_])/.exec(rest);
    if (operand) {
      if (operand[0].startsWith('/') && !/\/[ismU]*$/.test(operand[0])) return `the regular expression ${operand[0]} has flags GitLab does not know (i, m, s, U)`;
      tokens.push({ kind: 'operand', at: i });
      i += operand[0].length;
      continue;
    }
    const symbol = /^(==|!=|=~|!~|&&|\|\||\(|\))/.exec(rest);
    if (symbol) {
      const s = symbol[0];
      tokens.push(s === '(' ? { kind: 'open', at: i } : s === ')' ? { kind: 'close', at: i } : s === '&&' || s === '||' ? { kind: 'logic', text: s, at: i } : { kind: 'compare', text: s, at: i });
      i += s.length;
      continue;
    }
    const word = /^\S+/.exec(rest)![0];
    if (rest.startsWith('"') || rest.startsWith("'")) return `the string starting at column ${i + 1} is not closed`;
    if (rest.startsWith('/')) return `the regular expression starting at column ${i + 1} is not closed with /`;
    if (/^=[^=~]/.test(rest) || rest === '=') return `'=' at column ${i + 1} is not an operator: compare with == or =~`;
    if (rest.startsWith('&') || rest.startsWith('|')) return `'${rest[0]}' at column ${i + 1} is not an operator: use && or ||`;
    return `'${word}' at column ${i + 1} is not a variable ($NAME), a quoted string, a /regex/ or null`;
  }
  return tokens;
}

/** expression := term (logic term)* ; term := operand (compare operand)? | ( expression ) */
function parse(tokens: Token[], text: string): string | undefined {
  if (tokens.length === 0) return 'the expression is empty';
  let i = 0;
  const describe = (t: Token | undefined): string => (t ? `'${text.slice(t.at, t.at + ('text' in t ? t.text.length : 1))}' at column ${t.at + 1}` : 'the end');
  const expression = (): string | undefined => {
    const first = term();
    if (first) return first;
    while (tokens[i]?.kind === 'logic') {
      i++;
      const next = term();
      if (next) return next;
    }
    return undefined;
  };
  const term = (): string | undefined => {
    const t = tokens[i];
    if (t?.kind === 'open') {
      i++;
      const inner = expression();
      if (inner) return inner;
      if (tokens[i]?.kind !== 'close') return `a parenthesis is not closed: expected ')' before ${describe(tokens[i])}`;
      i++;
      return undefined;
    }
    if (t?.kind !== 'operand') return `expected a value before ${describe(t)}`;
    i++;
    if (tokens[i]?.kind === 'compare') {
      const op = tokens[i]!;
      i++;
      if (tokens[i]?.kind !== 'operand') return `${describe(op)} needs a value on its right, found ${describe(tokens[i])}`;
      i++;
    }
    return undefined;
  };
  const problem = expression();
  if (problem) return problem;
  if (i < tokens.length) {
    const t = tokens[i]!;
    return t.kind === 'close' ? `${describe(t)} closes a parenthesis that was not opened` : `expected && or || before ${describe(t)}`;
  }
  return undefined;
}
