import path from 'node:path';
import type { RenderSettings } from '../config/types.js';
import { compileGlobs } from '../load/discover.js';
import { parseYaml } from '../load/yaml.js';
import { KUSTOMIZATION_FILE_NAMES, isKustomizationFile, readKustomization, resolveReference, type Kustomization, type KustomizationReference } from './kustomization.js';

/** Read access to the tree being checked: the working tree, or a git revision's files. */
export interface TreeReader {
  /** Text of a repository-relative file, undefined when absent or unreadable. */
  read(file: string): string | undefined;
  isFile(file: string): boolean;
  isDirectory(dir: string): boolean;
  /** Every file below a directory (a chart's contents). */
  filesUnder(dir: string): readonly string[];
}

export interface BuildRoot {
  /** The root's directory, repository-relative: also the name findings carry. */
  dir: string;
  kustomization: Kustomization;
  /** Every kustomization this root builds from (itself, bases, components), in application order: bases first. */
  closure: Kustomization[];
  /** The files the build reads (kustomizations, resources, patches, generator inputs): checked through the rendering. */
  files: Set<string>;
  /** A remote reference somewhere in the closure: the root is not rendered (nothing is fetched). */
  remote?: { kustomization: Kustomization; reference: KustomizationReference };
}

export interface Chart {
  dir: string;
  /** Repository-relative path of Chart.yaml. */
  file: string;
}

export interface RenderPlan {
  kustomizations: ReadonlyMap<string, Kustomization>;
  /** The roots selected for rendering (settings.kustomize.roots). */
  roots: BuildRoot[];
  /** Files that are never resources of their own: kustomizations and every file of a chart. */
  buildFiles: ReadonlySet<string>;
  /** Patch files: fragments, never whole resources, whether or not anything is rendered. */
  patches: ReadonlySet<string>;
  charts: Chart[];
  /**
   * Files below a kustomization's directory that no kustomization uses (a patch commented out of the
   * build, kubebuilder scaffolding): kustomize never applies them, so they are not checked as resources.
   */
  unreferenced: ReadonlyMap<string, string[]>;
}

/**
 * Work out what to render from the files selected for checking: which directories are Kustomize build
 * roots (and which of them are leaves), which files only serve a build, and which directories are charts.
 */
export function planRendering(selected: readonly string[], tree: TreeReader, settings: RenderSettings): RenderPlan {
  const kustomizations = new Map<string, Kustomization>();
  const load = (dir: string): Kustomization | undefined => {
    if (kustomizations.has(dir)) return kustomizations.get(dir);
    for (const name of KUSTOMIZATION_FILE_NAMES) {
      const file = dir === '.' ? name : `${dir}/${name}`;
      if (!tree.isFile(file)) continue;
      const text = tree.read(file);
      if (text === undefined) return undefined;
      const value = parseYaml(text).documents[0]?.value;
      const kustomization = readKustomization(file, value);
      kustomizations.set(dir, kustomization);
      return kustomization;
    }
    return undefined;
  };

  const selectedRoots = selected.filter(isKustomizationFile).map((f) => path.posix.dirname(f));
  const referencedDirs = new Set<string>();
  const consumed = new Set<string>();
  const patches = new Set<string>();
  const closures = new Map<string, BuildRoot['closure']>();
  const remotes = new Map<string, BuildRoot['remote']>();

  // Bases first, then the kustomization itself, then its components: the order kustomize applies them.
  const closureOf = (dir: string, seen: Set<string>): { closure: Kustomization[]; remote?: BuildRoot['remote'] } => {
    const kustomization = load(dir);
    if (!kustomization || seen.has(dir)) return { closure: [] };
    seen.add(dir);
    consumed.add(kustomization.file);
    const before: Kustomization[] = [];
    const after: Kustomization[] = [];
    let remote: BuildRoot['remote'];
    for (const reference of kustomization.references) {
      if (reference.remote) {
        remote ??= { kustomization, reference };
        continue;
      }
      const target = resolveReference(kustomization, reference);
      if (reference.kind === 'patch' || reference.kind === 'json6902') patches.add(target);
      if ((reference.kind === 'resource' || reference.kind === 'component') && tree.isDirectory(target)) {
        if (dir !== target) referencedDirs.add(target);
        const nested = closureOf(target, seen);
        (reference.kind === 'component' ? after : before).push(...nested.closure);
        remote ??= nested.remote;
      }
    }
    return { closure: [...before, kustomization, ...after], ...(remote ? { remote } : {}) };
  };
  for (const dir of selectedRoots) {
    const { closure, remote } = closureOf(dir, new Set());
    closures.set(dir, closure);
    if (remote) remotes.set(dir, remote);
  }

  const wanted = settings.kustomize.roots;
  const matchesGlob = Array.isArray(wanted) ? compileGlobs(wanted.map((g) => g.replace(/\/$/, ''))) : undefined;
  const roots: BuildRoot[] = [];
  for (const dir of selectedRoots) {
    const kustomization = kustomizations.get(dir);
    if (!kustomization || kustomization.isComponent) continue;
    const chosen = matchesGlob ? matchesGlob(dir) : wanted === 'all' || !referencedDirs.has(dir);
    if (!chosen) continue;
    const remote = remotes.get(dir);
    const closure = closures.get(dir) ?? [kustomization];
    roots.push({ dir, kustomization, closure, files: filesOf(closure, tree), ...(remote ? { remote } : {}) });
  }

  const charts: Chart[] = [];
  for (const file of selected) {
    if (path.posix.basename(file) !== 'Chart.yaml') continue;
    const dir = path.posix.dirname(file);
    // A subchart (charts/<name>/Chart.yaml) is rendered with its parent.
    if (/(^|\/)charts\/[^/]+$/.test(dir) && charts.some((c) => dir.startsWith(`${c.dir}/`))) continue;
    charts.push({ dir, file });
  }
  for (const chart of charts) {
    for (const file of tree.filesUnder(chart.dir)) consumed.add(file);
  }
  const referenced = new Set<string>();
  for (const kustomization of kustomizations.values()) {
    for (const reference of kustomization.references) if (!reference.remote) referenced.add(resolveReference(kustomization, reference));
  }
  const unreferenced = new Map<string, string[]>();
  for (const file of selected) {
    if (isKustomizationFile(file) || referenced.has(file) || consumed.has(file) || !/\.(ya?ml|json)$/.test(file)) continue;
    const owner = nearestKustomization(path.posix.dirname(file), kustomizations);
    if (!owner) continue;
    const list = unreferenced.get(owner.file) ?? [];
    list.push(file);
    unreferenced.set(owner.file, list);
  }
  return { kustomizations, roots, buildFiles: consumed, patches, charts, unreferenced };
}

/** The kustomization of the directory or of its closest ancestor among those loaded. */
function nearestKustomization(dir: string, kustomizations: ReadonlyMap<string, Kustomization>): Kustomization | undefined {
  for (let current = dir; ; current = path.posix.dirname(current)) {
    const found = kustomizations.get(current);
    if (found) return found;
    if (current === '.' || current === '/') return undefined;
  }
}

function filesOf(closure: readonly Kustomization[], tree: TreeReader): Set<string> {
  const files = new Set<string>();
  for (const kustomization of closure) {
    files.add(kustomization.file);
    for (const reference of kustomization.references) {
      const target = resolveReference(kustomization, reference);
      if (!reference.remote && !tree.isDirectory(target)) files.add(target);
    }
  }
  return files;
}
