import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { parseYaml } from '../load/yaml.js';
import { isRecord } from '../model/workload.js';
import { isRemoteTarget } from './kustomization.js';
import type { BuildRoot, TreeReader } from './plan.js';
import type { ToolOutcome } from './tools.js';

/** What was left out to render a build without its remote parts. */
export interface Degradation {
  /** Remote entries removed, per kustomization file. */
  remote: { file: string; target: string }[];
  /** Patches dropped because their target came from a remote base, as `<kustomization>: <Kind>/<name>`. */
  patches: string[];
}

const MAX_ATTEMPTS = 25;

/**
 * Render a build that refers to remote bases without fetching them: its files are copied to a sandbox
 * with the remote entries removed, and patches whose target only the remote base provided (kustomize:
 * "no resource matches strategic merge patch", "failed to find unique target") are dropped one by
 * one. What is rendered is the build minus the remote parts; what was left out is reported.
 */
export async function renderWithoutRemote(
  root: BuildRoot,
  tree: TreeReader,
  render: (diskRoot: string) => Promise<ToolOutcome>,
): Promise<{ outcome: ToolOutcome; diskRoot: string; degradation: Degradation; remove: () => Promise<void> }> {
  const sandbox = await mkdtemp(path.join(os.tmpdir(), 'meshguard-sandbox-'));
  const degradation: Degradation = { remote: [], patches: [] };
  const kustomizations = new Map<string, Record<string, unknown>>();
  for (const file of root.files) {
    const text = tree.read(file);
    if (text === undefined) continue;
    const target = path.join(sandbox, file);
    await mkdir(path.dirname(target), { recursive: true });
    const kustomization = root.closure.find((k) => k.file === file);
    if (!kustomization) {
      await writeFile(target, text);
      continue;
    }
    const value = parseYaml(text).documents[0]?.value;
    const doc = isRecord(value) ? value : {};
    for (const key of ['resources', 'bases', 'components', 'crds']) {
      if (!Array.isArray(doc[key])) continue;
      doc[key] = (doc[key] as unknown[]).filter((entry) => {
        const remote = typeof entry === 'string' && isRemoteTarget(entry);
        if (remote) degradation.remote.push({ file, target: entry });
        return !remote;
      });
    }
    kustomizations.set(path.posix.dirname(file), doc);
    await writeFile(target, jsyaml.dump(doc));
  }
  let outcome = await render(sandbox);
  for (let attempt = 0; !outcome.ok && attempt < MAX_ATTEMPTS; attempt++) {
    const missing = unmatchedPatch(outcome.message, sandbox);
    const doc = missing ? kustomizations.get(missing.dir) : undefined;
    if (!missing || !doc || !dropPatches(doc, missing, tree, missing.dir)) break;
    degradation.patches.push(`${missing.dir}: ${missing.kind}/${missing.name}`);
    await writeFile(path.join(sandbox, missing.dir, fileNameOf(root, missing.dir)), jsyaml.dump(doc));
    outcome = await render(sandbox);
  }
  return { outcome, diskRoot: sandbox, degradation, remove: () => rm(sandbox, { recursive: true, force: true }) };
}

function fileNameOf(root: BuildRoot, dir: string): string {
  return path.posix.basename(root.closure.find((k) => k.dir === dir)?.file ?? 'kustomization.yaml');
}

/** kustomize names the patch target it could not find, and the kustomization it was accumulating. */
function unmatchedPatch(message: string, sandbox: string): { dir: string; kind: string; name: string } | undefined {
  const id = /(?:no matches for Id|failed to find unique target for patch) ([A-Za-z0-9]+)\.[^/\s]*\/([^.\s]+)\./.exec(message);
  if (!id) return undefined;
  const paths = [...message.matchAll(/recursed accumulation of path '([^']+)'/g)].map((m) => m[1]!);
  const innermost = paths.length > 0 ? paths[paths.length - 1]! : sandbox;
  const dir = path.relative(sandbox, innermost).split(path.sep).join('/') || '.';
  return { dir, kind: id[1]!, name: id[2]! };
}

/** Remove the patches of a kustomization that target kind/name; false when none did. */
function dropPatches(doc: Record<string, unknown>, target: { kind: string; name: string }, tree: TreeReader, dir: string): boolean {
  const targets = (patchFile: unknown, inline: unknown, selector: unknown): boolean => {
    if (isRecord(selector) && (selector.kind === undefined || selector.kind === target.kind) && (selector.name === undefined || selector.name === target.name)) return true;
    const text = typeof inline === 'string' ? inline : typeof patchFile === 'string' ? tree.read(path.posix.normalize(path.posix.join(dir, patchFile))) : undefined;
    if (text === undefined) return false;
    return parseYaml(text).documents.some((d) => isRecord(d.value) && d.value.kind === target.kind && isRecord(d.value.metadata) && d.value.metadata.name === target.name);
  };
  let dropped = false;
  for (const key of ['patches', 'patchesStrategicMerge', 'patchesJson6902']) {
    if (!Array.isArray(doc[key])) continue;
    doc[key] = (doc[key] as unknown[]).filter((entry) => {
      const hit = isRecord(entry) ? targets(entry.path, entry.patch, entry.target) : typeof entry === 'string' ? targets(entry.includes('\n') ? undefined : entry, entry.includes('\n') ? entry : undefined, undefined) : false;
      if (hit) dropped = true;
      return !hit;
    });
  }
  return dropped;
}
