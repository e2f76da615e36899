import path from 'node:path';
import { DEFAULT_CONFIG, type MeshguardConfig } from '../config/types.js';
import type { DocumentFamily, Resource } from '../model/types.js';
import { compileGlobs, discoverInputs, selectsPath, type DiscoveredFile } from './discover.js';
import { readTreeAtRevision } from './git.js';
import { loadGitlabPipelines, pipelineFromText } from './gitlab/pipelines.js';
import { WHOLE_FILE, type LoadProblem } from './problems.js';
import { decodeText, readTextFileSync, type ReadOutcome } from './read.js';
import { extractResources } from './resources.js';
import { parseYamlFast } from './fast-yaml.js';
import { countDocumentStarts, type Preparsed } from './preparse.js';
import { ParseCache } from './parse-cache.js';
import { ParseThreads } from './parse-threads.js';
import type { YamlProblem } from './yaml.js';
import { appendAll } from '../model/arrays.js';

export interface LoadedWorkspace {
  files: string[];
  /** Content hash per file read, when a cache is in use (rule results are keyed by it). */
  fileHashes?: Map<string, string>;
  resources: Resource[];
  problems: LoadProblem[];
}

export interface SourceText {
  /** Repository-relative POSIX path. */
  path: string;
  text: string;
}

type LoadSettings = Pick<MeshguardConfig, 'include' | 'exclude' | 'gitlabCi' | 'defaultNamespace' | 'reportNonKubernetes' | 'maxFileBytes'> & Partial<Pick<MeshguardConfig, 'maxObjectsPerFile'>>;

/** Discover, read and parse everything the command line names. */
export async function loadWorkspace(inputs: readonly string[], root: string, config: LoadSettings, cache?: ParseCache): Promise<LoadedWorkspace> {
  const discovery = await discoverInputs(inputs, { root, include: config.include, exclude: config.exclude });
  return loadDiscovered(discovery.files, config, cache, discovery.problems);
}

/** The files' texts, read in blocking calls (read.ts says why), in the order found. */
function readAll(files: readonly DiscoveredFile[], config: LoadSettings): ReadOutcome[] {
  return files.map((f) => readTextFileSync(f.absPath, f.path, config.maxFileBytes));
}

/** What the command line names, found and read but not parsed: a `--cache` run looks at the texts before parsing any. */
export interface ReadWorkspace {
  discovered: DiscoveredFile[];
  refused: LoadProblem[];
  texts: ReadOutcome[];
}

export async function readWorkspace(inputs: readonly string[], root: string, config: LoadSettings): Promise<ReadWorkspace> {
  const discovery = await discoverInputs(inputs, { root, include: config.include, exclude: config.exclude });
  const texts = readAll(discovery.files, config);
  return { discovered: discovery.files, refused: discovery.problems, texts };
}

/** @param read the texts of `discovered`, when already read (`readWorkspace`). */
export async function loadDiscovered(discovered: readonly DiscoveredFile[], config: LoadSettings, cache?: ParseCache, refused: readonly LoadProblem[] = [], read?: readonly ReadOutcome[]): Promise<LoadedWorkspace> {
  const problems: LoadProblem[] = [...refused];
  // With a parse cache most files are not parsed at all: threads are for cold runs.
  const threads = cache ? undefined : ParseThreads.start(discovered.reduce((n, f) => n + (f.size ?? 0), 0));
  const texts = read ?? readAll(discovered, config);
  const sources: SourceText[] = [];
  texts.forEach((outcome, i) => {
    if (outcome.ok) sources.push({ path: discovered[i]!.path, text: outcome.text });
    else problems.push(outcome.problem);
  });
  let preparsed: Map<string, Preparsed> | undefined;
  if (threads) {
    try {
      const parses = await threads.preparse(
        sources.map((s) => (familyOf(s.path, config.gitlabCi) === 'kubernetes' ? s.text : undefined)),
        config.maxObjectsPerFile ?? DEFAULT_CONFIG.maxObjectsPerFile,
      );
      preparsed = new Map();
      parses.forEach((parse, i) => parse && preparsed!.set(sources[i]!.path, parse));
    } finally {
      await threads.close();
    }
  }
  const loaded = await loadSources(sources, new Map(sources.map((s) => [s.path, s.text])), repositoryRoot(discovered), config, cache, preparsed);
  return {
    files: discovered.map((f) => f.path),
    resources: loaded.resources,
    problems: [...problems, ...loaded.problems],
    ...(cache ? { fileHashes: new Map(sources.map((s) => [s.path, cache.hashOf(s.text)])) } : {}),
  };
}

/** The same inputs as `loadWorkspace`, read from a git revision instead of the working tree. */
export async function loadRevision(inputs: readonly string[], root: string, ref: string, config: LoadSettings): Promise<LoadedWorkspace & { commit: string; texts: ReadonlyMap<string, string> }> {
  const { commit, files } = await readTreeAtRevision(root, ref);
  const problems: LoadProblem[] = [];
  const texts = new Map<string, string>();
  for (const file of files) {
    if (file.bytes.length > config.maxFileBytes) continue;
    const outcome = decodeText(file.bytes, (messageId, message) => ({
      ok: false,
      problem: { ruleId: 'input-unreadable', messageId, severity: 'error', message, file: file.path, range: WHOLE_FILE },
    }));
    if (outcome.ok) texts.set(file.path, outcome.text);
    else if (selectsPath(file.path, inputs, config)) problems.push(outcome.problem);
  }
  const selected = [...texts.keys()].filter((p) => selectsPath(p, inputs, config)).sort();
  // Local CI includes resolve against the revision's own files, never the working tree.
  const loaded = await loadSources(selected.map((p) => ({ path: p, text: texts.get(p)! })), texts, undefined, config);
  // Every text of the revision, not only the selected ones: rendering reads bases and generator inputs too.
  return { commit, files: selected, resources: loaded.resources, problems: [...problems, ...loaded.problems], texts };
}

/**
 * Parse the selected texts. GitLab CI files go first: their local includes (looked up in `known`,
 * then below `root` when there is one) are merged into them and not linted again on their own.
 */
async function loadSources(
  sources: readonly SourceText[],
  known: ReadonlyMap<string, string>,
  root: string | undefined,
  config: LoadSettings,
  cache?: ParseCache,
  preparsed?: ReadonlyMap<string, Preparsed>,
): Promise<{ resources: Resource[]; problems: LoadProblem[] }> {
  const resources: Resource[] = [];
  const problems: LoadProblem[] = [];
  const gitlab = await loadGitlabPipelines({
    pipelines: sources.filter((s) => familyOf(s.path, config.gitlabCi) === 'gitlab-ci'),
    known,
    root,
    maxFileBytes: config.maxFileBytes,
  });
  appendAll(resources, gitlab.resources);
  appendAll(problems, gitlab.problems);
  for (const source of sources) {
    if (familyOf(source.path, config.gitlabCi) === 'gitlab-ci' || gitlab.consumed.has(source.path) || gitlab.children.has(source.path)) continue;
    const parsed = parseSourceText(source, config, cache, preparsed?.get(source.path));
    appendAll(resources, parsed.resources);
    appendAll(problems, parsed.problems);
  }
  return { resources, problems };
}

/** The root discovery resolved paths against (`absPath` = root + `path`). */
function repositoryRoot(discovered: readonly DiscoveredFile[]): string | undefined {
  const first = discovered.find((f) => f.absPath.replace(/\\/g, '/').endsWith(`/${f.path}`));
  return first ? first.absPath.slice(0, first.absPath.length - first.path.length - 1) : undefined;
}

/** Parse one file's text. Pure: the baseline mode feeds it texts read from git. */
export function parseSourceText(source: SourceText, config: LoadSettings, cache?: ParseCache, pre?: Preparsed): { resources: Resource[]; problems: LoadProblem[] } {
  const family = familyOf(source.path, config.gitlabCi);
  // A CI file on its own (its includes are only followed by loadDiscovered).
  if (family === 'gitlab-ci') return pipelineFromText(source);
  const problems: LoadProblem[] = [];
  const maxObjects = config.maxObjectsPerFile ?? DEFAULT_CONFIG.maxObjectsPerFile;
  // Counted on the text before parsing: a document marker at column 0 always starts a document.
  const documentCount = countDocumentStarts(source.text);
  if (documentCount > maxObjects) return { resources: [], problems: [tooManyObjects(source.path, `${documentCount} documents`, maxObjects)] };
  const { documents, problems: yamlProblems } = parseYamlFast(source.text, cache, pre);

  const template = findTemplateAction(source.text);
  if (template && (yamlProblems.some((p) => p.severity === 'error') || isChartTemplate(source.path))) {
    problems.push({
      ruleId: 'helm-template',
      messageId: 'unrendered',
      severity: 'warning',
      message: 'this is a Go/Helm template ({{ ... }}), not a manifest: render it first (helm template / kustomize build) and lint the output',
      file: source.path,
      range: { line: template.line, column: template.column, endLine: template.line, endColumn: template.column + 2 },
    });
    return { resources: [], problems };
  }

  // `**/*.json` is included by default, and most JSON in a repository is not a manifest: editor settings
  // with comments, JSON Lines data, package files. JSON that names no apiVersion and kind anywhere is
  // not Kubernetes, so it failing to parse as one YAML stream is no finding (like any non-manifest).
  if (isJsonFile(source.path) && yamlProblems.some((p) => p.severity === 'error') && !namesApiVersionAndKind(source.text)) {
    if (config.reportNonKubernetes) {
      const first = yamlProblems.find((p) => p.severity === 'error')!;
      problems.push({
        ruleId: 'not-kubernetes',
        messageId: 'notAManifest',
        severity: 'info',
        message: 'JSON without apiVersion/kind that is not one JSON document (JSON Lines, comments): not a Kubernetes object, ignored',
        file: source.path,
        range: first.range,
      });
    }
    return { resources: [], problems };
  }
  for (const problem of yamlProblems) problems.push(yamlFinding(problem, source.path));
  const { resources, nonKubernetes } = extractResources(documents, { file: source.path, defaultNamespace: config.defaultNamespace });
  // Items of List objects count too: one document can hold as many objects as many documents.
  if (resources.length > maxObjects) return { resources: [], problems: [...problems, tooManyObjects(source.path, `${resources.length} objects`, maxObjects)] };
  if (config.reportNonKubernetes) {
    for (const doc of nonKubernetes) {
      problems.push({
        ruleId: 'not-kubernetes',
        messageId: 'noApiVersionKind',
        severity: 'info',
        message: `document ${doc.documentIndex + 1} has no apiVersion/kind: not a Kubernetes object, ignored`,
        file: source.path,
        range: doc.range(),
      });
    }
  }
  return { resources, problems };
}

function tooManyObjects(file: string, what: string, max: number): LoadProblem {
  return {
    ruleId: 'input-unreadable',
    messageId: 'tooManyObjects',
    severity: 'error',
    message: `file holds ${what}, over the limit of ${max} (maxObjectsPerFile); not checked (raise maxObjectsPerFile in .meshguard.yaml, or split the file)`,
    file,
    range: WHOLE_FILE,
  };
}

function isJsonFile(file: string): boolean {
  return /\.json$/i.test(file);
}

function namesApiVersionAndKind(text: string): boolean {
  return /"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text);
}

function yamlFinding(problem: YamlProblem, file: string): LoadProblem {
  const where = problem.documentIndex > 0 ? ` (document ${problem.documentIndex + 1})` : '';
  return {
    ruleId: 'yaml-syntax',
    messageId: problem.code,
    severity: problem.severity,
    message: `${problem.message}${where}`,
    file,
    range: problem.range,
  };
}

export function familyOf(file: string, gitlabCiGlobs: readonly string[]): DocumentFamily {
  if (path.posix.basename(file) === '.gitlab-ci.yml') return 'gitlab-ci';
  if (gitlabCiGlobs.length > 0 && compileGlobs(gitlabCiGlobs)(file)) return 'gitlab-ci';
  return 'kubernetes';
}

/** First `{{` that opens a Go template action outside a comment line. */
function findTemplateAction(text: string): { line: number; column: number } | undefined {
  const index = text.indexOf('{{');
  if (index < 0) return undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith('#')) continue;
    const column = line.indexOf('{{');
    if (column >= 0) return { line: i + 1, column: column + 1 };
  }
  return undefined;
}

function isChartTemplate(file: string): boolean {
  return /(^|\/)templates\/[^/]+\.(ya?ml|tpl)$/.test(file);
}

export { WHOLE_FILE };
