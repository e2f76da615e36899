import path from 'node:path';
import type { JsonPath } from '../model/types.js';
import { isRecord } from '../model/workload.js';

/** The file names kustomize accepts for a build root, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export function isKustomizationFile(file: string): boolean {
  return (KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(path.posix.basename(file));
}

/** What a kustomization refers to, each with the path of its entry (to point a finding at it). */
export interface KustomizationReference {
  /** As written in the kustomization. */
  target: string;
  /** Where it is written, inside the kustomization document. */
  at: JsonPath;
  kind: 'resource' | 'component' | 'patch' | 'json6902' | 'generatorInput' | 'other';
  /** A URL or git address: kustomize would fetch it. */
  remote: boolean;
}

/** A patch with what it is known to target (kind/name from `target:` or from the patch document itself). */
export interface KustomizationPatch {
  /** Repository-relative file, for patches kept in their own file. */
  file?: string;
  /** Inline patches (`patch: |`) are located in the kustomization at this path. */
  inlineAt?: JsonPath;
  inline?: string;
  target?: { kind?: string; name?: string };
}

export interface Kustomization {
  /** Repository-relative path of the kustomization file. */
  file: string;
  /** Its directory (the build root), repository-relative ('.' for the repository root). */
  dir: string;
  isComponent: boolean;
  references: KustomizationReference[];
  patches: KustomizationPatch[];
  /** `namespace:` set by this kustomization. */
  setsNamespace: boolean;
  /** Generated objects (configMapGenerator, secretGenerator) by name, with their entry. */
  generators: { name: string; at: JsonPath }[];
  /** Chart inflation (`helmCharts:`): needs `--enable-helm`, which meshguard does not pass. */
  inflatesHelm: boolean;
}

/**
 * kustomize's remote targets: URLs, `github.com/...` shorthands, git SSH addresses, `?ref=` pins
 * (sigs.k8s.io/kustomize/api/internal/git/repospec.go).
 */
export function isRemoteTarget(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^git@/.test(target) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(target) || /[?&]ref=/.test(target);
}

/** Read a parsed kustomization document. Unknown or malformed fields are left to kustomize to reject. */
export function readKustomization(file: string, value: unknown): Kustomization {
  const dir = path.posix.dirname(file);
  const doc = isRecord(value) ? value : {};
  const references: KustomizationReference[] = [];
  const patches: KustomizationPatch[] = [];
  const resolve = (target: string): string => path.posix.normalize(path.posix.join(dir, target));
  const add = (target: unknown, at: JsonPath, kind: KustomizationReference['kind']): void => {
    if (typeof target !== 'string' || target === '') return;
    references.push({ target, at, kind, remote: isRemoteTarget(target) });
  };
  const list = (key: string): unknown[] => (Array.isArray(doc[key]) ? (doc[key] as unknown[]) : []);

  // `bases` is the deprecated spelling of directory resources.
  for (const key of ['resources', 'bases', 'crds']) list(key).forEach((entry, i) => add(entry, [key, i], 'resource'));
  list('components').forEach((entry, i) => add(entry, ['components', i], 'component'));
  list('patchesStrategicMerge').forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    // An entry is either a file name or an inline patch (a YAML document as a string).
    if (entry.includes('\n') || entry.includes(':')) {
      patches.push({ inline: entry, inlineAt: ['patchesStrategicMerge', i], target: targetOfInline(entry) });
    } else {
      add(entry, ['patchesStrategicMerge', i], 'patch');
      patches.push({ file: resolve(entry) });
    }
  });
  list('patches').forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const target = isRecord(entry.target) ? { ...(typeof entry.target.kind === 'string' ? { kind: entry.target.kind } : {}), ...(typeof entry.target.name === 'string' ? { name: entry.target.name } : {}) } : undefined;
    if (typeof entry.path === 'string') {
      add(entry.path, ['patches', i, 'path'], 'patch');
      patches.push({ file: resolve(entry.path), ...(target ? { target } : {}) });
    } else if (typeof entry.patch === 'string') {
      patches.push({ inline: entry.patch, inlineAt: ['patches', i, 'patch'], target: target ?? targetOfInline(entry.patch) });
    }
  });
  list('patchesJson6902').forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const target = isRecord(entry.target) ? { ...(typeof entry.target.kind === 'string' ? { kind: entry.target.kind } : {}), ...(typeof entry.target.name === 'string' ? { name: entry.target.name } : {}) } : undefined;
    if (typeof entry.path === 'string') {
      add(entry.path, ['patchesJson6902', i, 'path'], 'json6902');
      patches.push({ file: resolve(entry.path), ...(target ? { target } : {}) });
    } else if (typeof entry.patch === 'string') {
      patches.push({ inline: entry.patch, inlineAt: ['patchesJson6902', i, 'patch'], ...(target ? { target } : {}) });
    }
  });
  const generators: Kustomization['generators'] = [];
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    list(key).forEach((entry, i) => {
      if (!isRecord(entry)) return;
      if (typeof entry.name === 'string') generators.push({ name: entry.name, at: [key, i] });
      for (const field of ['files', 'envs']) {
        const sources = Array.isArray(entry[field]) ? (entry[field] as unknown[]) : [];
        // `files` entries may be `key=path`.
        sources.forEach((source, j) => add(typeof source === 'string' ? source.slice(source.indexOf('=') + 1) : source, [key, i, field, j], 'generatorInput'));
      }
      if (typeof entry.env === 'string') add(entry.env, [key, i, 'env'], 'generatorInput');
    });
  }
  for (const key of ['generators', 'transformers', 'validators', 'configurations', 'openapi', 'replacements']) {
    list(key).forEach((entry, i) => add(typeof entry === 'string' ? entry : isRecord(entry) ? entry.path : undefined, [key, i], 'other'));
  }
  if (isRecord(doc.openapi) && typeof doc.openapi.path === 'string') add(doc.openapi.path, ['openapi', 'path'], 'other');
  const helmCharts = list('helmCharts');
  helmCharts.forEach((entry, i) => {
    if (isRecord(entry) && typeof entry.repo === 'string') add(entry.repo, [`helmCharts`, i, 'repo'], 'other');
  });
  return {
    file,
    dir,
    isComponent: doc.kind === 'Component',
    references,
    patches,
    setsNamespace: typeof doc.namespace === 'string',
    generators,
    inflatesHelm: helmCharts.length > 0 || isRecord(doc.helmGlobals),
  };
}

/** Repository-relative path a reference points at (meaningless for remote ones). */
export function resolveReference(kustomization: Kustomization, reference: KustomizationReference): string {
  return path.posix.normalize(path.posix.join(kustomization.dir, reference.target));
}

function targetOfInline(text: string): KustomizationPatch['target'] {
  const kind = /^kind:\s*["']?([A-Za-z0-9]+)/m.exec(text)?.[1];
  const name = /^\s{2}name:\s*["']?([-.a-z0-9]+)/m.exec(text)?.[1];
  return { ...(kind ? { kind } : {}), ...(name ? { name } : {}) };
}
