import type { JsonPath } from '../types.js';

/** Top-level keys that are not jobs (docs: ci/yaml "Global keywords"; `spec` is a component header). */
export const GLOBAL_KEYWORDS: ReadonlySet<string> = new Set([
  'default', 'include', 'stages', 'variables', 'workflow', 'spec',
  // deprecated globals, still accepted by GitLab
  'image', 'services', 'before_script', 'after_script', 'cache', 'types',
]);

/** GitLab's stages when `stages` is not set; `.pre` and `.post` always exist. */
export const DEFAULT_STAGES: readonly string[] = ['.pre', 'build', 'test', 'deploy', '.post'];

/** A job without `stage` runs in `test`. */
export const DEFAULT_STAGE = 'test';

/** GitLab's limit: "You can use up to eleven levels of inheritance" (extends). */
export const MAX_EXTENDS_DEPTH = 11;

export type JobMap = Readonly<Record<string, unknown>>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

export function isHidden(key: string): boolean {
  return key.startsWith('.');
}

/** `$[[ inputs.x ]]` is filled in when the component is included: its value is unknown here. */
export function hasInterpolation(value: unknown): boolean {
  return typeof value === 'string' && value.includes('$[[');
}

/** Jobs (not hidden, not global keywords) of a pipeline, in file order. */
export function jobsOf(pipeline: JobMap): [string, Record<string, unknown>][] {
  return Object.entries(pipeline).filter(
    (entry): entry is [string, Record<string, unknown>] => !GLOBAL_KEYWORDS.has(entry[0]) && !isHidden(entry[0]) && isPlainObject(entry[1]),
  );
}

/** Hidden keys whose value is a map: templates meant for `extends` / `!reference`. */
export function templatesOf(pipeline: JobMap): [string, Record<string, unknown>][] {
  return Object.entries(pipeline).filter(
    (entry): entry is [string, Record<string, unknown>] => isHidden(entry[0]) && isPlainObject(entry[1]),
  );
}

/** Declared stages, nested lists flattened (GitLab accepts them), plus the implicit `.pre`/`.post`. */
export function declaredStages(pipeline: JobMap): string[] | undefined {
  const stages = pipeline.stages;
  if (!Array.isArray(stages)) return undefined;
  const out: string[] = ['.pre'];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  stages.forEach(visit);
  out.push('.post');
  return out;
}

export function stageList(pipeline: JobMap): string[] {
  return declaredStages(pipeline) ?? [...DEFAULT_STAGES];
}

export function extendsOf(job: Readonly<Record<string, unknown>>): string[] {
  const value = job.extends;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export interface ExtendsProblem {
  /** Path of the `extends` entry (or key) in the pipeline object. */
  path: JsonPath;
  messageId: 'unknownTarget' | 'cycle' | 'tooDeep' | 'notAJob';
  message: string;
}

/**
 * GitLab's extends merge (lib/gitlab/ci/config/extendable): parents in list order, later parents win,
 * the job's own keys win last; maps are deep-merged, everything else (lists included) replaced.
 */
export function deepMerge(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The job with its `extends` chain applied; problems are those of this job's own `extends` entries. */
export function resolveJob(pipeline: JobMap, name: string): { job: Record<string, unknown>; problems: ExtendsProblem[] } {
  const problems: ExtendsProblem[] = [];
  const own = pipeline[name];
  if (!isPlainObject(own)) return { job: {}, problems };

  const build = (key: string, stack: string[]): Record<string, unknown> => {
    const job = pipeline[key] as Record<string, unknown>;
    let merged: Record<string, unknown> = {};
    for (const parent of extendsOf(job)) {
      const chain = [...stack, key, parent].join(' -> ');
      if (stack.includes(parent) || parent === key) throw new ExtendsError('cycle', `extends cycle: ${chain}`);
      if (stack.length + 1 > MAX_EXTENDS_DEPTH) throw new ExtendsError('tooDeep', `extends chain ${chain} is deeper than GitLab's ${MAX_EXTENDS_DEPTH} levels`);
      // A missing or malformed parent further up is reported on the job that names it.
      if (isPlainObject(pipeline[parent])) merged = deepMerge(merged, build(parent, [...stack, key]));
    }
    const { extends: _ignored, ...rest } = job;
    return deepMerge(merged, rest);
  };

  let merged: Record<string, unknown> = {};
  const extendsValue = own.extends;
  extendsOf(own).forEach((parent, index) => {
    const path: JsonPath = Array.isArray(extendsValue) ? [name, 'extends', index] : [name, 'extends'];
    if (!(parent in pipeline)) {
      problems.push({ path, messageId: 'unknownTarget', message: `job '${name}' extends '${parent}', which is not defined in the pipeline or its includes` });
    } else if (!isPlainObject(pipeline[parent])) {
      problems.push({ path, messageId: 'notAJob', message: `job '${name}' extends '${parent}', which is not a job or template (a map)` });
    } else if (parent === name) {
      problems.push({ path, messageId: 'cycle', message: `job '${name}' extends itself` });
    } else {
      try {
        merged = deepMerge(merged, build(parent, [name]));
      } catch (error) {
        if (!(error instanceof ExtendsError)) throw error;
        problems.push({ path, messageId: error.messageId, message: `job '${name}': ${error.message}` });
      }
    }
  });
  const { extends: _ignored, ...rest } = own;
  return { job: deepMerge(merged, rest), problems };
}

class ExtendsError extends Error {
  constructor(
    readonly messageId: 'cycle' | 'tooDeep',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where a (nested) key of a job's extends-merged form is written: the job itself or the template
 * (searched as extends merges, later parents first) that holds the deepest part of `subPath`, so
 * that a finding lands on the line that sets the value. Undefined when no file writes its first key.
 */
export function whereDefined(pipeline: JobMap, name: string, subPath: JsonPath): JsonPath | undefined {
  const holds = (job: string, path: JsonPath, seen: Set<string>): JsonPath | undefined => {
    const value = pipeline[job];
    if (!isPlainObject(value) || seen.has(job)) return undefined;
    if (hasPath(value, path)) return [job, ...path];
    seen.add(job);
    for (const parent of extendsOf(value).reverse()) {
      const found = holds(parent, path, seen);
      if (found) return found;
    }
    return undefined;
  };
  for (let length = subPath.length; length > 0; length--) {
    const found = holds(name, subPath.slice(0, length), new Set());
    if (found) return [...found, ...subPath.slice(length)];
  }
  return undefined;
}

function hasPath(value: unknown, path: JsonPath): boolean {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !(segment in node)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

/** The stage a job runs in after extends: GitLab's default is `test`. */
export function stageOf(job: Readonly<Record<string, unknown>>): string {
  return typeof job.stage === 'string' ? job.stage : DEFAULT_STAGE;
}

/** Facts the loader knows about a pipeline that its merged object cannot show. */
export interface PipelineFacts {
  /** Hidden keys carrying a YAML anchor: used through aliases, which the parsed value no longer shows. */
  anchoredKeys: ReadonlySet<string>;
  /** `include:` entries that meshguard cannot read (component, project, remote, template), as written. */
  opaqueIncludes: readonly string[];
  /** Files merged into this pipeline, main file last. */
  files: readonly string[];
}

const facts = new WeakMap<object, PipelineFacts>();

/** Recorded by the loader for each pipeline object it builds; rules read them through `pipelineFacts`. */
export function recordPipelineFacts(pipeline: object, value: PipelineFacts): void {
  facts.set(pipeline, value);
}

export function pipelineFacts(pipeline: object): PipelineFacts {
  return facts.get(pipeline) ?? { anchoredKeys: new Set(), opaqueIncludes: [], files: [] };
}

/**
 * A name the merged pipeline lacks may still come from an include meshguard does not fetch
 * (`extends: .auto-deploy` from a template include is the classic case). Such findings are softened
 * to info with this note; without opaque includes the absence is certain.
 */
export function unverifiableNote(pipeline: object): string | undefined {
  const opaque = pipelineFacts(pipeline).opaqueIncludes;
  if (opaque.length === 0) return undefined;
  const more = opaque.length > 1 ? ` (or ${opaque.length - 1} more)` : '';
  return ` unless it comes from '${opaque[0]}'${more}, which meshguard does not fetch`;
}
