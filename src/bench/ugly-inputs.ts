/**
 * Input files made to hurt a YAML linter (issue 20: "no input file, however made, runs check longer than
 * 10 s per MB or above 1 GB RSS"). Shared by the measuring script (src/bench/hardening.ts) and the test
 * that checks what meshguard says about each (test/load/ugly-inputs.test.ts). `scale` 1 is the measured
 * size; tests use smaller ones.
 */
import { DEFAULT_CONFIG } from '../config/types.js';

export interface UglyInput {
  name: string;
  /** File name inside the tree (the extension decides how it is read). */
  file: string;
  content: Buffer;
  /** What meshguard must report about it (`rule/messageId` of one of its findings), when something in particular. */
  expect?: string;
}

const configMap = (name: string, data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data}`;

/** Billion laughs with anchor names outside [\w.-], the ones that once skipped the alias budget. */
function aliasBomb(): string {
  const names = ['$a', 'a:b', '%c', '@d', '!e', '~f', '^g', 'a#h', '+i', '(j)'];
  let text = `x: &${names[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  for (let level = 1; level < names.length; level++) {
    text += `l${level}: &${names[level]} [${Array(9).fill(`*${names[level - 1]}`).join(', ')}]\n`;
  }
  return configMap('bomb', `  bomb: ok\n`) + `---\n${text}`;
}

function manyAnchors(n: number): string {
  const anchors = Array.from({ length: n }, (_, i) => `    k${i}: &a${i} v${i}\n`).join('');
  const aliases = Array.from({ length: n }, (_, i) => `    - *a${i}\n`).join('');
  return `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: anchors\n  data:\n${anchors}  list:\n${aliases}`;
}

function deepFlow(depth: number): string {
  return `a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}

function deepBlock(depth: number): string {
  let text = '';
  for (let i = 0; i < depth; i++) text += `${' '.repeat(i)}k${i}:\n`;
  return `${text}${' '.repeat(depth)}leaf\n`;
}

/** Many ConfigMaps in one file, close to a real generated bundle. */
function hugeFile(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = `---\n${configMap(`cm-${i}`, Array.from({ length: 20 }, (_, k) => `  key-${k}: "value ${i} ${k} ${'x'.repeat(40)}"\n`).join(''))}`;
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/** Deterministic bytes that are not text (NULs, invalid UTF-8). */
function binary(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let a = 12345;
  for (let i = 0; i < bytes; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    out[i] = a >>> 24;
  }
  return out;
}

/** `prefix`: names differ between files, so that two such files are not duplicates of each other. */
function manyDocuments(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}${i}\n`).join('');
}

function duplicateKeys(n: number): string {
  return configMap('dupes', '  k: v\n'.repeat(n));
}

/** The set at a given scale (1 = the sizes the hardening script measures). */
export function uglyInputs(scale = 1): UglyInput[] {
  const n = (count: number): number => Math.max(10, Math.round(count * scale));
  const mb = (count: number): number => Math.round(count * scale * 1024 * 1024);
  const size = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
  return [
    { name: 'alias bomb, odd anchor names (9^9 expansion)', file: 'bomb.yaml', content: Buffer.from(aliasBomb()), expect: 'yaml-syntax/ALIAS_EXPANSION' },
    { name: `${n(50_000)} anchors + ${n(50_000)} aliases`, file: 'anchors.yaml', content: Buffer.from(manyAnchors(n(50_000))) },
    { name: `flow nesting ${n(100_000)} deep`, file: 'deep-flow.yaml', content: Buffer.from(deepFlow(n(100_000))), expect: 'yaml-syntax/RESOURCE_EXHAUSTION' },
    { name: `block nesting ${n(5_000)} deep`, file: 'deep-block.yaml', content: Buffer.from(deepBlock(n(5_000))) },
    { name: `huge file (${size(mb(30))} of ConfigMaps)`, file: 'huge.yaml', content: Buffer.from(hugeFile(mb(30))) },
    { name: `over the default 32 MB size cap (${size(mb(40))})`, file: 'over-cap.yaml', content: Buffer.from(hugeFile(mb(40))), expect: 'input-unreadable/tooLarge' },
    { name: `binary (${size(mb(4))})`, file: 'binary.yaml', content: binary(mb(4)), expect: 'input-unreadable/binary' },
    { name: `one line of ${size(mb(8))}`, file: 'long-line.yaml', content: Buffer.from(configMap('long', `  k: "${'x'.repeat(mb(8))}"\n`)) },
    { name: `${n(100_000)} documents`, file: 'many-docs.yaml', content: Buffer.from(manyDocuments(n(100_000), 'many-')) },
    {
      name: `${n(300_000)} documents`,
      file: 'more-docs.yaml',
      content: Buffer.from(manyDocuments(n(300_000), 'more-')),
      ...(n(300_000) > DEFAULT_CONFIG.maxObjectsPerFile ? { expect: 'input-unreadable/tooManyObjects' } : {}),
    },
    { name: `${n(200_000)} duplicate keys`, file: 'dupes.yaml', content: Buffer.from(duplicateKeys(n(200_000))), expect: 'yaml-syntax/DUPLICATE_KEY' },
  ];
}
