import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { isRecord } from './metadata.js';

/**
 * What meshguard takes from an OPA bundle (`opa build -t wasm` writes `bundle.tar.gz`): its compiled
 * wasm modules and its data documents. The Rego sources a bundle also carries are left alone: the
 * modules are what was built from them.
 */
export interface OpaBundle {
  /** Each `*.wasm` file, by its path in the bundle. */
  modules: { path: string; wasm: Uint8Array }[];
  /** `data.json` / `data.yaml` files merged at their directory's path (`/a/b/data.json` is `data.a.b`). */
  data: Record<string, unknown>;
}

export class BundleError extends Error {}

const decoder = new TextDecoder();

/** A bundle that inflates past this is refused (a gzip bomb must not take the run down). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export function readOpaBundle(gzipped: Uint8Array, maxBytes = MAX_BUNDLE_BYTES): OpaBundle {
  let tar: Uint8Array;
  try {
    // A plain Uint8Array: a Buffer's slice() is a view, and modules are later copied with slice().
    tar = new Uint8Array(gunzipSync(gzipped, { maxOutputLength: maxBytes }));
  } catch (error) {
    if (error instanceof RangeError) throw new BundleError(`inflates to more than ${maxBytes} bytes: refused`);
    throw new BundleError(`not a gzip file: ${(error as Error).message}`);
  }
  const bundle: OpaBundle = { modules: [], data: {} };
  for (const entry of tarEntries(tar)) {
    const file = entry.name.replace(/^\.?\/+/, '');
    const base = file.split('/').at(-1)!;
    if (base.endsWith('.wasm')) bundle.modules.push({ path: file, wasm: entry.data });
    else if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
      const text = decoder.decode(entry.data);
      let value: unknown;
      try {
        value = base === 'data.json' ? JSON.parse(text) : parseYaml(text);
      } catch (error) {
        throw new BundleError(`${file}: ${(error as Error).message}`);
      }
      const at = file.split('/').slice(0, -1).filter((s) => s !== '');
      bundle.data = mergeAt(bundle.data, at, value);
    }
  }
  return bundle;
}

/** Merge `value` (an object) into `target` at the path `at`, objects merged key by key. */
export function mergeAt(target: Record<string, unknown>, at: string[], value: unknown): Record<string, unknown> {
  if (at.length === 0) return isRecord(value) ? mergeObjects(target, value) : target;
  const [head, ...rest] = at as [string, ...string[]];
  const child = isRecord(target[head]) ? (target[head] as Record<string, unknown>) : {};
  return { ...target, [head]: mergeAt(child, rest, value) };
}

function mergeObjects(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = isRecord(out[key]) && isRecord(value) ? mergeObjects(out[key] as Record<string, unknown>, value) : value;
  return out;
}

interface TarEntry {
  name: string;
  data: Uint8Array;
}

/**
 * The regular files of a tar archive: POSIX ustar headers, with the long names of PAX (`x`) and GNU
 * (`L`) extension records, which is what Go's archive/tar (OPA) and GNU tar write.
 */
export function* tarEntries(tar: Uint8Array): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return;
    if (!checksumMatches(header)) throw new BundleError(`not a tar archive (bad header checksum at byte ${offset})`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (data.length < size) throw new BundleError(`truncated tar archive (${field(header, 0, 100)} needs ${size} bytes)`);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = decoder.decode(data).replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') yield { name, data };
  }
}

function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function octal(header: Uint8Array, start: number, length: number): number {
  const text = field(header, start, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** The header checksum: the byte sum with the checksum field itself counted as spaces. */
function checksumMatches(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === octal(header, 148, 8);
}

/** A PAX record set is `<length> <key>=<value>\n` repeated, the length counting bytes. */
function paxPath(data: Uint8Array): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) return undefined;
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= 0) return undefined;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    if (record.startsWith('path=')) return record.slice(5);
    at += length;
  }
  return undefined;
}
