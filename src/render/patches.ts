import type { JsonPath, SourceRange } from '../model/types.js';
import { fromJsonPointer } from '../model/refs.js';
import { isRecord } from '../model/workload.js';
import { parseYaml, type PositionedDocument } from '../load/yaml.js';
import type { Kustomization, KustomizationPatch } from './kustomization.js';
import type { TreeReader } from './plan.js';

/** A patch read from its file (or from the kustomization, for inline patches), ready to answer "did you set this field?". */
export interface LoadedPatch {
  file: string;
  target?: KustomizationPatch['target'];
  /** Strategic-merge patch documents, or one JSON 6902 operation list. */
  documents: PositionedDocument[];
  json6902: boolean;
  /** Inline patches: where the patch text starts in the kustomization (added to positions). */
  offset?: { line: number; column: number };
}

/** Every patch of a build, in the order kustomize applies them (bases first, components after their kustomization). */
export function loadPatches(closure: readonly Kustomization[], tree: TreeReader): LoadedPatch[] {
  const patches: LoadedPatch[] = [];
  for (const kustomization of closure) {
    for (const patch of kustomization.patches) {
      if (patch.file !== undefined) {
        const text = tree.read(patch.file);
        if (text === undefined) continue;
        const { documents } = parseYaml(text);
        patches.push({ file: patch.file, ...(patch.target ? { target: patch.target } : {}), documents, json6902: Array.isArray(documents[0]?.value) });
      } else if (patch.inline !== undefined && patch.inlineAt) {
        const offset = inlineOffset(tree.read(kustomization.file), patch.inlineAt, patch.inline);
        if (!offset) continue;
        const { documents } = parseYaml(patch.inline);
        patches.push({ file: kustomization.file, ...(patch.target ? { target: patch.target } : {}), documents, json6902: Array.isArray(documents[0]?.value), offset });
      }
    }
  }
  return patches;
}

/**
 * The patch that last set the node at `path` of a rendered object (kind, original and rendered name),
 * and where in it; undefined when no patch wrote that field. Later patches win, as in kustomize.
 */
export function locateInPatches(patches: readonly LoadedPatch[], identity: { kind: string; names: readonly string[] }, rendered: unknown, path: JsonPath): SourceRange | undefined {
  for (let p = patches.length - 1; p >= 0; p--) {
    const patch = patches[p]!;
    if (patch.target?.kind !== undefined && patch.target.kind !== identity.kind) continue;
    if (patch.target?.name !== undefined && !identity.names.includes(patch.target.name)) continue;
    const range = patch.json6902 ? locateInOperations(patch, path) : locateInStrategicMerge(patch, identity, rendered, path);
    if (range) return shift(range, patch);
  }
  return undefined;
}

function locateInStrategicMerge(patch: LoadedPatch, identity: { kind: string; names: readonly string[] }, rendered: unknown, path: JsonPath): SourceRange | undefined {
  for (const doc of patch.documents) {
    const value = doc.value;
    if (!isRecord(value)) continue;
    if (patch.target?.kind === undefined && value.kind !== undefined && value.kind !== identity.kind) continue;
    const name = isRecord(value.metadata) ? value.metadata.name : undefined;
    if (patch.target?.name === undefined && typeof name === 'string' && !identity.names.includes(name)) continue;
    const patchPath = translatePath(rendered, value, path);
    // Identity fields (kind, metadata.name) only select the target; they set nothing.
    if (patchPath && !isSelector(patchPath)) return doc.locate(patchPath);
  }
  return undefined;
}

function isSelector(path: JsonPath): boolean {
  return path.length === 0 || (path.length === 1 && (path[0] === 'kind' || path[0] === 'apiVersion' || path[0] === 'metadata')) || (path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace') && path.length === 2);
}

/** Keys kubernetes merges lists of objects by (patchMergeKey), most common first. */
const MERGE_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'topologyKey', 'type'];

/**
 * The same node's path inside a strategic-merge patch: list elements are matched by their merge key
 * (a container by name), not by index, because the patch lists only the elements it changes.
 * Undefined when the patch does not contain the node.
 */
function translatePath(rendered: unknown, patch: unknown, path: JsonPath): JsonPath | undefined {
  const out: (string | number)[] = [];
  let r = rendered;
  let q = patch;
  for (const segment of path) {
    if (Array.isArray(q) && typeof segment === 'number') {
      const element = Array.isArray(r) ? r[segment] : undefined;
      const key = isRecord(element) ? MERGE_KEYS.find((k) => element[k] !== undefined) : undefined;
      const index = key && isRecord(element) ? q.findIndex((e) => isRecord(e) && e[key] === element[key]) : q.length === (Array.isArray(r) ? r.length : -1) ? segment : -1;
      if (index < 0) return undefined;
      out.push(index);
      r = element;
      q = q[index];
    } else if (isRecord(q) && typeof segment === 'string' && segment in q) {
      out.push(segment);
      r = isRecord(r) ? r[segment] : undefined;
      q = q[segment];
    } else {
      return undefined;
    }
  }
  return out;
}

function locateInOperations(patch: LoadedPatch, path: JsonPath): SourceRange | undefined {
  const doc = patch.documents[0];
  if (!doc || !Array.isArray(doc.value)) return undefined;
  const operations = doc.value as unknown[];
  for (let i = operations.length - 1; i >= 0; i--) {
    const operation = operations[i];
    if (!isRecord(operation) || typeof operation.path !== 'string') continue;
    if (operation.op !== 'add' && operation.op !== 'replace') continue;
    // kustomize reads a JSON6902 path of "/" as the document itself.
    const target = operation.path === '/' ? [] : fromJsonPointer(operation.path);
    if (target.length > path.length || !target.every((segment, k) => String(segment) === String(path[k]) || segment === '-')) continue;
    return doc.locate([i, 'value', ...path.slice(target.length)]);
  }
  return undefined;
}

function shift(range: SourceRange, patch: LoadedPatch): SourceRange {
  const { offset } = patch;
  if (!offset) return { ...range, file: patch.file };
  return {
    file: patch.file,
    line: range.line + offset.line - 1,
    column: range.column + offset.column - 1,
    endLine: range.endLine + offset.line - 1,
    endColumn: range.endColumn + offset.column - 1,
  };
}

/**
 * Where an inline patch's text starts in the kustomization file: a block scalar (`patch: |-`) starts on
 * the next line, indented. Other spellings (quoted strings) are located at their key only.
 */
function inlineOffset(text: string | undefined, at: JsonPath, inline: string): { line: number; column: number } | undefined {
  if (text === undefined) return undefined;
  const doc = parseYaml(text).documents[0];
  if (!doc) return undefined;
  const range = doc.locate(at);
  const lines = text.split('\n');
  const firstLine = inline.split('\n').find((l) => l.trim() !== '');
  for (let l = range.line; l < Math.min(lines.length, range.endLine + 1); l++) {
    const line = lines[l]!;
    if (firstLine !== undefined && line.trim() === firstLine.trim()) {
      const column = line.length - line.trimStart().length - (firstLine.length - firstLine.trimStart().length) + 1;
      const firstIndex = inline.split('\n').indexOf(firstLine);
      return { line: l + 1 - firstIndex, column };
    }
  }
  return undefined;
}
