import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { GLOBAL_KEYWORDS, isHidden, isPlainObject, recordPipelineFacts } from '../../model/gitlab/pipeline.js';
import type { JsonPath, Resource, Severity, SourceRange } from '../../model/types.js';
import type { LoadProblem } from '../problems.js';
import { readTextFile } from '../read.js';
import { parseCiFile, type CiFile } from './file.js';
import { localTarget } from './include.js';
import { locateInOrigin, mergeInto, originOf } from './merge.js';

/** GitLab's default limit on included files per pipeline (docs: ci/yaml/includes). */
export const MAX_INCLUDES = 150;

export interface GitlabLoadInput {
  /** CI files to lint (by name or `gitlabCi` globs), with their text. */
  pipelines: readonly { path: string; text: string }[];
  /** Every text already read this run: an included file that was also discovered is not read twice. */
  known: ReadonlyMap<string, string>;
  /** Repository root: local includes are read below it and nowhere else. */
  root: string | undefined;
  maxFileBytes: number;
}

export interface GitlabLoadResult {
  resources: Resource[];
  problems: LoadProblem[];
  /**
   * Files merged into another pipeline. They are linted as part of that pipeline, at their own
   * positions, and not again on their own (neither as a pipeline nor as Kubernetes manifests).
   */
  consumed: Set<string>;
  /** Child pipelines (`trigger: include:` of a repository file) found and linted as pipelines of their own. */
  children: Set<string>;
}

interface Tree {
  root: CiFile;
  /** Merge order: nested includes first, the including file after them, the main file last. */
  order: CiFile[];
  opaque: string[];
}

/**
 * Build one merged pipeline per root CI file: read its `include: local` files (recursively, inside the
 * repository), merge them as GitLab does, and keep where every key was written.
 */
export async function loadGitlabPipelines(input: GitlabLoadInput): Promise<GitlabLoadResult> {
  const problems = new ProblemSink();
  const files = new Map<string, Promise<CiFile | undefined>>();
  const load = (file: string): Promise<CiFile | undefined> => {
    let pending = files.get(file);
    if (!pending) {
      pending = readCiFile(file, input, problems);
      files.set(file, pending);
    }
    return pending;
  };
  for (const source of input.pipelines) files.set(source.path, Promise.resolve(parseCiFile(source.path, source.text)));

  const trees: Tree[] = [];
  for (const source of [...input.pipelines].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const root = await load(source.path);
    if (root) trees.push(await buildTree(root, load, input, problems));
  }
  // A child pipeline (`trigger: include:` a file of the repository) is a pipeline of its own, validated by
  // GitLab when the trigger job runs: linted as one, not read as Kubernetes YAML (its `!reference` tags
  // are GitLab's). Its children are found in turn.
  const children = new Set<string>();
  for (let i = 0; i < trees.length; i++) {
    for (const child of await childPipelineFiles(trees[i]!, input)) {
      if (trees.some((tree) => tree.root.path === child) || children.has(child)) continue;
      const root = await load(child);
      if (!root) continue;
      children.add(child);
      trees.push(await buildTree(root, load, input, problems));
    }
  }

  // A file another pipeline includes is linted inside that pipeline only. When files include each
  // other in a circle, none is "only included": the first of them stays a root.
  const consumed = new Set<string>();
  for (const tree of trees) for (const file of tree.order) if (file !== tree.root) consumed.add(file.path);
  const roots = trees.filter((t) => !consumed.has(t.root.path));
  for (const tree of trees) {
    if (consumed.has(tree.root.path) && !roots.some((r) => r.order.includes(tree.root))) {
      roots.push(tree);
      consumed.delete(tree.root.path);
    }
  }

  const resources: Resource[] = [];
  for (const tree of roots) {
    problems.flush(tree.order.flatMap((f) => f.problems));
    problems.flushTree(tree);
    const { resource, duplicates } = mergedResource(tree);
    problems.flush(duplicates);
    if (resource) resources.push(resource);
  }
  for (const tree of trees) problems.flush(tree.root.problems);
  return { resources, problems: problems.all(), consumed, children };
}

/**
 * The repository files a tree's trigger jobs start as child pipelines (`trigger: include: path`, or a list
 * of paths and `local:` entries), when they exist; other forms (artifacts, projects, templates) are not here.
 */
async function childPipelineFiles(tree: Tree, input: GitlabLoadInput): Promise<string[]> {
  const prefix = await repositoryPrefix(tree.root.path, input.root);
  const files: string[] = [];
  for (const file of tree.order) {
    for (const [name, job] of Object.entries(file.pipeline?.value ?? {})) {
      if (GLOBAL_KEYWORDS.has(name) || !isPlainObject(job) || !isPlainObject(job.trigger)) continue;
      const include = job.trigger.include;
      for (const entry of Array.isArray(include) ? include : [include]) {
        const written = typeof entry === 'string' ? entry : isPlainObject(entry) && typeof entry.local === 'string' ? entry.local : undefined;
        const target = written === undefined ? undefined : localTarget(written);
        if (!target?.ok || !('file' in target)) continue;
        const file = prefix ? path.posix.join(prefix, target.file) : target.file;
        if (!(await missingReason(file, input, prefix))) files.push(file);
      }
    }
  }
  return files;
}

async function buildTree(
  root: CiFile,
  load: (file: string) => Promise<CiFile | undefined>,
  input: GitlabLoadInput,
  problems: ProblemSink,
): Promise<Tree> {
  const order: CiFile[] = [];
  const opaque: string[] = [];
  const seen = new Set<string>();
  const treeProblems: LoadProblem[] = [];
  const report = (file: CiFile, at: JsonPath, severity: Severity, messageId: string, message: string): void => {
    const range = file.pipeline?.locate(at) ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
    treeProblems.push({ ruleId: 'gitlab-include', messageId, severity, message, file: file.path, range });
  };

  // GitLab resolves `local:` against the root of the CI file's own repository, never against the directory
  // meshguard was started in: `meshguard check repo/` from a parent directory reads repo/<include>.
  const prefix = await repositoryPrefix(root.path, input.root);
  const visit = async (file: CiFile, chain: string[]): Promise<void> => {
    seen.add(file.path);
    for (const entry of file.includes) {
      if (entry.kind === 'invalid') continue; // the schema reports its shape
      if (entry.kind !== 'local') {
        opaque.push(entry.ref);
        report(file, entry.path, 'info', 'opaque', `${entry.kind} include '${entry.ref}' is not fetched: its jobs are not checked here`);
        continue;
      }
      const written = localTarget(entry.file);
      if (!written.ok) {
        report(file, entry.path, written.messageId === 'unexpandable' ? 'info' : 'error', written.messageId, written.message);
        continue;
      }
      const target = written;
      const relativeTargets = 'glob' in target ? await expandLocalGlob(target.glob, target.under, input, prefix) : [target.file];
      if ('glob' in target && relativeTargets.length === 0) {
        report(file, entry.path, 'error', 'localMissing', `local include '${entry.file}' matches no .yml/.yaml file in the repository`);
        continue;
      }
      const targets = relativeTargets.map((f) => (prefix ? path.posix.join(prefix, f) : f));
      for (const targetFile of targets) await includeOne(file, entry, targetFile, chain);
    }
    order.push(file);
  };
  const includeOne = async (file: CiFile, entry: { file: string; path: JsonPath }, target: string, chain: string[]): Promise<void> => {
    if (chain.includes(target)) {
      report(file, entry.path, 'error', 'cycle', `local include '${entry.file}' is circular: ${[...chain, target].join(' -> ')}`);
      return;
    }
    // GitLab merges a file included twice only once (the first time it is met).
    if (seen.has(target)) return;
    if (seen.size >= MAX_INCLUDES) {
      report(file, entry.path, 'error', 'tooMany', `more than ${MAX_INCLUDES} files are included: GitLab stops at ${MAX_INCLUDES}`);
      return;
    }
    const missing = await missingReason(target, input, prefix);
    if (missing) {
      report(file, entry.path, 'error', missing.messageId, missing.message(entry.file));
      return;
    }
    const included = await load(target);
    if (!included) return; // unreadable: reported by input-unreadable
    await visit(included, [...chain, target]);
  };
  await visit(root, [root.path]);
  problems.stage(root.path, treeProblems);
  return { root, order, opaque };
}

/** Repository files (sorted) matching a wildcard local include, below its static prefix. */
async function expandLocalGlob(glob: RegExp, under: string, input: GitlabLoadInput, prefix: string): Promise<string[]> {
  const matches = new Set<string>();
  const inRepository = (file: string): string | undefined => (!prefix ? file : file.startsWith(`${prefix}/`) ? file.slice(prefix.length + 1) : undefined);
  for (const known of input.known.keys()) {
    const file = inRepository(known);
    if (file !== undefined && glob.test(file)) matches.add(file);
  }
  if (input.root) {
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > 20) return;
      const entries = await readdir(path.join(input.root!, prefix, dir), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.name === '.git' || entry.name === 'node_modules') continue;
        const relative = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(relative, depth + 1);
        else if (entry.isFile() && glob.test(relative)) matches.add(relative);
      }
    };
    await walk(under, 0);
  }
  return [...matches].filter((f) => /\.ya?ml$/.test(f)).sort();
}

/**
 * The repository-relative directory of the repository holding a CI file: the nearest directory from the
 * file up to the run's root that has a `.git` (a clone or a worktree); '' when that is the root itself.
 */
async function repositoryPrefix(file: string, root: string | undefined): Promise<string> {
  if (!root) return '';
  let dir = path.posix.dirname(file);
  while (dir !== '.' && dir !== '/' && dir !== '') {
    if (await stat(path.join(root, dir, '.git')).then(() => true, () => false)) return dir;
    dir = path.posix.dirname(dir);
  }
  return '';
}

/** Why an included file cannot be read from the repository, or nothing when it can. */
async function missingReason(
  file: string,
  input: GitlabLoadInput,
  prefix: string,
): Promise<{ messageId: string; message: (written: string) => string } | undefined> {
  if (!input.root) {
    if (input.known.has(file)) return undefined;
    return { messageId: 'localMissing', message: (w) => `local include '${w}' cannot be read: no repository root is known` };
  }
  const absolute = path.join(input.root, file);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) return { messageId: 'localMissing', message: (w) => `local include '${w}' does not exist in the repository (looked for ${file})` };
  // A symlink inside the repository may still lead out of it: GitLab reads the Git tree, not the disk.
  const [real, realRoot] = await Promise.all([realpath(absolute), realpath(path.join(input.root, prefix))]);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    return { messageId: 'escapesRepository', message: (w) => `local include '${w}' is a link to a file outside the repository; not read` };
  }
  return undefined;
}

async function readCiFile(file: string, input: GitlabLoadInput, problems: ProblemSink): Promise<CiFile | undefined> {
  const known = input.known.get(file);
  if (known !== undefined) return parseCiFile(file, known);
  if (!input.root) return undefined;
  const outcome = await readTextFile(path.join(input.root, file), file, input.maxFileBytes);
  if (!outcome.ok) {
    problems.flush([outcome.problem]);
    return undefined;
  }
  return parseCiFile(file, outcome.text);
}

/**
 * One CI text on its own, includes not followed: for texts that do not come from the working tree
 * (a baseline read from Git). Pure and synchronous, like `parseSourceText`.
 */
export function pipelineFromText(source: { path: string; text: string }): { resources: Resource[]; problems: LoadProblem[] } {
  const file = parseCiFile(source.path, source.text);
  const { resource } = mergedResource({ root: file, order: [file], opaque: [] });
  return { resources: resource ? [resource] : [], problems: file.problems };
}

function mergedResource(tree: Tree): { resource?: Resource; duplicates: LoadProblem[] } {
  const main = tree.root;
  if (!main.pipeline) return { duplicates: [] };
  const rootOrigin = originOf(main.path, main.pipeline.locate);
  const merged: Record<string, unknown> = {};
  const duplicates: LoadProblem[] = [];
  const anchoredKeys = new Set<string>();
  for (const file of tree.order) {
    for (const key of file.anchoredKeys) anchoredKeys.add(key);
    if (!file.pipeline) continue;
    // Each file's `include:` was followed above; only the main file's stays in the model.
    const { include: _followed, ...rest } = file.pipeline.value;
    const own = file === main ? file.pipeline.value : rest;
    const doc = file.pipeline;
    mergeInto(merged, rootOrigin, own, originOf(file.path, doc.locate), (key) => {
      const previous = rootOrigin.children.get(key)?.file;
      if (GLOBAL_KEYWORDS.has(key) || isHidden(key) || previous === undefined || previous === file.path) return;
      duplicates.push({
        ruleId: 'gitlab-duplicate-job',
        messageId: 'definedTwice',
        severity: 'warning',
        message: `job '${key}' is also defined in ${previous}: GitLab deep-merges the two definitions and ${file.path}'s keys win`,
        file: file.path,
        range: doc.locate([key]),
      });
    });
  }
  if (main.header && typeof main.header.value === 'object' && main.header.value !== null) {
    merged.spec = (main.header.value as Record<string, unknown>).spec;
    rootOrigin.children.set('spec', originOf(main.path, main.header.locate, ['spec']));
  }
  recordPipelineFacts(merged, { anchoredKeys, opaqueIncludes: tree.opaque, files: tree.order.map((f) => f.path) });
  const locate = (at: JsonPath): SourceRange => {
    const { file, ...range } = locateInOrigin(rootOrigin, at);
    return file === main.path ? range : { ...range, file };
  };
  const resource: Resource = {
    id: `${main.path}#${main.pipeline.index}`,
    family: 'gitlab-ci',
    apiVersion: 'gitlab.com/ci',
    kind: 'Pipeline',
    name: main.path,
    object: merged,
    labels: {},
    annotations: {},
    source: { file: main.path, documentIndex: main.pipeline.index, basePath: [], locate },
  };
  return { resource, duplicates };
}

/** Collects problems once each, whichever pipelines share the file they are about. */
class ProblemSink {
  private readonly out: LoadProblem[] = [];
  private readonly keys = new Set<string>();
  private readonly staged = new Map<string, LoadProblem[]>();

  flush(problems: readonly LoadProblem[]): void {
    for (const p of problems) {
      const key = `${p.ruleId}|${p.messageId}|${p.file}|${p.range.line}|${p.range.column}|${p.message}`;
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.out.push(p);
    }
  }

  /** Include problems of a tree are kept until it is known to be a root (else its root reports them). */
  stage(root: string, problems: LoadProblem[]): void {
    this.staged.set(root, problems);
  }

  flushTree(tree: Tree): void {
    this.flush(this.staged.get(tree.root.path) ?? []);
  }

  all(): LoadProblem[] {
    return this.out;
  }
}
