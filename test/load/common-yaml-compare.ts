import { parseCommonYaml } from '../../src/load/common-yaml.js';
import { decodeRoot, indexedDocuments, type PositionNode } from '../../src/load/position-index.js';
import { parseWithRecorder } from '../../src/load/preparse.js';

export type Verdict = { kind: 'bail' } | { kind: 'equal' } | { kind: 'differs'; where: string };

/**
 * The purpose-built reader against js-yaml with its listener on one text: it must either give up or
 * give exactly the same values (key order, number types, -0 included) and the same position roots.
 */
export function compareWithReference(text: string): Verdict {
  const fast = parseCommonYaml(text);
  if (!fast) return { kind: 'bail' };
  const reference = parseWithRecorder(text);
  if (!reference) return { kind: 'differs', where: 'js-yaml refuses the text or its index is unusable' };
  if (reference.tolerant || reference.recorder.aliases > 0 || reference.recorder.merges > 0) return { kind: 'differs', where: 'js-yaml saw duplicate keys, aliases or merges' };
  const values = sameValue(fast.values, reference.values, '$');
  if (values) return { kind: 'differs', where: `values ${values}` };
  const documents = indexedDocuments(fast.index);
  if (documents !== reference.recorder.roots.length) return { kind: 'differs', where: `roots ${documents} vs ${reference.recorder.roots.length}` };
  for (let i = 0; i < documents; i++) {
    const nodes = sameNode(decodeRoot(fast.index, i), reference.recorder.roots[i]!, `doc${i}`, false);
    if (nodes) return { kind: 'differs', where: `positions ${nodes}` };
  }
  return { kind: 'equal' };
}

function sameValue(a: unknown, b: unknown, at: string): string | undefined {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? undefined : `${at}: ${String(a)} (${typeof a}) vs ${String(b)} (${typeof b})`;
  }
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at}: different kinds`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\0') !== keysB.join('\0')) return `${at}: keys ${JSON.stringify(keysA)} vs ${JSON.stringify(keysB)}`;
  for (const key of keysA) {
    const found = sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * A decoded node against the recorder's: kind, offsets (an unknown end too), children, and the text of
 * every mapping key (what lookups compare; a decoded index keeps no other value).
 */
function sameNode(a: PositionNode, b: PositionNode, at: string, isKey: boolean): string | undefined {
  if (a.kind !== b.kind || a.start !== b.start || !Object.is(a.end, b.end)) return `${at}: kind/start/end ${a.kind} ${a.start}-${a.end} vs ${b.kind} ${b.start}-${b.end}`;
  if (Boolean(a.merge) !== Boolean(b.merge)) return `${at}: merge flag`;
  if (a.children === undefined || b.children === undefined) {
    if (a.children !== b.children) return `${at}: children ${a.children?.length} vs ${b.children?.length}`;
    if (isKey && a.value !== String(b.value)) return `${at}: key ${String(a.value)} vs ${String(b.value)}`;
    return undefined;
  }
  if (a.children.length !== b.children.length) return `${at}: ${a.children.length} vs ${b.children.length} children`;
  const mapping = b.value !== null && typeof b.value === 'object' && !Array.isArray(b.value);
  for (let i = 0; i < a.children.length; i++) {
    const found = sameNode(a.children[i]!, b.children[i]!, `${at}/${i}`, mapping && i % 2 === 0);
    if (found) return found;
  }
  return undefined;
}
