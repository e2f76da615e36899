import type { JsonPath } from '../types.js';

/**
 * A `!reference [.job, key, ...]` tag as it was written. GitLab resolves these after merging includes
 * (docs: ci/yaml/yaml_optimization "!reference tags"), so the loader keeps them as values and the
 * model resolves them on the merged pipeline.
 */
export class GitlabReference {
  constructor(readonly segments: readonly unknown[]) {}

  toString(): string {
    return `!reference [${this.segments.map(String).join(', ')}]`;
  }
}

export function isReference(value: unknown): value is GitlabReference {
  return value instanceof GitlabReference;
}

/** GitLab's limit: "!reference tags can be nested up to 10 levels". */
export const MAX_REFERENCE_NESTING = 10;

export interface ReferenceProblem {
  /** Where the `!reference` tag is written. */
  path: JsonPath;
  messageId: 'malformed' | 'unknownTarget' | 'cycle' | 'tooDeep';
  message: string;
}

export interface ResolvedReferences {
  /** The pipeline with every resolvable tag replaced by a copy of its target. */
  value: Record<string, unknown>;
  problems: ReferenceProblem[];
  /** JSON paths (joined by `/`) of tags that could not be resolved; they hold `null` in `value`. */
  unresolved: Set<string>;
}

const cache = new WeakMap<object, ResolvedReferences>();

/** Resolve every `!reference` of a merged pipeline. Memoized per pipeline object: several rules ask. */
export function resolveReferences(pipeline: Readonly<Record<string, unknown>>): ResolvedReferences {
  const cached = cache.get(pipeline);
  if (cached) return cached;
  const problems: ReferenceProblem[] = [];
  const unresolved = new Set<string>();

  const targetOf = (ref: GitlabReference): { key: string; value: unknown } | { error: ReferenceProblem['messageId']; detail: string } => {
    const segments = ref.segments;
    if (segments.length === 0 || !segments.every((s) => typeof s === 'string' && s.length > 0)) {
      return { error: 'malformed', detail: 'a !reference must be a non-empty list of keys, e.g. !reference [.setup, script]' };
    }
    let node: unknown = pipeline;
    for (const segment of segments as string[]) {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !(segment in node)) {
        return { error: 'unknownTarget', detail: `${ref} points at nothing: '${(segments as string[]).join('.')}' does not exist` };
      }
      node = (node as Record<string, unknown>)[segment];
    }
    return { key: (segments as string[]).join('\u0000'), value: node };
  };

  // `stack` holds the targets being expanded: meeting one again is a cycle (GitLab: "circular dependency").
  const expand = (value: unknown, path: JsonPath, stack: string[], reportAt: JsonPath | undefined): unknown => {
    if (value instanceof GitlabReference) {
      const where = reportAt ?? path;
      const target = targetOf(value);
      const fail = (messageId: ReferenceProblem['messageId'], message: string): null => {
        // A broken tag met inside a target is reported where it is written (the walk gets there too);
        // a cycle or excess depth belongs to the outermost tag, which is what cannot be resolved.
        if (!reportAt || messageId === 'cycle' || messageId === 'tooDeep') {
          const key = where.join('/');
          if (!unresolved.has(key)) problems.push({ path: where, messageId, message });
          unresolved.add(key);
        }
        return null;
      };
      if ('error' in target) return fail(target.error, target.detail);
      if (stack.includes(target.key)) return fail('cycle', `${value} is circular: it ends up referencing itself`);
      if (stack.length >= MAX_REFERENCE_NESTING) {
        return fail('tooDeep', `${value} nests more than ${MAX_REFERENCE_NESTING} !reference levels (GitLab's limit)`);
      }
      // Problems inside the target are reported where the inner tag is written, once, not per user.
      return expand(target.value, path, [...stack, target.key], where);
    }
    if (Array.isArray(value)) return value.map((item, i) => expand(item, [...path, i], stack, reportAt));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = expand(v, [...path, k], stack, reportAt);
      return out;
    }
    return value;
  };

  const walk = (value: unknown, path: JsonPath): unknown => {
    if (value instanceof GitlabReference) {
      // The tag's own location is a target too: `.a: script: !reference [.a, script]` is a cycle.
      const self = path.every((s) => typeof s === 'string') ? [path.join('\u0000')] : [];
      return expand(value, path, self, undefined);
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };
  const value = walk(pipeline, []) as Record<string, unknown>;
  const result = { value, problems, unresolved };
  cache.set(pipeline, result);
  return result;
}
