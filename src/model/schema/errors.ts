import type { ErrorObject } from 'ajv';
import type { JsonPath } from '../types.js';

export type SchemaProblemId = 'unknownField' | 'invalidEnum' | 'wrongType' | 'missingField' | 'invalidValue';

/** One schema violation, located and worded for a person rather than as ajv's raw text. */
export interface SchemaProblem {
  messageId: SchemaProblemId;
  path: JsonPath;
  message: string;
}

/**
 * Translate ajv errors into problems on exact paths. `data` is the validated object: it tells array
 * indexes from numeric-looking keys (`portLevelMtls: {8080: ...}`) and gives the offending values.
 */
export function describeErrors(errors: readonly ErrorObject[], data: unknown, kind: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = describeError(error, data, kind);
    if (!problem) continue;
    const key = `${problem.messageId}\u0000${problem.path.join('\u0000')}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject, data: unknown, kind: string): SchemaProblem | undefined {
  const path = toPath(error.instancePath, data);
  const value = valueAt(data, path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      const suggestion = closest(field, known);
      return {
        messageId: 'unknownField',
        path: [...path, field],
        message: `unknown field '${field}' in ${where(kind, path)}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const got = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
      const caseHint = typeof value === 'string' && allowed.some((a) => a.toLowerCase() === value.toLowerCase()) ? ' (values are case-sensitive)' : '';
      return {
        messageId: 'invalidEnum',
        path,
        message: `${display(kind, path)} must be one of ${allowed.join(', ')}, got ${got}${caseHint}`,
      };
    }
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]);
      return {
        messageId: 'wrongType',
        path,
        message: `${display(kind, path)} must be ${expected.map(article).join(' or ')}, got ${describeValue(value)}${quotingHint(expected, value)}`,
      };
    }
    case 'required':
      return {
        messageId: 'missingField',
        // The missing field's own path: located on the object that lacks it, and a distinct fingerprint per field.
        path: [...path, String(params.missingProperty)],
        message: `missing required field '${String(params.missingProperty)}' in ${where(kind, path)}`,
      };
    case 'if':
    case 'anyOf':
    case 'oneOf':
    case 'allOf':
    case 'not':
      return undefined; // the branch errors say what is wrong; the combinator adds nothing readable
    default:
      return { messageId: 'invalidValue', path, message: `${display(kind, path)} ${error.message ?? 'is invalid'}` };
  }
}

/** `/spec/ports/0/port` -> ['spec', 'ports', 0, 'port'], numbers only where the data holds an array. */
export function toPath(pointer: string, data: unknown): JsonPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      path.push(Number(segment));
      node = node[Number(segment)];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function valueAt(data: unknown, path: JsonPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** `spec.template.spec.containers[0].image`, as kubectl prints field paths. */
export function dotted(path: JsonPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`)).join('');
}

function display(kind: string, path: JsonPath): string {
  return path.length === 0 ? kind : dotted(path);
}

function where(kind: string, path: JsonPath): string {
  return path.length === 0 ? kind : `${kind} ${dotted(path)}`;
}

function article(type: string): string {
  const name = type === 'integer' ? 'an integer' : type === 'array' ? 'a list' : type === 'object' ? 'a mapping' : `a ${type}`;
  return name;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  return `${typeof value} ${String(value)}`;
}

/** YAML turns `8080`, `true` or `1.10` into non-strings: the fix is quotes, so say so. */
function quotingHint(expected: string[], value: unknown): string {
  if (expected.length === 1 && expected[0] === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return ` (quote it: "${String(value)}")`;
  }
  if (expected.every((t) => t === 'integer' || t === 'number') && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return ' (remove the quotes)';
  }
  return '';
}

/** The known field a typo most likely meant: same letters in another case, or within two edits. */
export function closest(field: string, candidates: readonly string[]): string | undefined {
  const lower = field.toLowerCase();
  const lowered = candidates.map((c) => c.toLowerCase());
  const sameCase = lowered.indexOf(lower);
  if (sameCase >= 0) return candidates[sameCase];
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(field.length / 3));
  for (let k = 0; k < candidates.length; k++) {
    const candidate = lowered[k]!;
    if (Math.abs(candidate.length - field.length) > bestDistance) continue;
    const distance = boundedDistance(lower, candidate, bestDistance);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidates[k];
      bestDistance = distance;
    }
  }
  return best;
}

/** Three rows of the distance matrix, reused: every unknown field of a run is compared with dozens of known ones. */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions) when it is at most `bound`;
 * otherwise some number above `bound`. The walk stops once two consecutive rows exceed the bound: every later
 * cell derives from those two rows (or from column 0, larger still) by adding non-negative costs.
 */
function boundedDistance(a: string, b: string, bound: number): number {
  if (rows[0]!.length <= b.length) rows = [0, 1, 2].map(() => new Int32Array(b.length * 2 + 1));
  let [beforePrevious, previous, current] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  let previousMin = 0;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours (`hots` for `host`) is one slip of the fingers, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, beforePrevious[j - 2]! + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > bound && previousMin > bound) return bound + 1;
    previousMin = rowMin;
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}
