import type { JsonPath } from '../types.js';
import { GLOBAL_KEYWORDS, extendsOf, isHidden, isPlainObject, pipelineFacts, resolveJob, whereDefined, type JobMap } from './pipeline.js';
import { resolveReferences, type ReferenceProblem } from './reference.js';

/**
 * A merged pipeline (includes already merged by the loader) taken through the rest of GitLab's order
 * (lib/gitlab/ci/config.rb build_config): `extends` on every job and template, then `!reference`
 * against the extended result, then what the keyword entries do to their value before validating it:
 * nested lists of scripts, `needs`, `rules` and `cache` flattened, `null` meaning "not set".
 *
 * Rules validate `value` and report with `written(path)`, which maps a path of `value` back to where
 * the user wrote it in the merged pipeline: the job's own key, the template it came from, or the
 * `!reference` tag that brought the value.
 */
export interface ProcessedPipeline {
  value: Record<string, unknown>;
  /** Runnable jobs of `value` (not hidden, not global keywords), in file order. */
  jobs: [string, Record<string, unknown>][];
  /**
   * Jobs and templates whose merged form is incomplete: an `extends` target or `!reference` that
   * is missing or broken. What is missing may come from an include meshguard cannot read, and the
   * missing target is reported once by gitlab-extends/gitlab-reference: nothing derived from the
   * gap (a "missing script", an undeclared default stage) is an error.
   */
  partial: Set<string>;
  /**
   * True when the job may hold more than meshguard sees: its merged form has a gap, or an include
   * meshguard cannot read may define the same job (GitLab deep-merges them).
   */
  mayBeIncomplete(name: string): boolean;
  /** True when the value at `path` holds or sits in a `!reference` that could not be resolved. */
  touchesUnresolved(path: JsonPath): boolean;
  /** `!reference` problems, at the written tag, each once. */
  referenceProblems: ReferenceProblem[];
  written(path: JsonPath): JsonPath;
}

/** Keys whose nested lists GitLab flattens before validating (entries call `flatten` on them). */
const FLATTENED = new Set(['script', 'before_script', 'after_script', 'needs', 'rules', 'cache']);

const cache = new WeakMap<object, ProcessedPipeline>();

export function processPipeline(pipeline: JobMap): ProcessedPipeline {
  const cached = cache.get(pipeline);
  if (cached) return cached;

  // 1. extends, on jobs and hidden templates alike (a !reference may point into either).
  const extended: Record<string, unknown> = {};
  const partial = new Set<string>();
  for (const [key, value] of Object.entries(pipeline)) {
    if (GLOBAL_KEYWORDS.has(key) || !isPlainObject(value)) {
      extended[key] = value;
      continue;
    }
    extended[key] = resolveJob(pipeline, key).job;
    if (brokenChain(pipeline, key)) partial.add(key);
  }

  // 2. !reference, resolved against the extended pipeline.
  const resolved = resolveReferences(extended);
  for (const unresolved of resolved.unresolved) partial.add(unresolved.split('/')[0]!);

  // 3. what the keyword entries do: flatten nested lists, drop nulls.
  const flattened = new Map<string, JsonPath[]>();
  // GitLab's entry factory reads a nil value as "not set" (Entry::Unspecified). Inside `rules`
  // entries GitLab's own schema fixtures call a null invalid, and no real pipeline relies on it there.
  const normalize = (value: unknown, path: JsonPath, flatten: boolean, keepNulls = false): unknown => {
    if (Array.isArray(value)) {
      if (!flatten) return value.map((item, i) => normalize(item, [...path, i], false, keepNulls));
      const items: unknown[] = [];
      const origins: JsonPath[] = [];
      const collect = (list: unknown[], at: JsonPath, depth: number): void => {
        list.forEach((item, i) => {
          if (Array.isArray(item) && depth < 10) collect(item, [...at, i], depth + 1);
          else {
            // A null entry of a flattened list (an empty `-`, an anchor of nothing) is dropped, as
            // pipelines GitLab runs show (xen's `needs: [*empty-needs, job]`).
            if (item === null && path[path.length - 1] !== 'rules') return;
            origins.push([...at, i]);
            items.push(normalize(item, [...path, ...at, i], false, keepNulls || path[path.length - 1] === 'rules'));
          }
        });
      };
      collect(value, [], 0);
      if (origins.some((o, k) => o.length > 1 || o[0] !== k)) flattened.set(path.join('\u0000'), origins);
      return items;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined || (v === null && !keepNulls)) continue;
        out[k] = normalize(v, [...path, k], FLATTENED.has(k), keepNulls);
      }
      return out;
    }
    return value;
  };
  const value: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(resolved.value)) {
    if (item === null || item === undefined) continue;
    value[key] = normalize(item, [key], key === 'stages' ? false : FLATTENED.has(key));
  }

  const isJobLike = (key: string): boolean => !GLOBAL_KEYWORDS.has(key) && isPlainObject(pipeline[key]);
  // Back through flattening: an index of a flattened list is a path into the nested lists.
  const unflatten = (path: JsonPath): JsonPath => {
    let unflattened: JsonPath = [];
    for (const segment of path) {
      const origin = typeof segment === 'number' ? flattened.get(unflattened.join('\u0000'))?.[segment] : undefined;
      unflattened = origin ? [...unflattened, ...origin] : [...unflattened, segment];
    }
    return unflattened;
  };
  const touchesUnresolved = (path: JsonPath): boolean => {
    const at = unflatten(path).join('/');
    return [...resolved.unresolved].some((u) => u === at || u.startsWith(`${at}/`) || at.startsWith(`${u}/`));
  };
  const written = (path: JsonPath): JsonPath => {
    const unflattened = unflatten(path);
    // A value a !reference brought is reported at the tag.
    let at = unflattened;
    for (let i = 1; i <= unflattened.length; i++) {
      if (resolved.sites.has(unflattened.slice(0, i).join('/'))) {
        at = unflattened.slice(0, i);
        break;
      }
    }
    const head = String(at[0]);
    if (at.length > 1 && isJobLike(head)) return whereDefined(pipeline, head, at.slice(1)) ?? at;
    return at;
  };

  const seen = new Set<string>();
  const referenceProblems: ReferenceProblem[] = [];
  for (const problem of resolved.problems) {
    const path = written(problem.path);
    const key = `${path.join('/')}|${problem.messageId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    referenceProblems.push({ ...problem, path });
  }

  const jobs = Object.entries(value).filter(
    (entry): entry is [string, Record<string, unknown>] => !GLOBAL_KEYWORDS.has(entry[0]) && !isHidden(entry[0]) && isPlainObject(entry[1]),
  );
  const opaque = hasOpaqueIncludes(pipeline);
  const mayBeIncomplete = (name: string): boolean => opaque || partial.has(name);
  const result: ProcessedPipeline = { value, jobs, partial, mayBeIncomplete, touchesUnresolved, referenceProblems, written };
  cache.set(pipeline, result);
  return result;
}

/** True when an `extends` somewhere up the job's chain names something missing, not a map, or loops. */
function brokenChain(pipeline: JobMap, name: string): boolean {
  const visiting = new Set<string>();
  const visit = (key: string, depth: number): boolean => {
    if (visiting.has(key) || depth > 11) return true;
    const job = pipeline[key];
    if (!isPlainObject(job)) return true;
    visiting.add(key);
    const broken = extendsOf(job).some((parent) => visit(parent, depth + 1));
    visiting.delete(key);
    return broken;
  };
  return visit(name, 0);
}

/** True when the pipeline has includes meshguard cannot read. */
export function hasOpaqueIncludes(pipeline: object): boolean {
  return pipelineFacts(pipeline).opaqueIncludes.length > 0;
}
