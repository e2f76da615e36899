import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RenderSettings } from '../config/types.js';
import type { LoadProblem } from '../load/problems.js';
import { parseYaml } from '../load/yaml.js';
import type { Resource, SourceRange } from '../model/types.js';
import { resolveReference, type Kustomization } from './kustomization.js';
import { loadPatches } from './patches.js';
import { planRendering, type BuildRoot, type Chart, type RenderPlan, type TreeReader } from './plan.js';
import { RENDER_FAILED, RENDER_SKIPPED, renderProblem } from './problems.js';
import { relativeTo, resourcesFromRendered } from './source-map.js';
import { renderWithoutRemote } from './sandbox.js';
import { findOnPath, runTool, type ToolOutcome } from './tools.js';
import { appendAll } from '../model/arrays.js';

export { planRendering, type TreeReader } from './plan.js';
export { resourcesFromRendered } from './source-map.js';

/** One rendered build root or chart: its own inventory, named in its findings. */
export interface RenderedScope {
  /** The build root's or chart's directory, repository-relative. */
  name: string;
  kind: 'overlay' | 'chart';
  resources: Resource[];
}

export interface RenderInput {
  /** Files selected for checking (repository-relative). */
  files: readonly string[];
  resources: readonly Resource[];
  problems: readonly LoadProblem[];
  tree: TreeReader;
  /** The repository on disk, for the tools to read; a git revision is written to a temporary directory first. */
  disk: { root: string } | { materialize: () => Promise<{ root: string; remove: () => Promise<void> }> };
  settings: RenderSettings;
  defaultNamespace: string;
}

export interface RenderedWorkspace {
  /** Resources checked as written: everything that is not part of a rendered build. */
  resources: Resource[];
  problems: LoadProblem[];
  scopes: RenderedScope[];
}

/** Problems that stay meaningful for a file even when the file is rendered rather than checked on its own. */
const KEPT_FOR_BUILD_FILES = new Set(['yaml-syntax', 'input-unreadable']);

/**
 * The rendering stage: Kustomize build roots and Helm charts among the selected files are rendered, each
 * into its own scope; files that only serve a build (bases, patches, kustomizations, templates) are not
 * checked on their own. Without the tools, files are checked as written and patches are left out.
 */
export async function renderWorkspace(input: RenderInput): Promise<RenderedWorkspace> {
  const plan = planRendering(input.files, input.tree, input.settings);
  if (plan.kustomizations.size === 0 && plan.charts.length === 0) {
    return { resources: [...input.resources], problems: [...input.problems], scopes: [] };
  }
  const problems: LoadProblem[] = [];
  const scopes: RenderedScope[] = [];
  const rendered = new Set<string>();

  const kustomize = input.settings.kustomize.enabled ? kustomizeCommand(input.settings) : undefined;
  const helm = input.settings.helm.enabled ? helmCommand(input.settings) : undefined;
  const renderable = plan.roots;
  if (renderable.length > 0 && input.settings.kustomize.enabled && !kustomize) {
    const first = renderable[0]!;
    problems.push(renderProblem(RENDER_SKIPPED, 'noKustomize', `no kustomize found (${input.settings.kustomize.command?.join(' ') ?? 'kustomize or kubectl'} on PATH): ${renderable.length} build root(s) not rendered; their files are checked as written and patch files are skipped`, first.kustomization.file, WHOLE));
  }
  const charts = plan.charts;
  if (charts.length > 0 && input.settings.helm.enabled && !helm) {
    for (const chart of charts) problems.push(renderProblem(RENDER_SKIPPED, 'noHelm', `chart ${chart.dir} is not rendered: no helm on PATH (${input.settings.helm.command?.join(' ') ?? 'helm'}); its templates are not checked`, chart.file, WHOLE));
  }

  const willRun = (kustomize && renderable.length > 0) || (helm && charts.length > 0);
  if (willRun) {
    const disk = 'root' in input.disk ? { root: input.disk.root, remove: async () => {} } : await input.disk.materialize();
    try {
      const jobs: (() => Promise<void>)[] = [];
      if (kustomize) {
        for (const root of renderable) {
          jobs.push(async () => {
            const outcome = await renderKustomization(root, kustomize, disk.root, input);
            appendAll(problems, outcome.problems);
            if (outcome.scope) {
              scopes.push(outcome.scope);
              for (const file of root.files) rendered.add(file);
            }
          });
        }
      }
      if (helm) {
        for (const chart of charts) {
          jobs.push(async () => {
            const outcome = await renderChart(chart, helm, disk.root, input);
            appendAll(problems, outcome.problems);
            if (outcome.scope) scopes.push(outcome.scope);
          });
        }
      }
      await runLimited(jobs, 4);
    } finally {
      await disk.remove();
    }
  }
  scopes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const root of plan.roots) {
    for (const kustomization of root.closure) {
      for (const reference of kustomization.references) {
        if (!reference.remote) continue;
        const how = kustomize ? 'builds that use it are rendered without it: what it would add is not checked' : 'not rendered';
        problems.push(renderProblem(RENDER_SKIPPED, 'remoteBase', `${reference.target} is remote and meshguard fetches nothing: ${how}`, kustomization.file, locateIn(input.tree, kustomization.file, reference.at)));
      }
    }
  }

  const unused = new Set([...plan.unreferenced.values()].flat());
  for (const [file, files] of plan.unreferenced) {
    const names = files.map((f) => path.posix.relative(path.posix.dirname(file), f));
    const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
    problems.push(renderProblem(RENDER_SKIPPED, 'unreferenced', `${files.length} file(s) below this kustomization are used by no kustomization, so kustomize never applies them; not checked: ${listed}`, file, WHOLE));
  }
  const standalone = (file: string): boolean => !plan.buildFiles.has(file) && !plan.patches.has(file) && !rendered.has(file) && !unused.has(file);
  const chartFile = (file: string): boolean => charts.some((c) => c.dir === '.' || file.startsWith(`${c.dir}/`));
  return {
    resources: input.resources.filter((r) => standalone(r.source.file)),
    problems: [
      ...input.problems.filter((p) => (standalone(p.file) || KEPT_FOR_BUILD_FILES.has(p.ruleId)) && !(p.ruleId === 'helm-template' && chartFile(p.file))),
      ...distinct(problems),
    ],
    scopes,
  };
}

const WHOLE: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };

/** `kustomize build`, else `kubectl kustomize`, found on PATH, unless the configuration names a command. */
function kustomizeCommand(settings: RenderSettings): string[] | undefined {
  if (settings.kustomize.command) return findOnPath(settings.kustomize.command[0]!) ? settings.kustomize.command : undefined;
  if (findOnPath('kustomize')) return ['kustomize', 'build'];
  if (findOnPath('kubectl')) return ['kubectl', 'kustomize'];
  return undefined;
}

function helmCommand(settings: RenderSettings): string[] | undefined {
  const command = settings.helm.command ?? ['helm'];
  return findOnPath(command[0]!) ? command : undefined;
}

/**
 * Build one root. A root that uses remote bases is built in a sandbox without them (nothing is fetched);
 * what that left out is reported at the root.
 */
async function renderKustomization(root: BuildRoot, command: string[], diskRoot: string, input: RenderInput): Promise<{ scope?: RenderedScope; problems: LoadProblem[] }> {
  let origins: ((written: string) => string) | undefined;
  const build = async (buildRoot: string): Promise<ToolOutcome> => {
    const result = await kustomizeBuild(root.dir, command, buildRoot, input.settings.timeoutMs);
    origins = result.resolveOrigin;
    return result.outcome;
  };
  const problems: LoadProblem[] = [];
  let outcome: ToolOutcome;
  let buildRoot = diskRoot;
  let cleanup = async (): Promise<void> => {};
  if (root.remote) {
    const degraded = await renderWithoutRemote(root, input.tree, build);
    ({ outcome } = degraded);
    buildRoot = degraded.diskRoot;
    cleanup = degraded.remove;
    if (degraded.degradation.patches.length > 0) {
      problems.push(renderProblem(RENDER_SKIPPED, 'patchesOfRemote', `${root.dir} was rendered without its remote bases; ${degraded.degradation.patches.length} patch(es) of objects only they provide were left out (${degraded.degradation.patches.join('; ')})`, root.kustomization.file, WHOLE));
    }
  } else {
    outcome = await build(diskRoot);
  }
  try {
    if (!outcome.ok) return { problems: [...problems, failure(root, outcome.message, outcome.reason, buildRoot, input.tree)] };
    const stream = {
      name: root.kustomization.file,
      text: outcome.stdout,
      resolveOrigin: origins!,
      build: { closure: root.closure, patches: loadPatches(root.closure, input.tree) },
    };
    const { resources } = resourcesFromRendered(stream, input.tree, input.defaultNamespace, root.dir);
    return { scope: { name: root.dir, kind: 'overlay', resources }, problems };
  } finally {
    await cleanup();
  }
}

/**
 * `kustomize build` through a wrapper kustomization in a temporary directory that asks for origin
 * annotations: the user's files are never modified, and the build itself is the user's own.
 */
async function kustomizeBuild(dir: string, command: string[], diskRoot: string, timeoutMs: number): Promise<{ outcome: ToolOutcome; resolveOrigin: (written: string) => string }> {
  const wrapper = await mkdtemp(path.join(os.tmpdir(), 'meshguard-kustomize-'));
  try {
    const target = path.relative(wrapper, path.resolve(diskRoot, dir)).split(path.sep).join('/');
    await writeFile(path.join(wrapper, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${JSON.stringify(target)}\nbuildMetadata: [originAnnotations]\n`);
    const outcome = await runTool(command, [wrapper], { cwd: wrapper, timeoutMs });
    return {
      outcome: outcome.ok ? outcome : { ...outcome, message: outcome.message.split(wrapper).join('<meshguard>') },
      resolveOrigin: (written) => relativeTo(diskRoot, wrapper, written),
    };
  } finally {
    await rm(wrapper, { recursive: true, force: true });
  }
}

function distinct(problems: readonly LoadProblem[]): LoadProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.ruleId}\u0000${p.file}\u0000${p.range.line}\u0000${p.range.column}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A failure is reported where the user can act: at the entry of a kustomization whose target the message
 * names (a missing base or patch), else at the root's kustomization.
 */
function failure(root: BuildRoot, message: string, reason: string, diskRoot: string, tree: TreeReader): LoadProblem {
  const readable = message.split(`${diskRoot}/`).join('');
  for (const kustomization of [...root.closure].reverse()) {
    for (const reference of kustomization.references) {
      const resolved = resolveReference(kustomization, reference);
      if (readable.includes(resolved) || readable.includes(`'${reference.target}'`) || readable.includes(`"${reference.target}"`)) {
        return renderProblem(RENDER_FAILED, reason === 'timeout' ? 'timeout' : 'kustomizeFailed', `kustomize build ${root.dir} failed: ${readable}`, kustomization.file, locateIn(tree, kustomization.file, reference.at));
      }
    }
  }
  const messageId = reason === 'timeout' ? 'timeout' : 'kustomizeFailed';
  return renderProblem(RENDER_FAILED, messageId, reason === 'timeout' ? readable : `kustomize build ${root.dir} failed: ${readable}`, root.kustomization.file, WHOLE);
}

async function renderChart(chart: Chart, command: string[], diskRoot: string, input: RenderInput): Promise<{ scope?: RenderedScope; problems: LoadProblem[] }> {
  const values = (input.settings.helm.valueFiles[chart.dir] ?? []).flatMap((file) => ['-f', path.resolve(diskRoot, file)]);
  const outcome = await runTool(command, ['template', input.settings.helm.releaseName, path.resolve(diskRoot, chart.dir), ...values], { cwd: diskRoot, timeoutMs: input.settings.timeoutMs });
  if (!outcome.ok) {
    const message = outcome.message.split(`${diskRoot}/`).join('');
    return { problems: [renderProblem(RENDER_FAILED, outcome.reason === 'timeout' ? 'timeout' : 'helmFailed', `helm template ${chart.dir} failed: ${message}`, chart.file, WHOLE)] };
  }
  // `# Source: <chart name>/templates/x.yaml`: the first segment is the chart's name, not its directory.
  const resolveOrigin = (written: string): string => path.posix.join(chart.dir, written.split('/').slice(1).join('/'));
  const { resources } = resourcesFromRendered({ name: chart.file, text: outcome.stdout, resolveOrigin }, input.tree, input.defaultNamespace, chart.dir);
  return { scope: { name: chart.dir, kind: 'chart', resources }, problems: [] };
}

function locateIn(tree: TreeReader, file: string, at: readonly (string | number)[]): SourceRange {
  const text = tree.read(file);
  const doc = text === undefined ? undefined : parseYaml(text).documents[0];
  return doc ? doc.locate(at) : WHOLE;
}

async function runLimited(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

/** A reader over the working tree below `root`. */
export function diskTree(root: string): TreeReader {
  const abs = (file: string): string => path.join(root, file);
  return {
    read: (file) => {
      try {
        return readFileSync(abs(file), 'utf8');
      } catch {
        return undefined;
      }
    },
    isFile: (file) => statSync(abs(file), { throwIfNoEntry: false })?.isFile() ?? false,
    isDirectory: (dir) => statSync(abs(dir), { throwIfNoEntry: false })?.isDirectory() ?? false,
    filesUnder: (dir) => listFiles(abs(dir)).map((f) => path.relative(root, f).split(path.sep).join('/')),
  };
}

/** A reader over a git revision's texts. */
export function textTree(texts: ReadonlyMap<string, string>): TreeReader {
  const directories = new Set<string>(['.']);
  for (const file of texts.keys()) {
    for (let dir = path.posix.dirname(file); dir !== '.' && !directories.has(dir); dir = path.posix.dirname(dir)) directories.add(dir);
  }
  return {
    read: (file) => texts.get(file),
    isFile: (file) => texts.has(file),
    isDirectory: (dir) => directories.has(dir),
    filesUnder: (dir) => [...texts.keys()].filter((f) => dir === '.' || f.startsWith(`${dir}/`)),
  };
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Write a revision's texts below a temporary directory, for the tools to read. */
export async function materializeTexts(texts: ReadonlyMap<string, string>): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'meshguard-revision-'));
  for (const [file, text] of texts) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

export type { Kustomization, RenderPlan };
