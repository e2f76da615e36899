import path from 'node:path';
import type { RenderSettings } from '../config/types.js';
import type { LoadProblem } from '../load/problems.js';
import type { Resource } from '../model/types.js';
import { KUSTOMIZATION_FILE_NAMES } from './kustomization.js';
import { loadPatches } from './patches.js';
import { planRendering, type TreeReader } from './plan.js';
import { resourcesFromRendered } from './source-map.js';

export const STDIN_NAME = '<stdin>';

export interface StdinOptions {
  tree: TreeReader;
  /**
   * The directory the tool rendered (`kustomize build overlays/prod`): origin paths are relative to it.
   * When it is a build root, its patches are read too, so that patched fields point at the patch.
   */
  base?: string;
  settings: RenderSettings;
  defaultNamespace: string;
}

/**
 * Rendered YAML piped in (`kustomize build overlays/prod | meshguard check -`, `helm template ... |`):
 * objects are located through their origin annotations and `# Source:` comments in the repository's
 * files; objects with neither are located in the stream, as `<stdin>`.
 */
export function resourcesFromStdin(text: string, options: StdinOptions): { resources: Resource[]; problems: LoadProblem[] } {
  const base = options.base ? path.posix.normalize(options.base.replace(/\\/g, '/')).replace(/\/$/, '') || '.' : undefined;
  const resolveOrigin = (written: string): string => {
    const candidates = [base ? path.posix.join(base, written) : written, written, written.replace(/^(\.\.\/)+/, '')].map((p) => path.posix.normalize(p));
    return candidates.find((p) => options.tree.isFile(p)) ?? candidates[0]!;
  };
  const rootFile = base === undefined ? undefined : KUSTOMIZATION_FILE_NAMES.map((n) => (base === '.' ? n : `${base}/${n}`)).find((f) => options.tree.isFile(f));
  const root = rootFile ? planRendering([rootFile], options.tree, { ...options.settings, kustomize: { ...options.settings.kustomize, roots: 'all' } }).roots[0] : undefined;
  const { resources, problems } = resourcesFromRendered(
    {
      name: STDIN_NAME,
      text,
      resolveOrigin,
      ...(root ? { build: { closure: root.closure, patches: loadPatches(root.closure, options.tree) } } : {}),
    },
    options.tree,
    options.defaultNamespace,
    STDIN_NAME,
  );
  return {
    resources,
    problems: problems.map((p) => ({ ruleId: 'yaml-syntax', messageId: p.code, severity: p.severity, message: p.message, file: STDIN_NAME, range: p.range })),
  };
}
