import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * The precompiled validator groups (dist/schemas/validators/*.cjs, several MB of generated code) loaded with a V8
 * code cache written at build time (scripts/cache-validators.mjs) beside each group: parsing and compiling
 * the validators a run meets, then running them cold, was ~100 ms of CPU in a 10,000-resource check.
 *
 * The group is run as CommonJS would run it (same wrapper arguments), so the code cache is only an
 * optimisation: a missing, stale or rejected cache (another Node or V8 version, other V8 flags) falls back
 * to compiling the source, with identical validators.
 */

/** CommonJS's module wrapper, written out: the cache is only accepted for this exact text around the source. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAPPER_TAIL = '\n})';

/**
 * V8 checks a code cache against the source's length, not its content: the cache file starts with a digest of
 * the source it was made from, so a regenerated group of the same length never runs stale bytecode.
 */
const DIGEST_BYTES = 32;

export function codeCacheFile(groupFile: string): string {
  return `${groupFile}.v8cache`;
}

const scripts = new Map<string, vm.Script>();
/** Whether each group's last load ran from its code cache (tests, and whoever wonders why a start is slow). */
const fromCache = new Map<string, boolean>();

export function loadedFromCodeCache(file: string): boolean | undefined {
  return fromCache.get(file);
}

/** The exports of a validator group file, as `require` would give them. */
export function loadValidatorGroup(file: string): Record<string, unknown> {
  const source = readFileSync(file, 'utf8');
  const cachedData = cachedDataFor(file, source);
  const script = new vm.Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  scripts.set(file, script);
  fromCache.set(file, cachedData !== undefined && !script.cachedDataRejected);
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: unknown, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

function cachedDataFor(file: string, source: string): Buffer | undefined {
  const cacheFile = codeCacheFile(file);
  if (!existsSync(cacheFile)) return undefined;
  try {
    const bytes = readFileSync(cacheFile);
    if (bytes.length <= DIGEST_BYTES || !digestOf(source).equals(bytes.subarray(0, DIGEST_BYTES))) return undefined;
    return bytes.subarray(DIGEST_BYTES);
  } catch {
    return undefined;
  }
}

function digestOf(source: string): Buffer {
  return createHash('sha256').update(source).digest();
}

/**
 * Build time: write the code cache of a group loaded by this process. Called after its validators ran on
 * sample documents, so that the functions they compiled lazily are in the cache too.
 */
export function writeCodeCache(file: string): number {
  const script = scripts.get(file);
  if (!script) throw new Error(`${file}: not loaded by loadValidatorGroup`);
  const data = script.createCachedData();
  writeFileSync(codeCacheFile(file), Buffer.concat([digestOf(readFileSync(file, 'utf8')), data]));
  return DIGEST_BYTES + data.length;
}
