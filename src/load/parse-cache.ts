import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_VERSION } from '../assets.js';
import type { SourceRange } from '../model/types.js';
import type { CacheSigner } from './cache-signing.js';

interface CachedFile {
  /** The content hash of the text these values were parsed from; must equal the entry's key. */
  input: string;
  /** The documents' values, as the fast parser produced them. */
  values: unknown[];
  /** Positions resolved in earlier runs, by `<document index><JSON pointer>`: positions depend on the text alone. */
  ranges: Record<string, SourceRange>;
  /** HMAC of the entry when the cache is signed (MESHGUARD_CACHE_KEY). */
  signature?: string;
}

interface CacheFile {
  format: string;
  entries: Record<string, CachedFile>;
}

/** Bump when what is stored changes meaning: old caches are then ignored, never misread. */
const FORMAT = `meshguard-parse-cache/2/${PACKAGE_VERSION}`;

/**
 * Parsed documents by content hash, kept between runs (`meshguard check --cache`): a re-run after one
 * edit re-parses one file. Only parse results are cached — never findings, which depend on the whole
 * tree, the rules and the configuration — so a cached run reports exactly what an uncached run does.
 */
export class ParseCache {
  private readonly used = new Map<string, CachedFile>();
  private dirty = false;

  private constructor(
    private readonly location: string,
    private readonly previous: Record<string, CachedFile>,
    private readonly signer: CacheSigner | undefined,
  ) {}

  /** @param signer when given, only entries it signed are used, and every entry written is signed. */
  static async open(location: string, signer?: CacheSigner): Promise<ParseCache> {
    try {
      const stored = JSON.parse(await readFile(location, 'utf8')) as CacheFile;
      if (stored.format === FORMAT && stored.entries && typeof stored.entries === 'object' && !Array.isArray(stored.entries)) return new ParseCache(location, stored.entries, signer);
    } catch {
      // A missing, corrupt or foreign cache is the same as an empty one.
    }
    return new ParseCache(location, {}, signer);
  }

  /** SHA-256, not SHA-1: a signed entry vouches for this hash, so two texts must not be made to share one. */
  static keyOf(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  get(key: string): CachedFile | undefined {
    const used = this.used.get(key);
    if (used) return used;
    const entry = Object.hasOwn(this.previous, key) ? this.previous[key] : undefined;
    // The cache file is input like any other (a CI cache can come from another branch): an entry of the
    // wrong shape, filed under another text's hash, or (with a key) not signed by us is dropped and the
    // file re-parsed, never trusted and never a crash.
    if (!entry || !isCachedFile(entry) || entry.input !== key) return undefined;
    if (this.signer && !this.signer.verify(PURPOSE, payloadOf(entry), entry.signature)) return undefined;
    this.used.set(key, entry);
    return entry;
  }

  /** Values that do not survive JSON (Infinity, NaN from `.inf`/`.nan`) are not cached: the file is re-parsed. */
  put(key: string, values: unknown[]): CachedFile | undefined {
    let lossless = true;
    JSON.stringify(values, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) lossless = false;
      return v;
    });
    if (!lossless) return undefined;
    const entry: CachedFile = { input: key, values, ranges: {} };
    this.used.set(key, entry);
    this.dirty = true;
    return entry;
  }

  recordRange(entry: CachedFile, key: string, range: SourceRange): void {
    entry.ranges[key] = range;
    this.dirty = true;
  }

  /** Write the entries this run used (files that left the tree drop out); atomic via rename. */
  async save(): Promise<void> {
    if (!this.dirty && this.used.size === Object.keys(this.previous).length) return;
    const entries = Object.fromEntries(this.used);
    // Ranges are added during the run, so entries are (re)signed as they are written.
    if (this.signer) for (const entry of Object.values(entries)) entry.signature = this.signer.sign(PURPOSE, payloadOf(entry));
    const data: CacheFile = { format: FORMAT, entries };
    await mkdir(path.dirname(this.location), { recursive: true });
    const temporary = `${this.location}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(data));
    await rename(temporary, this.location);
  }
}

const PURPOSE = FORMAT;

/** What a signature covers: everything of the entry but the signature itself. */
function payloadOf(entry: CachedFile): string {
  return JSON.stringify([entry.input, entry.values, entry.ranges]);
}

function isCachedFile(value: unknown): value is CachedFile {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<CachedFile>;
  if (typeof entry.input !== 'string' || !Array.isArray(entry.values) || typeof entry.ranges !== 'object' || entry.ranges === null || Array.isArray(entry.ranges)) return false;
  return Object.values(entry.ranges).every(
    (r) => typeof r === 'object' && r !== null && ['line', 'column', 'endLine', 'endColumn'].every((k) => Number.isInteger((r as unknown as Record<string, unknown>)[k]) && ((r as unknown as Record<string, number>)[k]!) >= 1),
  );
}
