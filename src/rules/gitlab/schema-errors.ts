import type { ErrorObject } from 'ajv';
import { GLOBAL_KEYWORDS, hasInterpolation, isHidden } from '../../model/gitlab/pipeline.js';
import type { JsonPath } from '../../model/types.js';

export interface SchemaIssue {
  path: JsonPath;
  messageId: string;
  message: string;
}

const CONTAINER_KEYWORDS = new Set(['anyOf', 'oneOf', 'if']);

/**
 * Turn ajv's errors into one message per real problem. ajv reports every failed branch of an
 * `anyOf`; the branch that got deepest into the value is the one the author meant, so shallower
 * complaints at a failed `anyOf` are dropped, and same-place alternatives are merged
 * ("expected a string or a list").
 */
export function schemaIssues(
  errors: readonly ErrorObject[],
  value: unknown,
  skip: (path: JsonPath) => boolean,
  label: (path: JsonPath) => string = where,
): SchemaIssue[] {
  const withPaths = errors.map((error) => ({ error, path: toPath(error.instancePath, value) }));
  const branchPoints = new Set(withPaths.filter((e) => CONTAINER_KEYWORDS.has(e.error.keyword) && e.error.keyword !== 'if').map((e) => e.error.instancePath));
  let leaves = withPaths.filter((e) => !CONTAINER_KEYWORDS.has(e.error.keyword));
  for (const point of branchPoints) {
    const deeper = leaves.some((e) => e.error.instancePath.startsWith(`${point}/`));
    if (deeper) leaves = leaves.filter((e) => e.error.instancePath !== point || !isShapeError(e.error));
  }
  // Skipped only now: a value we cannot judge still tells which branch the author meant.
  leaves = leaves.filter((e) => !skip(e.path));

  const issues: SchemaIssue[] = [];
  const byPath = new Map<string, typeof leaves>();
  for (const leaf of leaves) byPath.set(leaf.error.instancePath, [...(byPath.get(leaf.error.instancePath) ?? []), leaf]);
  for (const [pointer, group] of byPath) {
    const path = group[0]!.path;
    const at = valueAt(value, path);
    let remaining = group.map((g) => g.error);
    if (branchPoints.has(pointer)) {
      const nonType = remaining.filter((e) => e.keyword !== 'type');
      if (nonType.length > 0) remaining = nonType;
      if (remaining.every((e) => e.keyword === 'type')) {
        const types = [...new Set(remaining.map((e) => String(e.params.type)))];
        issues.push({ path, messageId: 'wrongType', message: `${label(path)}: expected ${typeNames(types)}, found ${describeValue(at)}` });
        continue;
      }
      if (remaining.every((e) => e.keyword === 'required')) {
        const names = [...new Set(remaining.map((e) => String(e.params.missingProperty)))];
        issues.push({ path, messageId: 'missingKeyword', message: `${label(path)}: needs ${names.length > 1 ? 'one of ' : ''}${names.map((n) => `'${n}'`).join(', ')}` });
        continue;
      }
    }
    for (const error of remaining) issues.push(describe(error, path, at, label(path)));
  }
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join('/')}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Errors that say "this branch is not the right shape at all" rather than "this value is wrong". */
function isShapeError(error: ErrorObject): boolean {
  return ['type', 'required', 'additionalProperties', 'enum', 'const', 'pattern', 'minLength', 'not'].includes(error.keyword);
}

function describe(error: ErrorObject, path: JsonPath, at: unknown, here: string): SchemaIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path: [...path, key], messageId: 'unknownKeyword', message: `${here}: unknown keyword '${key}'` };
    }
    case 'required':
      return { path, messageId: 'missingKeyword', message: `${here}: missing required keyword '${String(params.missingProperty)}'` };
    case 'type':
      return { path, messageId: 'wrongType', message: `${here}: expected ${typeNames([String(params.type)])}, found ${describeValue(at)}` };
    case 'enum':
      return {
        path,
        messageId: 'notAllowed',
        message: `${here}: ${describeValue(at)} is not allowed; use one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, messageId: 'notAllowed', message: `${here}: must be ${JSON.stringify(params.allowedValue)}, found ${describeValue(at)}` };
    case 'pattern':
      return { path, messageId: 'badFormat', message: `${here}: ${describeValue(at)} ${patternHint(String(params.pattern))}` };
    case 'propertyNames':
      return { path: [...path, String(params.propertyName)], messageId: 'badFormat', message: `${here}: '${String(params.propertyName)}' is not a valid name (letters, digits, '_' and '-' only)` };
    case 'minItems':
      return { path, messageId: 'wrongSize', message: `${here}: needs at least ${String(params.limit)} ${Number(params.limit) === 1 ? 'entry' : 'entries'}` };
    case 'maxItems':
      return { path, messageId: 'wrongSize', message: `${here}: allows at most ${String(params.limit)} entries, found ${Array.isArray(at) ? at.length : '?'}` };
    case 'minLength':
      return { path, messageId: 'wrongSize', message: `${here}: must not be empty` };
    case 'maxLength':
      return { path, messageId: 'wrongSize', message: `${here}: is longer than ${String(params.limit)} characters` };
    case 'minProperties':
      return { path, messageId: 'wrongSize', message: `${here}: must not be empty` };
    case 'minimum':
    case 'maximum':
      return { path, messageId: 'outOfRange', message: `${here}: ${describeValue(at)} is out of range (${error.keyword} ${String(params.limit)})` };
    case 'uniqueItems':
      return { path, messageId: 'duplicateItems', message: `${here}: entries ${String(params.j)} and ${String(params.i)} are the same` };
    case 'not':
      return { path, messageId: 'conflictingKeywords', message: `${here}: combines keywords that cannot be used together` };
    default:
      return { path, messageId: 'invalid', message: `${here}: ${error.message ?? 'is not valid'}` };
  }
}

function patternHint(pattern: string): string {
  if (pattern.includes('\\$\\S+')) return "is not a project path: use 'group/project' (or a $VARIABLE)";
  if (pattern.includes('\\.{1,2}')) return "is not a valid cache key: it must not be '.' or '..' nor contain '/'";
  if (pattern.startsWith('^https?')) return 'must be an http(s) URL';
  if (pattern.includes('pull-push')) return "is not a cache policy: use 'pull', 'push' or 'pull-push'";
  return `does not match the expected form (${pattern})`;
}

/** "job 'build' cache.key", "the pipeline", "'variables' FOO". */
export function where(path: JsonPath): string {
  if (path.length === 0) return 'the pipeline';
  const [head, ...rest] = path;
  const name = String(head);
  const owner = GLOBAL_KEYWORDS.has(name) ? `'${name}'` : isHidden(name) ? `template '${name}'` : `job '${name}'`;
  if (rest.length === 0) return owner;
  const tail = rest.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return `${owner} ${tail}`;
}

function typeNames(types: string[]): string {
  const names: Record<string, string> = {
    string: 'a string', array: 'a list', object: 'a map', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'nothing',
  };
  const expanded = types.flatMap((t) => t.split(','));
  return [...new Set(expanded.map((t) => names[t] ?? t))].join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** JSON pointer -> path; digits are array indexes only where the value is an array. */
function toPath(pointer: string, root: unknown): JsonPath {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(node) && /^\d+$/.test(segment) ? Number(segment) : segment;
    out.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return out;
}

export function valueAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** Values built from `$[[ inputs.x ]]` are only known once the component is included. */
export function isOpaque(root: unknown, path: JsonPath): boolean {
  return hasInterpolation(valueAt(root, path));
}
