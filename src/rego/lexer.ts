// Lexer: source text -> tokens with positions. Newlines are not tokens; each token records whether
// a newline preceded it, because Rego bodies use newlines as expression separators.
import { RegoError, type Location } from './errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;          // source text for idents/punct/numbers; decoded value for strings
  raw: boolean;          // raw (backtick) string
  nl: boolean;           // a newline occurred between the previous token and this one
  loc: Location;
  offset: number;
}

export interface Comment {
  text: string;          // without the leading '#'
  loc: Location;
}

const PUNCT = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', ',', ';', '.', ':', '=', '<', '>',
  '+', '-', '*', '/', '%', '|', '&'];

export function lex(file: string, src: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let nl = false;
  const loc = (at: number): Location => ({ file, line, col: at - lineStart + 1 });
  const err = (msg: string, at: number): never => {
    throw new RegoError('rego_parse_error', msg, loc(at));
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') { i++; line++; lineStart = i; nl = true; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') {
      const s = i;
      while (i < src.length && src[i] !== '\n') i++;
      comments.push({ text: src.slice(s + 1, i), loc: loc(s) });
      continue;
    }
    const start = i;
    const l = loc(start);
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      tokens.push({ kind: 'ident', text: src.slice(start, i), raw: false, nl, loc: l, offset: start });
    } else if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (/[0-9]/.test(src[j] ?? '')) {
          i = j;
          while (i < src.length && /[0-9]/.test(src[i]!)) i++;
        }
      }
      tokens.push({ kind: 'number', text: src.slice(start, i), raw: false, nl, loc: l, offset: start });
    } else if (c === '"') {
      i++;
      let out = '';
      for (;;) {
        if (i >= src.length || src[i] === '\n') err('non-terminated string', start);
        const d = src[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\') {
          const e = src[i + 1];
          i += 2;
          switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'u': {
              const h = src.slice(i, i + 4);
              if (!/^[0-9a-fA-F]{4}$/.test(h)) err('invalid unicode escape', i);
              out += String.fromCharCode(parseInt(h, 16));
              i += 4;
              break;
            }
            default: err(`illegal escape sequence \\${e ?? ''}`, i - 2);
          }
          continue;
        }
        out += d;
        i++;
      }
      tokens.push({ kind: 'string', text: out, raw: false, nl, loc: l, offset: start });
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) err('non-terminated raw string', start);
      const text = src.slice(i + 1, end);
      for (const ch of text) if (ch === '\n') { line++; }
      if (text.includes('\n')) lineStart = start + 1 + text.lastIndexOf('\n') + 1;
      i = end + 1;
      tokens.push({ kind: 'string', text, raw: true, nl, loc: l, offset: start });
    } else {
      const p = PUNCT.find((x) => src.startsWith(x, i));
      if (!p) err(`illegal token '${c}'`, start);
      i += p!.length;
      tokens.push({ kind: 'punct', text: p!, raw: false, nl, loc: l, offset: start });
    }
    nl = false;
  }
  tokens.push({ kind: 'eof', text: '', raw: false, nl: true, loc: loc(i), offset: i });
  return { tokens, comments };
}
