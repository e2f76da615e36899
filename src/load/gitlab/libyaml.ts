import { Scalar, type SchemaOptions, type Tags } from 'yaml';
import { parseYaml, type ParseResult } from '../yaml.js';
import { referenceTag } from './tags.js';

/**
 * GitLab reads CI files with Psych, i.e. libyaml and YAML 1.1. Where that differs from the YAML 1.2
 * reading meshguard uses for Kubernetes, a CI file is read as GitLab reads it:
 * - `yes/no/on/off` (any case) are booleans, `y`/`n` stay strings (Psych's scalar scanner);
 * - dates stay strings: GitLab's safe load refuses Date objects, meshguard does not invent them;
 * - `<<` merge keys (YAML 1.1);
 * - a key written twice keeps the last value (a warning, not an error);
 * - a multi-line flow collection may be less indented than its key (libyaml does not check it).
 */
const PSYCH_TRUE = /^(?:yes|true|on)$/i;
const PSYCH_FALSE = /^(?:no|false|off)$/i;

const psychBooleans: Tags = [
  { identify: (v) => v === true, default: true, tag: 'tag:yaml.org,2002:bool', test: PSYCH_TRUE, resolve: () => new Scalar(true) },
  { identify: (v) => v === false, default: true, tag: 'tag:yaml.org,2002:bool', test: PSYCH_FALSE, resolve: () => new Scalar(false) },
];

const gitlabTags: SchemaOptions['customTags'] = (tags) => [
  ...psychBooleans,
  ...tags.filter((t) => {
    const id = typeof t === 'string' ? t : t.tag;
    return id !== 'tag:yaml.org,2002:bool' && id !== 'tag:yaml.org,2002:timestamp';
  }),
  referenceTag,
];

export function parseGitlabYaml(text: string): ParseResult {
  const read = (source: string): ParseResult => parseYaml(source, { customTags: gitlabTags, version: '1.1', duplicateKeys: 'lastWins' });
  const first = read(text);
  if (!first.problems.some((p) => p.severity === 'error' && p.code === 'BAD_INDENT')) return first;
  const relaxed = indentFlowContinuations(text);
  if (relaxed === text) return first;
  const second = read(relaxed);
  const errors = (r: ParseResult): number => r.problems.filter((p) => p.severity === 'error').length;
  return errors(second) < errors(first) ? second : first;
}

/**
 * The text with every line that continues a flow collection (`[`/`{` opened on an earlier line)
 * indented one column deeper than the line that opened it, when it is not already. Only leading
 * spaces change, and inside a flow collection they mean nothing, so the value is the one libyaml
 * reads; line numbers are unchanged (columns on a padded line move by the padding).
 */
export function indentFlowContinuations(text: string): string {
  const lines = text.split('\n');
  let depth = 0;
  let openerIndent = 0;
  let blockScalarIndent: number | undefined;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    const indent = line.length - line.trimStart().length;
    if (blockScalarIndent !== undefined) {
      if (line.trim() === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = undefined;
    }
    if (depth > 0) {
      if (line.trim() !== '' && indent <= openerIndent) {
        line = ' '.repeat(openerIndent + 1 - indent) + line;
        lines[n] = line;
      }
      depth = scanFlow(line, 0, depth);
      continue;
    }
    const start = valueStart(line);
    if (start === undefined) continue;
    const c = line[start];
    if (c === '[' || c === '{') {
      depth = scanFlow(line, start, 0);
      // The block node that holds the collection starts after any `- ` item markers.
      openerIndent = /^[ \t]*(?:-[ \t]+)*/.exec(line)![0].length;
    } else if ((c === '|' || c === '>') && /^[|>][-+0-9]*\s*(#.*)?$/.test(line.slice(start))) {
      blockScalarIndent = indent;
    }
  }
  return lines.join('\n');
}

/** Where the value of a block line starts (after `- ` items and a `key:`), skipping anchors and tags. */
function valueStart(line: string): number | undefined {
  let i = line.length - line.trimStart().length;
  for (;;) {
    while (line.startsWith('- ', i) || line.startsWith('-\t', i)) i = skipSpaces(line, i + 1);
    i = skipProperties(line, i);
    if (line[i] === '[' || line[i] === '{' || line[i] === '|' || line[i] === '>') return i;
    if (line[i] === '#' || i >= line.length) return undefined;
    // A key (quoted or plain) followed by `: ` or `:` at the end of the line.
    let j = i;
    if (line[j] === '"' || line[j] === "'") {
      j = closingQuote(line, j);
      if (j < 0) return undefined;
      j++;
    }
    const colon = findKeyColon(line, j);
    if (colon === undefined) return undefined;
    i = skipProperties(line, skipSpaces(line, colon + 1));
    if (line.startsWith('- ', i)) continue;
    return i < line.length ? i : undefined;
  }
}

function skipSpaces(line: string, i: number): number {
  while (line[i] === ' ' || line[i] === '\t') i++;
  return i;
}

/** Skip `&anchor` and `!tag` properties before a node. */
function skipProperties(line: string, i: number): number {
  while (line[i] === '&' || line[i] === '!') {
    while (i < line.length && line[i] !== ' ') i++;
    i = skipSpaces(line, i);
  }
  return i;
}

function findKeyColon(line: string, from: number): number | undefined {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '#' && (i === 0 || line[i - 1] === ' ')) return undefined;
    if (line[i] === ':' && (i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\t')) return i;
  }
  return undefined;
}

function closingQuote(line: string, open: number): number {
  const quote = line[open];
  for (let i = open + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) {
      if (quote === "'" && line[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/** The flow depth after scanning `line` from `from` with `depth` open collections. */
function scanFlow(line: string, from: number, depth: number): number {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === '"' || c === "'") {
      const end = closingQuote(line, i);
      // A quoted scalar spanning lines: the rest of this line is inside it.
      if (end < 0) return depth;
      i = end;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
      return depth;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return 0;
    }
  }
  return depth;
}
