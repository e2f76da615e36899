import path from 'node:path';
import { parseYamlFast } from '../load/fast-yaml.js';
import { extractResources } from '../load/resources.js';
import type { PositionedDocument, YamlProblem } from '../load/yaml.js';
import type { JsonPath, Resource, SourceRange } from '../model/types.js';
import { isRecord } from '../model/workload.js';
import type { Kustomization } from './kustomization.js';
import { locateInPatches, type LoadedPatch } from './patches.js';
import { locateInTemplate } from './template-position.js';
import type { TreeReader } from './plan.js';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';
export const TRANSFORMATIONS_ANNOTATION = 'alpha.config.kubernetes.io/transformations';

/** Where a rendered object came from, as kustomize's origin annotation or Helm's `# Source:` comment says. */
export interface Origin {
  /** Repository-relative file the object is written in (kustomize `path`, Helm template). */
  file?: string;
  /** The kustomization whose generator made it (kustomize `configuredIn`). */
  configuredIn?: string;
  /** A template (Helm): positions are found by key, not parsed. */
  template?: boolean;
}

export interface RenderedStream {
  /** What the rendered text is called when no origin is known (`<stdin>`, or the build root). */
  name: string;
  text: string;
  /** Resolves an origin path as the tool wrote it to a repository-relative path. */
  resolveOrigin: (written: string) => string;
  /** The build's kustomizations and patches, to locate fields a patch or the kustomization set. */
  build?: { closure: readonly Kustomization[]; patches: readonly LoadedPatch[] };
}

/**
 * Turn a rendered stream into resources located in the files a person edits: each object's origin
 * file (and the document of the same kind and name in it), or the patch that last set a field.
 * Objects without a known origin stay located in the stream itself.
 */
export function resourcesFromRendered(stream: RenderedStream, tree: TreeReader, defaultNamespace: string, scope: string): { resources: Resource[]; problems: YamlProblem[] } {
  const { documents, problems } = parseYamlFast(stream.text);
  const sourceComments = sourceCommentsByLine(stream.text);
  const resources: Resource[] = [];
  const sources = new SourceDocuments(tree);
  let counter = 0;
  for (const doc of documents) {
    const origin = takeOrigin(doc, sourceComments, stream.resolveOrigin);
    const { resources: extracted } = extractResources([doc], { file: stream.name, defaultNamespace });
    for (const rendered of extracted) {
      const located = locateRendered(rendered, origin, sources, stream, tree);
      resources.push({ ...rendered, id: `${scope}!${counter++}`, source: located });
    }
  }
  return { resources, problems };
}

/** Reads and strips the origin annotations: they are meshguard's bookkeeping, not the user's object. */
function takeOrigin(doc: PositionedDocument, sourceComments: readonly { line: number; file: string }[], resolve: (written: string) => string): Origin {
  const value = doc.value;
  const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : undefined;
  const annotations = metadata && isRecord(metadata.annotations) ? metadata.annotations : undefined;
  const written = annotations?.[ORIGIN_ANNOTATION];
  if (annotations) {
    delete annotations[ORIGIN_ANNOTATION];
    delete annotations[TRANSFORMATIONS_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata!.annotations;
  }
  if (typeof written === 'string') {
    // kustomize writes these top-level keys as plain scalars, one per line (api/resource/origin.go).
    const field = (key: string): string | undefined => new RegExp(`^${key}: *(.+)$`, 'm').exec(written)?.[1]?.trim().replace(/^(["'])(.*)\1$/, '$2');
    // A remote origin (repo:) names a file that is not in this tree.
    if (field('repo') !== undefined) return {};
    const file = field('path');
    if (file !== undefined) return { file: resolve(file) };
    const configuredIn = field('configuredIn');
    if (configuredIn !== undefined) return { configuredIn: resolve(configuredIn) };
  }
  // Helm: the last `# Source:` comment before the document's content.
  let source: string | undefined;
  for (const comment of sourceComments) {
    if (comment.line > doc.range.line) break;
    source = comment.file;
  }
  return source ? { file: resolve(source), template: true } : {};
}

function sourceCommentsByLine(text: string): { line: number; file: string }[] {
  const out: { line: number; file: string }[] = [];
  const pattern = /^# Source: (.+)$/gm;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    out.push({ line: text.slice(0, match.index).split('\n').length, file: match[1]!.trim() });
  }
  return out;
}

/** Parsed source files, each parsed once per rendering however many objects came from it. */
class SourceDocuments {
  private readonly parsed = new Map<string, PositionedDocument[] | undefined>();
  constructor(private readonly tree: TreeReader) {}
  documents(file: string): PositionedDocument[] | undefined {
    if (!this.parsed.has(file)) {
      const text = this.tree.read(file);
      this.parsed.set(file, text === undefined ? undefined : parseYamlFast(text).documents);
    }
    return this.parsed.get(file);
  }
}

function locateRendered(rendered: Resource, origin: Origin, sources: SourceDocuments, stream: RenderedStream, tree: TreeReader): Resource['source'] {
  const inStream = rendered.source;
  if (origin.template && origin.file) {
    const text = tree.read(origin.file);
    if (text !== undefined) {
      const file = origin.file;
      return { file, documentIndex: 0, basePath: [], locate: (p) => ({ ...locateInTemplate(text, p), file }) };
    }
    return inStream;
  }
  if (origin.configuredIn) return generatorSource(rendered, origin.configuredIn, sources, stream, inStream);
  if (!origin.file) return inStream;
  const documents = sources.documents(origin.file);
  if (!documents) return inStream;
  const document = matchingDocument(documents, rendered);
  const file = origin.file;
  const originalName = nameOf(document?.value) ?? rendered.name;
  const identity = { kind: rendered.kind, names: [...new Set([originalName, rendered.name])] };
  const build = stream.build;
  return {
    file,
    documentIndex: document?.index ?? 0,
    basePath: [],
    locate: (p: JsonPath): SourceRange => {
      if (build) {
        const fromPatch = locateInPatches(build.patches, identity, rendered.object, p);
        if (fromPatch) return fromPatch;
        if (p[0] === 'metadata' && p[1] === 'namespace' && !hasPath(document?.value, ['metadata', 'namespace'])) {
          const setter = [...build.closure].reverse().find((k) => k.setsNamespace);
          const at = setter ? sources.documents(setter.file)?.[0] : undefined;
          if (setter && at) return { ...at.locate(['namespace']), file: setter.file };
        }
      }
      return document ? document.locate(p) : { line: 1, column: 1, endLine: 1, endColumn: 1 };
    },
  };
}

/** A generated ConfigMap/Secret is located at its generator entry (`configMapGenerator[i]`). */
function generatorSource(rendered: Resource, kustomizationFile: string, sources: SourceDocuments, stream: RenderedStream, fallback: Resource['source']): Resource['source'] {
  const kustomization = stream.build?.closure.find((k) => k.file === kustomizationFile);
  const doc = sources.documents(kustomizationFile)?.[0];
  if (!doc) return fallback;
  // Generated names carry a content hash suffix (name-<hash>) and maybe a prefix/suffix of the overlay.
  const generator = kustomization?.generators.find((g) => rendered.name === g.name || rendered.name.includes(`${g.name}-`) || rendered.name.includes(g.name));
  const at = generator?.at ?? [];
  return { file: kustomizationFile, documentIndex: 0, basePath: [], locate: () => ({ ...doc.locate(at), file: kustomizationFile }) };
}

/** The document of the origin file the object was rendered from: same kind, then the same (or a contained) name. */
function matchingDocument(documents: readonly PositionedDocument[], rendered: Resource): PositionedDocument | undefined {
  const sameKind = documents.filter((d) => isRecord(d.value) && d.value.kind === rendered.kind);
  return (
    sameKind.find((d) => nameOf(d.value) === rendered.name) ??
    sameKind.find((d) => {
      const name = nameOf(d.value);
      return name !== undefined && name !== '' && rendered.name.includes(name);
    }) ??
    sameKind[0] ??
    documents[0]
  );
}

function nameOf(value: unknown): string | undefined {
  return isRecord(value) && isRecord(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : undefined;
}

function hasPath(value: unknown, p: JsonPath): boolean {
  let current = value;
  for (const segment of p) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && typeof segment === 'string' && segment in current) current = current[segment];
    else return false;
  }
  return true;
}

/** Repository-relative form of a path a tool printed relative to `cwd`; `root` is the repository on disk. */
export function relativeTo(root: string, cwd: string, written: string): string {
  return path.relative(root, path.resolve(cwd, written)).split(path.sep).join('/');
}
