import type { JsonPath, SourceRange } from '../model/types.js';

/**
 * Best position of a rendered field in the Helm template it came from. A template is not YAML until
 * rendered, so the keys of the path are looked up line by line, each deeper than the one before
 * (list indexes are skipped: `range` loops make them unknowable). The deepest key found wins; a
 * field the template only produces through `toYaml`/`include` is located at its nearest written parent.
 */
export function locateInTemplate(text: string, path: JsonPath): SourceRange {
  const lines = text.split('\n');
  let line = 0;
  let indent = -1;
  let found: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };
  for (const segment of path) {
    if (typeof segment === 'number') continue;
    const key = new RegExp(`^(\\s*)(?:-\\s+)?["']?${escapeRegExp(segment)}["']?\\s*:`);
    let hit = -1;
    for (let l = line; l < lines.length; l++) {
      const current = lines[l]!;
      const match = key.exec(current);
      if (match && match[1]!.length > indent) {
        hit = l;
        indent = match[1]!.length;
        break;
      }
      // Leaving the parent's block: a non-blank, non-template line at or above the parent's indentation.
      const trimmed = current.trimStart();
      if (l > line && trimmed !== '' && !trimmed.startsWith('{{') && !trimmed.startsWith('#') && current.length - trimmed.length <= indent) break;
    }
    if (hit < 0) break;
    const column = lines[hit]!.length - lines[hit]!.trimStart().length + 1;
    found = { line: hit + 1, column, endLine: hit + 1, endColumn: lines[hit]!.length + 1 };
    line = hit + 1;
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
