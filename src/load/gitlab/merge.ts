import { isPlainObject } from '../../model/gitlab/pipeline.js';
import type { JsonPath, SourceRange } from '../../model/types.js';

/**
 * Where each part of a merged pipeline was written. A node covers its whole subtree unless a child
 * node says a key came from another file: lookups walk down as far as children exist, then ask the
 * owning file's document for the rest of the path.
 */
export interface Origin {
  readonly file: string;
  readonly locate: (path: JsonPath) => SourceRange;
  /** Path of this node inside its own file's document. */
  readonly base: JsonPath;
  readonly children: Map<string, Origin>;
}

export function originOf(file: string, locate: (path: JsonPath) => SourceRange, base: JsonPath = []): Origin {
  return { file, locate, base, children: new Map() };
}

function childOrigin(origin: Origin, key: string): Origin {
  return origin.children.get(key) ?? originOf(origin.file, origin.locate, [...origin.base, key]);
}

/** The range of `path` in the merged value, with the file that holds it. */
export function locateInOrigin(root: Origin, path: JsonPath): SourceRange & { file: string } {
  let node = root;
  let i = 0;
  for (; i < path.length; i++) {
    const next = node.children.get(String(path[i]));
    if (!next) break;
    node = next;
  }
  return { ...node.locate([...node.base, ...path.slice(i)]), file: node.file };
}

/**
 * Merge `source` into `target` the way GitLab merges included files (docs: ci/yaml/includes "Merge
 * method"): maps are deep-merged, any other value (lists included) is replaced, later wins.
 * `onOverride` sees each top-level key that both sides define.
 */
export function mergeInto(
  target: Record<string, unknown>,
  targetOrigin: Origin,
  source: Readonly<Record<string, unknown>>,
  sourceOrigin: Origin,
  onOverride?: (key: string) => void,
): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (key in target) onOverride?.(key);
    if (isPlainObject(current) && isPlainObject(value)) {
      const copy = { ...current };
      target[key] = copy;
      const child = childOrigin(targetOrigin, key);
      targetOrigin.children.set(key, child);
      mergeInto(copy, child, value, childOrigin(sourceOrigin, key));
    } else {
      target[key] = value;
      targetOrigin.children.set(key, childOrigin(sourceOrigin, key));
    }
  }
}
