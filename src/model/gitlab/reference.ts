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
  /** JSON paths (joined by `/`) where a tag was written and replaced by its target. */
  sites: Set<string>;
}

const cache = new WeakMap<object, ResolvedReferences>();

/** Resolve every `!reference` of a merged pipeline. Memoized per pipeline object: several rules ask. */
export function resolveReferences(pipeline: Readonly<Record<string, unknown>>): ResolvedReferences {
  const cached = cache.get(pipeline);
  if (cached) return cached;
  const problems: ReferenceProblem[] = [];
  const unresolved = new Set<string>();
  const sites = new Set<string>();

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

  /**
   * The tag being resolved from the walk (`outer`, written at `at`), the targets on the way
   * (`stack`: meeting one again is a cycle) and how many tags deep the expansion is.
   */
  interface Expansion {
    outer: GitlabReference;
    at: JsonPath;
    stack: string[];
    depth: number;
  }

  const expand = (value: unknown, path: JsonPath, within: Expansion | undefined): unknown => {
    if (value instanceof GitlabReference) {
      if (!within) sites.add(path.join('/'));
      const current: Expansion = within
        ? { ...within, depth: within.depth + 1 }
        : { outer: value, at: path, stack: selfKey(path), depth: 1 };
      const fail = (messageId: ReferenceProblem['messageId'], message: string): null => {
        // A broken tag met inside a target is reported where it is written (the walk gets there too);
        // a cycle or excess depth belongs to the outermost tag, which is what cannot be resolved.
        if (!within || messageId === 'cycle' || messageId === 'tooDeep') {
          const key = current.at.join('/');
          if (!unresolved.has(key)) problems.push({ path: current.at, messageId, message });
          unresolved.add(key);
        }
        return null;
      };
      if (current.depth > MAX_REFERENCE_NESTING) {
        return fail('tooDeep', `${current.outer} needs more than ${MAX_REFERENCE_NESTING} nested !reference levels to resolve (GitLab's limit)`);
      }
      const target = targetOf(value);
      if ('error' in target) return fail(target.error, target.detail);
      if (current.stack.includes(target.key)) return fail('cycle', `${current.outer} is circular: it ends up referencing itself`);
      return expand(target.value, path, { ...current, stack: [...current.stack, target.key] });
    }
    if (Array.isArray(value)) return value.map((item, i) => expand(item, [...path, i], within));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = expand(v, [...path, k], within);
      return out;
    }
    return value;
  };

  // The tag's own location is a target too: `.a: script: !reference [.a, script]` is a cycle.
  const selfKey = (path: JsonPath): string[] => (path.every((s) => typeof s === 'string') ? [path.join('\u0000')] : []);

  const value = expand(pipeline, [], undefined) as Record<string, unknown>;
  const result = { value, problems, unresolved, sites };
  cache.set(pipeline, result);
  return result;
}
