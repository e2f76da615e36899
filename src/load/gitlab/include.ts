import path from 'node:path';
import type { JsonPath } from '../../model/types.js';

/** One `include:` entry as written, with the path of the entry in its file. */
export type IncludeEntry =
  | { kind: 'local'; file: string; path: JsonPath }
  | { kind: 'remote' | 'project' | 'template' | 'component'; ref: string; path: JsonPath }
  | { kind: 'invalid'; path: JsonPath };

/**
 * The `include:` entries of one document. A bare string is `local` unless it is a URL
 * (docs: ci/yaml "include" — "include: 'path'" short form). Malformed entries are left to the schema.
 */
export function includeEntries(document: Readonly<Record<string, unknown>>): IncludeEntry[] {
  const value = document.include;
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const basePath = (i: number): JsonPath => (Array.isArray(value) ? ['include', i] : ['include']);
  return list.flatMap((item, i): IncludeEntry[] => {
    const at = basePath(i);
    if (typeof item === 'string') {
      return /^https?:\/\//.test(item) ? [{ kind: 'remote', ref: item, path: at }] : [{ kind: 'local', file: item, path: at }];
    }
    if (typeof item !== 'object' || item === null) return [{ kind: 'invalid', path: at }];
    const entry = item as Record<string, unknown>;
    if (typeof entry.local === 'string') return [{ kind: 'local', file: entry.local, path: [...at, 'local'] }];
    if (typeof entry.remote === 'string') return [{ kind: 'remote', ref: entry.remote, path: [...at, 'remote'] }];
    if (typeof entry.template === 'string') return [{ kind: 'template', ref: entry.template, path: [...at, 'template'] }];
    if (typeof entry.component === 'string') return [{ kind: 'component', ref: entry.component, path: [...at, 'component'] }];
    if (typeof entry.project === 'string') {
      const files = Array.isArray(entry.file) ? entry.file.map(String) : [String(entry.file)];
      return [{ kind: 'project', ref: `${entry.project}:${files.join(',')}`, path: [...at, 'project'] }];
    }
    return [{ kind: 'invalid', path: at }];
  });
}

export type LocalTarget =
  | { ok: true; file: string }
  | { ok: true; glob: RegExp; under: string }
  | { ok: false; messageId: 'escapesRepository' | 'notYaml' | 'unexpandable'; message: string };

/**
 * Where a `local:` include points, as a repository-relative POSIX path. GitLab reads local includes
 * from the repository root whatever file includes them (a leading `/` is optional), so `..` can only
 * lead out of the repository: refused, never read.
 */
export function localTarget(written: string): LocalTarget {
  // GitLab expands `*` and `**` in local includes (docs: ci/yaml/includes "include:local with wildcard file paths").
  if (!/\$|\{/.test(written) && written.includes('*')) {
    const normalized = path.posix.normalize(written.replace(/^\/+/, ''));
    if (normalized.startsWith('../') || normalized === '..') {
      return { ok: false, messageId: 'escapesRepository', message: `local include '${written}' points outside the repository; GitLab and meshguard only read files inside it` };
    }
    const staticSegments: string[] = [];
    for (const segment of normalized.split('/')) {
      if (segment.includes('*')) break;
      staticSegments.push(segment);
    }
    const source = normalized
      .split(/(\*\*\/|\*\*|\*)/)
      .map((part) => (part === '**/' ? '(?:(?!\\.)[^/]*/)*' : part === '**' ? '(?!\\.).*' : part === '*' ? '(?!\\.)[^/]*' : part.replace(/[.+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    return { ok: true, glob: new RegExp(`^${source}$`), under: staticSegments.join('/') };
  }
  if (/\$|\*|\{/.test(written)) {
    return {
      ok: false,
      messageId: 'unexpandable',
      message: `local include '${written}' uses variables or wildcards, which meshguard does not expand: its jobs are not checked`,
    };
  }
  const normalized = path.posix.normalize(written.replace(/^\/+/, ''));
  if (normalized === '..' || normalized.startsWith('../') || path.posix.isAbsolute(normalized)) {
    return { ok: false, messageId: 'escapesRepository', message: `local include '${written}' points outside the repository; GitLab and meshguard only read files inside it` };
  }
  if (!/\.ya?ml$/.test(normalized)) {
    return { ok: false, messageId: 'notYaml', message: `local include '${written}' must end in .yml or .yaml (GitLab refuses other files)` };
  }
  return { ok: true, file: normalized };
}
